// Runs the gateway on a free port against an in-process fake backend and
// talks real HTTP to it.
#include "gateway/gateway_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/util/clock.h"
#include "tests/gateway/fake_backend.h"
#include "tests/gateway/gateway_fixture.h"
#include "tests/gateway/raw_http.h"

namespace leadcapture::gateway {
namespace {

using leadcapture::v1::CaptureRequest;
using leadcapture::v1::Policy;
using ::testing::HasSubstr;
using ::testing::Not;

// An entry point without allowed_origins, and one with a list.
constexpr char kOpenKey[] = "0123456789abcdef0123456789abcdef";
constexpr char kListedKey[] = "fedcba9876543210fedcba9876543210";
constexpr char kUnknownKey[] = "00000000000000000000000000000000";
constexpr char kShopOrigin[] = "https://shop.example";
constexpr char kJson[] = "application/json";
constexpr char kSeedPayload[] = R"({"firstName":"Ada","lastName":"Lovelace",)"
                                R"("emailAddress":"ada@example.com"})";

std::string CapturePath(absl::string_view api_key) {
  return absl::StrCat("/api/v1/LeadCapture/", api_key);
}

nlohmann::json ErrorOf(const httplib::Result& result) {
  EXPECT_EQ(result->get_header_value("Content-Type"), kJson);
  nlohmann::json body = nlohmann::json::parse(result->body, nullptr, false);
  EXPECT_TRUE(body.is_object()) << result->body;
  return body.is_object() ? body["error"] : nlohmann::json();
}

// Every answer of the capture route carries these (SPEC 5.3).
void ExpectCaptureRouteHeaders(const httplib::Result& result,
                               absl::string_view allow_origin) {
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Origin"),
            allow_origin);
  EXPECT_EQ(result->get_header_value("Access-Control-Expose-Headers"),
            "X-Status-Reason, Retry-After");
}

// An error answer: status, JSON code, a matching X-Status-Reason.
void ExpectError(const httplib::Result& result, int status,
                 absl::string_view code) {
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, status) << result->body;
  nlohmann::json error = ErrorOf(result);
  EXPECT_EQ(error["code"], std::string(code));
  ASSERT_TRUE(error["message"].is_string());
  EXPECT_FALSE(error["message"].get<std::string>().empty());
  EXPECT_EQ(result->get_header_value("X-Status-Reason"),
            error["message"].get<std::string>());
}

class GatewayServerTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    state_.SetPolicy(kOpenKey, Policy());
    Policy listed;
    listed.add_allowed_origins(kShopOrigin);
    listed.add_allowed_origins("https://www.shop.example");
    state_.SetPolicy(kListedKey, listed);
    StartGateway(GatewayOptions());
  }

  httplib::Result Post(absl::string_view api_key, const std::string& body,
                       const std::string& content_type = kJson,
                       const httplib::Headers& headers = {}) {
    return client_->Post(CapturePath(api_key).c_str(), headers, body,
                         content_type.c_str());
  }

  httplib::Result PostFrom(absl::string_view origin, absl::string_view key) {
    return Post(key, kSeedPayload, kJson, {{"Origin", std::string(origin)}});
  }

  httplib::Result Preflight(absl::string_view api_key,
                            absl::string_view origin) {
    return client_->Options(
        CapturePath(api_key).c_str(),
        {{"Origin", std::string(origin)},
         {"Access-Control-Request-Method", "POST"},
         {"Access-Control-Request-Headers", "content-type"}});
  }

  // The payload of the only capture the backend saw.
  google::protobuf::Struct OnlyCapturedPayload() {
    std::vector<CaptureRequest> captures = state_.captures();
    EXPECT_EQ(captures.size(), 1u);
    return captures.empty() ? google::protobuf::Struct()
                            : captures[0].payload();
  }
};

// == Success ==

TEST_F(GatewayServerTest, CaptureAnswersTrueWithNoCacheHeaders) {
  httplib::Result result = Post(kOpenKey, kSeedPayload);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "true");
  EXPECT_EQ(result->get_header_value("Content-Type"), kJson);
  EXPECT_EQ(result->get_header_value("Cache-Control"),
            "no-cache, no-store, must-revalidate");
  EXPECT_EQ(result->get_header_value("Pragma"), "no-cache");
  EXPECT_EQ(result->get_header_value("Expires"), "0");
  ExpectCaptureRouteHeaders(result, "*");
  EXPECT_FALSE(result->has_header("Vary"));

  std::vector<CaptureRequest> captures = state_.captures();
  ASSERT_EQ(captures.size(), 1u);
  EXPECT_EQ(captures[0].api_key(), kOpenKey);
  EXPECT_EQ(captures[0].payload().fields().at("emailAddress").string_value(),
            "ada@example.com");
}

TEST_F(GatewayServerTest, CapturePassesPayloadAsStruct) {
  ASSERT_EQ(Post(kOpenKey,
                 "{\"firstName\":\"Zo\xC3\xAB \xF0\x9F\x98\x80\","
                 "\"lastName\":null,\"age\":42,\"score\":-1.25,"
                 "\"optIn\":true,\"address\":{\"city\":\"Berlin\","
                 "\"lines\":[\"a\",2]}}")
                ->status,
            200);
  google::protobuf::Struct payload = OnlyCapturedPayload();
  const auto& fields = payload.fields();
  EXPECT_EQ(fields.at("firstName").string_value(),
            "Zo\xC3\xAB \xF0\x9F\x98\x80");
  EXPECT_EQ(fields.at("lastName").kind_case(),
            google::protobuf::Value::kNullValue);
  EXPECT_EQ(fields.at("age").number_value(), 42.0);
  EXPECT_EQ(fields.at("score").number_value(), -1.25);
  EXPECT_TRUE(fields.at("optIn").bool_value());
  const auto& address = fields.at("address").struct_value().fields();
  EXPECT_EQ(address.at("city").string_value(), "Berlin");
  EXPECT_EQ(address.at("lines").list_value().values(1).number_value(), 2.0);
}

TEST_F(GatewayServerTest, CapturePassesClientContext) {
  ASSERT_EQ(
      Post(kOpenKey, kSeedPayload, kJson,
           {{"User-Agent", "FormBot/1.0"}, {"Origin", "https://any.example"}})
          ->status,
      200);
  std::vector<CaptureRequest> captures = state_.captures();
  ASSERT_EQ(captures.size(), 1u);
  EXPECT_EQ(captures[0].client().ip(), "127.0.0.1");
  EXPECT_EQ(captures[0].client().user_agent(), "FormBot/1.0");
  EXPECT_EQ(captures[0].client().origin(), "https://any.example");
}

TEST_F(GatewayServerTest, AcceptsJsonWithCharsetParameter) {
  httplib::Result result =
      Post(kOpenKey, kSeedPayload, "Application/JSON; charset=UTF-8");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

TEST_F(GatewayServerTest, ConcurrentCapturesAreAllForwarded) {
  constexpr int kClients = 8;
  constexpr int kPostsEach = 20;
  std::vector<std::thread> clients;
  std::atomic<int> succeeded{0};
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([this, &succeeded] {
      httplib::Client client("127.0.0.1", gateway_->port());
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      for (int j = 0; j < kPostsEach; ++j) {
        httplib::Result result =
            client.Post(CapturePath(kListedKey).c_str(),
                        {{"Origin", kShopOrigin}}, kSeedPayload, kJson);
        if (result && result->status == 200) ++succeeded;
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(succeeded, kClients * kPostsEach);
  EXPECT_EQ(state_.captures().size(), size_t{kClients * kPostsEach});
}

// == Bad bodies ==

TEST_F(GatewayServerTest, MalformedJsonIs400WithRuleJson) {
  httplib::Result result = Post(kOpenKey, R"({"firstName": "Ada",)");
  ExpectError(result, 400, "invalid_argument");
  EXPECT_EQ(ErrorOf(result)["rule"], "json");
  ExpectCaptureRouteHeaders(result, "*");
  EXPECT_TRUE(state_.captures().empty());
}

TEST_F(GatewayServerTest, BodyThatIsNotAnObjectIs400) {
  httplib::Result result = Post(kOpenKey, R"([{"firstName": "Ada"}])");
  ExpectError(result, 400, "invalid_argument");
  EXPECT_EQ(ErrorOf(result)["rule"], "json");
  EXPECT_THAT(ErrorOf(result)["message"].get<std::string>(),
              HasSubstr("must be a JSON object"));
  EXPECT_TRUE(state_.captures().empty());
}

TEST_F(GatewayServerTest, DeepNestingIs400) {
  std::string body;
  for (int i = 0; i < 40; ++i) body += "{\"a\":";
  body += "1" + std::string(40, '}');
  httplib::Result result = Post(kOpenKey, body);
  ExpectError(result, 400, "invalid_argument");
  EXPECT_EQ(ErrorOf(result)["rule"], "json");
  EXPECT_TRUE(state_.captures().empty());

  // A stack-busting depth gets the same answer and the server lives on.
  ExpectError(Post(kOpenKey, std::string(60000, '[')), 400, "invalid_argument");
  EXPECT_EQ(Post(kOpenKey, kSeedPayload)->status, 200);
}

TEST_F(GatewayServerTest, InvalidUtf8Is400) {
  httplib::Result result = Post(kOpenKey, "{\"firstName\":\"A\xFF\"}");
  ExpectError(result, 400, "invalid_argument");
  EXPECT_EQ(ErrorOf(result)["rule"], "json");
  EXPECT_TRUE(state_.captures().empty());
}

TEST_F(GatewayServerTest, OversizedBodyIs413WithJsonAndCors) {
  const std::string body =
      R"({"description":")" + std::string(70000, 'x') + R"("})";
  httplib::Result result =
      Post(kListedKey, body, kJson, {{"Origin", kShopOrigin}});
  ExpectError(result, 413, "payload_too_large");
  // The entry point's CORS answer, not the default (SPEC 5.3).
  ExpectCaptureRouteHeaders(result, kShopOrigin);
  EXPECT_EQ(result->get_header_value("Vary"), "Origin");
  EXPECT_TRUE(state_.captures().empty());
  EXPECT_EQ(Post(kOpenKey, kSeedPayload)->status, 200);
}

TEST_F(GatewayServerTest, OversizedBodyFromUnlistedOriginIs403) {
  const std::string body(70000, ' ');
  httplib::Result result =
      Post(kListedKey, body, kJson, {{"Origin", "https://evil.example"}});
  ExpectError(result, 403, "origin_not_allowed");
  EXPECT_EQ(result->get_header_value("Vary"), "Origin");
  EXPECT_TRUE(state_.captures().empty());
}

TEST_F(GatewayServerTest, OversizedBodyForUnknownKeyIs404) {
  ExpectError(Post(kUnknownKey, std::string(70000, ' ')), 404, "not_found");
}

TEST_F(GatewayServerTest, OversizedChunkedBodyIs413) {
  const std::string body =
      R"({"description":")" + std::string(70000, 'x') + R"("})";
  httplib::Result result = client_->Post(
      CapturePath(kOpenKey).c_str(),
      [&body](size_t offset, httplib::DataSink& sink) {
        const size_t step = std::min<size_t>(4096, body.size() - offset);
        sink.write(body.data() + offset, step);
        if (offset + step == body.size()) sink.done();
        return true;
      },
      kJson);
  ExpectError(result, 413, "payload_too_large");
  ExpectCaptureRouteHeaders(result, "*");
  EXPECT_TRUE(state_.captures().empty());
}

TEST_F(GatewayServerTest, BodyLimitIsConfigurable) {
  GatewayOptions options;
  options.max_body_bytes = 64;
  StartGateway(options);
  EXPECT_EQ(Post(kOpenKey, R"({"firstName":"Ada"})")->status, 200);
  ExpectError(Post(kOpenKey, kSeedPayload + std::string(64, ' ')), 413,
              "payload_too_large");
}

// == Content types ==

TEST_F(GatewayServerTest, TextPlainIs415) {
  httplib::Result result = Post(kOpenKey, kSeedPayload, "text/plain");
  ExpectError(result, 415, "unsupported_media_type");
  ExpectCaptureRouteHeaders(result, "*");
  EXPECT_TRUE(state_.captures().empty());
}

TEST_F(GatewayServerTest, FormEncodedIs415) {
  httplib::Result result = Post(kOpenKey, "firstName=Ada&lastName=Lovelace",
                                "application/x-www-form-urlencoded");
  ExpectError(result, 415, "unsupported_media_type");
  EXPECT_TRUE(state_.captures().empty());
}

TEST_F(GatewayServerTest, MissingContentTypeIs415) {
  httplib::Result result = Post(kOpenKey, kSeedPayload, "");
  ExpectError(result, 415, "unsupported_media_type");
  EXPECT_TRUE(state_.captures().empty());
}

TEST_F(GatewayServerTest, MultipartFormIs415NotA500) {
  client_->set_keep_alive(true);
  const httplib::MultipartFormDataItems form = {
      {"emailAddress", "a@example.com", "", ""}};
  httplib::Result result = client_->Post(CapturePath(kOpenKey).c_str(), form);
  ExpectError(result, 415, "unsupported_media_type");
  ExpectCaptureRouteHeaders(result, "*");
  EXPECT_TRUE(state_.captures().empty());
  // The connection is still usable for the next request.
  EXPECT_EQ(Post(kOpenKey, kSeedPayload)->status, 200);
}

TEST_F(GatewayServerTest, MultipartFormWithoutBoundaryIs415) {
  httplib::Result result = Post(kOpenKey, "x", "multipart/form-data");
  ExpectError(result, 415, "unsupported_media_type");
}

TEST_F(GatewayServerTest, MultipartFormFromUnlistedOriginIs403) {
  const httplib::MultipartFormDataItems form = {
      {"emailAddress", "a@example.com", "", ""}};
  httplib::Result result =
      client_->Post(CapturePath(kListedKey).c_str(),
                    {{"Origin", "https://evil.example"}}, form);
  ExpectError(result, 403, "origin_not_allowed");
}

TEST_F(GatewayServerTest, KeepAliveConnectionSurvivesErrorAnswers) {
  client_->set_keep_alive(true);
  const std::string too_large(70000, ' ');
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(Post(kOpenKey, kSeedPayload)->status, 200);
    EXPECT_EQ(Post(kOpenKey, "{")->status, 400);
    EXPECT_EQ(Post(kOpenKey, too_large)->status, 413);
    EXPECT_EQ(Post(kOpenKey, kSeedPayload, "text/plain")->status, 415);
    EXPECT_EQ(Post(kUnknownKey, kSeedPayload)->status, 404);
    EXPECT_EQ(client_->Get("/healthz")->status, 200);
  }
  EXPECT_EQ(state_.captures().size(), 3u);
}

TEST_F(GatewayServerTest, PostWithoutBodyIs400WithoutWaiting) {
  const absl::Time start = absl::Now();
  const std::string response = RawExchange(
      gateway_->port(),
      absl::StrCat("POST ", CapturePath(kOpenKey), " HTTP/1.1\r\n",
                   "Host: 127.0.0.1\r\nContent-Type: application/json\r\n",
                   "Connection: close\r\n\r\n"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_THAT(response, testing::StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(response, HasSubstr(R"("rule":"json")"));
}

TEST_F(GatewayServerTest, UnknownTransferEncodingIs400) {
  const std::string response = RawExchange(
      gateway_->port(),
      absl::StrCat("POST ", CapturePath(kOpenKey), " HTTP/1.1\r\n",
                   "Host: 127.0.0.1\r\nContent-Type: application/json\r\n",
                   "Transfer-Encoding: gzip\r\nConnection: close\r\n\r\n"));
  EXPECT_THAT(response, testing::StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(response, HasSubstr("Access-Control-Allow-Origin: *"));
  EXPECT_TRUE(state_.captures().empty());
}

// Two different lengths could frame the body two ways (RFC 9112 6.3).
TEST_F(GatewayServerTest, DifferingContentLengthsAre400OnEveryRoute) {
  for (const std::string& request_line :
       {absl::StrCat("POST ", CapturePath(kOpenKey), " HTTP/1.1"),
        std::string("POST /optin/confirm HTTP/1.1"),
        std::string("GET /healthz HTTP/1.1")}) {
    const std::string response =
        RawExchange(gateway_->port(),
                    absl::StrCat(request_line, "\r\nHost: 127.0.0.1\r\n",
                                 "Content-Type: application/json\r\n",
                                 "Content-Length: 2\r\nContent-Length: 20\r\n",
                                 "Connection: close\r\n\r\n{}"));
    EXPECT_THAT(response, testing::StartsWith("HTTP/1.1 400")) << request_line;
  }
  EXPECT_TRUE(state_.captures().empty());
}

TEST_F(GatewayServerTest, DifferingContentLengthsAnswerNothingMore) {
  GatewayOptions options;
  options.keep_alive_timeout = absl::Seconds(1);
  StartGateway(options);
  // Whatever follows could be a smuggled request; it is never answered,
  // and the client is told to close.
  const std::string response = RawExchange(
      gateway_->port(),
      absl::StrCat("POST ", CapturePath(kOpenKey), " HTTP/1.1\r\n",
                   "Host: 127.0.0.1\r\nContent-Type: application/json\r\n",
                   "Content-Length: 2\r\nContent-Length: 0\r\n\r\n",
                   "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  EXPECT_THAT(response, testing::StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(response, HasSubstr("Connection: close"));
  EXPECT_THAT(response, Not(HasSubstr("HTTP/1.1 200"))) << response;
}

TEST_F(GatewayServerTest, RepeatedEqualContentLengthIsServed) {
  const std::string body = kSeedPayload;
  const std::string length = std::to_string(body.size());
  const std::string response = RawExchange(
      gateway_->port(),
      absl::StrCat("POST ", CapturePath(kOpenKey), " HTTP/1.1\r\n",
                   "Host: 127.0.0.1\r\nContent-Type: application/json\r\n",
                   "Content-Length: ", length, "\r\nContent-Length: ", length,
                   "\r\nConnection: close\r\n\r\n", body));
  EXPECT_THAT(response, testing::StartsWith("HTTP/1.1 200"));
}

TEST_F(GatewayServerTest, NegativeOrNonNumericContentLengthIs400) {
  for (const char* length : {"-5", "abc", "5x", "", "+5"}) {
    const std::string response = RawExchange(
        gateway_->port(), absl::StrCat("POST ", CapturePath(kOpenKey),
                                       " HTTP/1.1\r\n", "Host: 127.0.0.1\r\n",
                                       "Content-Type: application/json\r\n",
                                       "Content-Length: ", length,
                                       "\r\nConnection: close\r\n\r\n{}"));
    EXPECT_THAT(response, testing::StartsWith("HTTP/1.1 400")) << length;
  }
  EXPECT_TRUE(state_.captures().empty());
}

// == Errors from the backend ==

TEST_F(GatewayServerTest, FieldAndRuleFromTrailersReachTheBody) {
  state_.SetCaptureAnswer(
      {grpc::StatusCode::INVALID_ARGUMENT,
       "emailAddress is not a valid e-mail address",
       {{"leadcapture-field", "emailAddress"}, {"leadcapture-rule", "email"}}});
  httplib::Result result = Post(kOpenKey, R"({"emailAddress":"nope"})");
  ExpectError(result, 400, "invalid_argument");
  nlohmann::json error = ErrorOf(result);
  EXPECT_EQ(error["field"], "emailAddress");
  EXPECT_EQ(error["rule"], "email");
  EXPECT_EQ(error["message"], "emailAddress is not a valid e-mail address");
  ExpectCaptureRouteHeaders(result, "*");
}

TEST_F(GatewayServerTest, StatusReasonIsASafeHeaderValue) {
  state_.SetCaptureAnswer({grpc::StatusCode::INVALID_ARGUMENT,
                           "bad\r\nSet-Cookie: stolen=1\x01 value",
                           {}});
  httplib::Result result = Post(kOpenKey, kSeedPayload);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_FALSE(result->has_header("Set-Cookie"));
  EXPECT_EQ(result->get_header_value("X-Status-Reason"),
            "badSet-Cookie: stolen=1 value");
}

TEST_F(GatewayServerTest, RateLimitIs429WithRetryAfterFromTrailer) {
  state_.SetCaptureAnswer({grpc::StatusCode::RESOURCE_EXHAUSTED,
                           "too many submissions",
                           {{"retry-after", "30"}}});
  httplib::Result result = Post(kOpenKey, kSeedPayload);
  ExpectError(result, 429, "rate_limited");
  EXPECT_EQ(result->get_header_value("Retry-After"), "30");
  ExpectCaptureRouteHeaders(result, "*");

  state_.SetCaptureAnswer({grpc::StatusCode::RESOURCE_EXHAUSTED, "slow", {}});
  EXPECT_EQ(Post(kOpenKey, kSeedPayload)->get_header_value("Retry-After"), "1");
}

TEST_F(GatewayServerTest, BackendBugIs500WithoutItsMessage) {
  state_.SetCaptureAnswer(
      {grpc::StatusCode::INTERNAL, "sqlite: no such table: leads", {}});
  httplib::Result result = Post(kOpenKey, kSeedPayload);
  ExpectError(result, 500, "internal");
  EXPECT_THAT(result->body, Not(HasSubstr("sqlite")));
  ExpectCaptureRouteHeaders(result, "*");
}

TEST_F(GatewayServerTest, MessagesNeverEchoTheApiKey) {
  state_.SetCaptureAnswer({grpc::StatusCode::NOT_FOUND,
                           absl::StrCat("no entry point has key ", kOpenKey),
                           {}});
  httplib::Result result = Post(kOpenKey, kSeedPayload);
  ExpectError(result, 404, "not_found");
  EXPECT_THAT(result->body, Not(HasSubstr(kOpenKey)));
  EXPECT_THAT(result->get_header_value("X-Status-Reason"),
              Not(HasSubstr(kOpenKey)));
}

// == Unknown keys and routes ==

TEST_F(GatewayServerTest, UnknownKeyIs404WithDefaultAllowOrigin) {
  GatewayOptions options;
  options.allow_origin = "https://fallback.example";
  StartGateway(options);
  httplib::Result result = PostFrom(kShopOrigin, kUnknownKey);
  ExpectError(result, 404, "not_found");
  ExpectCaptureRouteHeaders(result, "https://fallback.example");
  EXPECT_THAT(result->body, Not(HasSubstr(kUnknownKey)));
  EXPECT_TRUE(state_.captures().empty());
}

TEST_F(GatewayServerTest, KeyThatCannotExistIs404WithoutBackendCall) {
  httplib::Result result =
      client_->Post("/api/v1/LeadCapture/%FF%00key", kSeedPayload, kJson);
  ExpectError(result, 404, "not_found");
  ExpectCaptureRouteHeaders(result, "*");
  EXPECT_EQ(state_.policy_calls(), 0);
}

TEST_F(GatewayServerTest, UnknownPathIs404Json) {
  httplib::Result result = client_->Get("/api/v1/Lead");
  ExpectError(result, 404, "not_found");
  ExpectError(client_->Post("/api/v1/LeadCapture/", kSeedPayload, kJson), 404,
              "not_found");
}

TEST_F(GatewayServerTest, WrongMethodOnCaptureRouteIs405) {
  const std::string path = CapturePath(kOpenKey);
  std::vector<httplib::Result> results;
  results.push_back(client_->Get(path.c_str()));
  results.push_back(client_->Put(path.c_str(), kSeedPayload, kJson));
  results.push_back(client_->Delete(path.c_str()));
  for (const httplib::Result& result : results) {
    ExpectError(result, 405, "method_not_allowed");
    EXPECT_EQ(result->get_header_value("Allow"), "POST, OPTIONS");
    ExpectCaptureRouteHeaders(result, "*");
  }
  EXPECT_TRUE(state_.captures().empty());
}

TEST_F(GatewayServerTest, MethodHttplibDoesNotRouteIs405) {
  const std::string response = RawExchange(
      gateway_->port(), absl::StrCat("TRACE ", CapturePath(kOpenKey),
                                     " HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                                     "Connection: close\r\n\r\n"));
  EXPECT_THAT(response, testing::StartsWith("HTTP/1.1 405"));
  EXPECT_THAT(response, HasSubstr("Allow: POST, OPTIONS"));
  EXPECT_THAT(response, HasSubstr("Access-Control-Allow-Origin: *"));
}

// == CORS ==

TEST_F(GatewayServerTest, UnlistedOriginIs403AndNothingIsCaptured) {
  httplib::Result result = PostFrom("https://evil.example", kListedKey);
  ExpectError(result, 403, "origin_not_allowed");
  EXPECT_NE(result->get_header_value("Access-Control-Allow-Origin"),
            "https://evil.example");
  EXPECT_EQ(result->get_header_value("Vary"), "Origin");
  EXPECT_TRUE(state_.captures().empty());
}

TEST_F(GatewayServerTest, ListedOriginIsEchoedWithVary) {
  httplib::Result result = PostFrom("https://www.shop.example", kListedKey);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  ExpectCaptureRouteHeaders(result, "https://www.shop.example");
  EXPECT_EQ(result->get_header_value("Vary"), "Origin");
  EXPECT_EQ(state_.captures().size(), 1u);
}

TEST_F(GatewayServerTest, ListedOriginIsEchoedOnErrorsToo) {
  state_.SetCaptureAnswer(
      {grpc::StatusCode::INVALID_ARGUMENT, "nothing to capture", {}});
  httplib::Result result = PostFrom(kShopOrigin, kListedKey);
  ExpectError(result, 400, "invalid_argument");
  ExpectCaptureRouteHeaders(result, kShopOrigin);
  EXPECT_EQ(result->get_header_value("Vary"), "Origin");
}

TEST_F(GatewayServerTest, RequestWithoutOriginIsServedDespiteList) {
  httplib::Result result = Post(kListedKey, kSeedPayload);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  ExpectCaptureRouteHeaders(result, "*");
  EXPECT_EQ(result->get_header_value("Vary"), "Origin");
  ASSERT_EQ(state_.captures().size(), 1u);
  EXPECT_EQ(state_.captures()[0].client().origin(), "");
}

TEST_F(GatewayServerTest, OpenEntryPointGivesDefaultToAnyOrigin) {
  httplib::Result result = PostFrom("https://anywhere.example", kOpenKey);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  ExpectCaptureRouteHeaders(result, "*");
}

TEST_F(GatewayServerTest, PreflightOfKnownKeyIs200) {
  httplib::Result result = Preflight(kOpenKey, "https://anywhere.example");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  ExpectCaptureRouteHeaders(result, "*");
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Methods"),
            "POST, OPTIONS");
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Headers"),
            "Content-Type, Accept, Idempotency-Key");
  EXPECT_EQ(result->get_header_value("Access-Control-Max-Age"), "600");
}

TEST_F(GatewayServerTest, PreflightEchoesListedOrigin) {
  httplib::Result result = Preflight(kListedKey, kShopOrigin);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  ExpectCaptureRouteHeaders(result, kShopOrigin);
  EXPECT_EQ(result->get_header_value("Vary"), "Origin");
}

TEST_F(GatewayServerTest, PreflightOfUnknownKeyIs404) {
  httplib::Result result = Preflight(kUnknownKey, kShopOrigin);
  ExpectError(result, 404, "not_found");
  ExpectCaptureRouteHeaders(result, "*");
}

TEST_F(GatewayServerTest, PreflightFromUnlistedOriginIs403) {
  httplib::Result result = Preflight(kListedKey, "https://evil.example");
  ExpectError(result, 403, "origin_not_allowed");
  EXPECT_FALSE(result->has_header("Access-Control-Allow-Methods"));
}

// == Policy cache ==

TEST_F(GatewayServerTest, PolicyIsReusedWithinTtlAndAskedAgainAfter) {
  ASSERT_EQ(Post(kOpenKey, kSeedPayload)->status, 200);
  ASSERT_EQ(Post(kOpenKey, kSeedPayload)->status, 200);
  EXPECT_EQ(state_.policy_calls(), 1);

  clock_.Advance(absl::Seconds(3));
  ASSERT_EQ(Post(kOpenKey, kSeedPayload)->status, 200);
  EXPECT_EQ(state_.policy_calls(), 2);
}

TEST_F(GatewayServerTest, UnknownKeyIsNotCached) {
  const char kNewKey[] = "11111111111111111111111111111111";
  ExpectError(Post(kNewKey, kSeedPayload), 404, "not_found");
  state_.SetPolicy(kNewKey, Policy());
  EXPECT_EQ(Post(kNewKey, kSeedPayload)->status, 200);
}

TEST_F(GatewayServerTest, ChangedOriginListAppliesAfterTtl) {
  ASSERT_EQ(PostFrom("https://new.example", kOpenKey)->status, 200);
  Policy narrowed;
  narrowed.add_allowed_origins(kShopOrigin);
  state_.SetPolicy(kOpenKey, narrowed);
  clock_.Advance(absl::Seconds(3));
  ExpectError(PostFrom("https://new.example", kOpenKey), 403,
              "origin_not_allowed");
}

// == Client IP ==

TEST_F(GatewayServerTest, ForwardedForIsIgnoredFromUntrustedPeer) {
  ASSERT_EQ(
      Post(kOpenKey, kSeedPayload, kJson, {{"X-Forwarded-For", "203.0.113.9"}})
          ->status,
      200);
  ASSERT_EQ(state_.captures().size(), 1u);
  EXPECT_EQ(state_.captures()[0].client().ip(), "127.0.0.1");
}

TEST_F(GatewayServerTest, TrustedProxyForwardedForReachesBackend) {
  GatewayOptions options;
  options.trusted_proxies = {"127.0.0.0/8", "10.0.0.0/8"};
  StartGateway(options);
  ASSERT_EQ(Post(kOpenKey, kSeedPayload, kJson,
                 {{"X-Forwarded-For", "198.51.100.1, 203.0.113.9, 10.1.2.3"}})
                ->status,
            200);
  ASSERT_EQ(state_.captures().size(), 1u);
  EXPECT_EQ(state_.captures()[0].client().ip(), "203.0.113.9");
}

// == Backend outage ==

TEST_F(GatewayServerTest, StoppedBackendGives503FastThenRecovers) {
  GatewayOptions options;
  options.backend_deadline = absl::Seconds(5);
  StartGateway(options);
  ASSERT_EQ(Post(kOpenKey, kSeedPayload)->status, 200);  // Policy cached.
  const int port = backend_->port();
  backend_->Stop();

  const absl::Time start = absl::Now();
  httplib::Result result = Post(kOpenKey, kSeedPayload);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  ExpectError(result, 503, "unavailable");
  ExpectCaptureRouteHeaders(result, "*");

  // A key that needs GetPolicy fails as fast, with the default origin.
  const absl::Time policy_start = absl::Now();
  result = PostFrom(kShopOrigin, kListedKey);
  EXPECT_LT(absl::Now() - policy_start, absl::Seconds(2));
  ExpectError(result, 503, "unavailable");
  ExpectCaptureRouteHeaders(result, "*");

  // The reconnect back-off is capped at 1 s, so recovery is quick.
  backend_ = FakeBackend::Start(&state_, port);
  ASSERT_NE(backend_, nullptr);
  const absl::Time restart = absl::Now();
  int status = 0;
  while (absl::Now() - restart < absl::Seconds(10)) {
    status = Post(kOpenKey, kSeedPayload)->status;
    if (status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 200);
  EXPECT_LT(absl::Now() - restart, absl::Seconds(3));
}

// == Health ==

TEST_F(GatewayServerTest, HealthzIsOkWhenBackendServes) {
  httplib::Result result = client_->Get("/healthz");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(nlohmann::json::parse(result->body),
            nlohmann::json::parse(R"({"status":"ok"})"));
}

TEST_F(GatewayServerTest, HealthzIs503WhenBackendIsNotServing) {
  backend_->server()->GetHealthCheckService()->SetServingStatus(false);
  ExpectError(client_->Get("/healthz"), 503, "unavailable");
}

TEST_F(GatewayServerTest, HealthzIs503WhenBackendIsDown) {
  backend_->Stop();
  const absl::Time start = absl::Now();
  ExpectError(client_->Get("/healthz"), 503, "unavailable");
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

// == Lifecycle ==

TEST(GatewayServerLifecycleTest, RejectsBadOptions) {
  FakeClock clock(absl::UnixEpoch());
  GatewayOptions options;
  options.trusted_proxies = {"10.0.0.0/99"};
  absl::StatusOr<std::unique_ptr<GatewayServer>> gateway =
      GatewayServer::Create(options, MakeBackendChannel("127.0.0.1:1"), &clock);
  ASSERT_FALSE(gateway.ok());
  EXPECT_EQ(gateway.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(GatewayServerLifecycleTest, SecondServerOnSamePortFailsToStart) {
  FakeClock clock(absl::UnixEpoch());
  GatewayOptions options;
  options.http_address = "127.0.0.1:0";
  auto first =
      GatewayServer::Create(options, MakeBackendChannel("127.0.0.1:1"), &clock);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE((*first)->Start().ok());

  options.http_address = absl::StrCat("127.0.0.1:", (*first)->port());
  auto second =
      GatewayServer::Create(options, MakeBackendChannel("127.0.0.1:1"), &clock);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->Start().code(), absl::StatusCode::kUnavailable);
  (*first)->Stop();
  (*first)->Stop();
}

}  // namespace
}  // namespace leadcapture::gateway
