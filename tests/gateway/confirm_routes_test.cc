// The opt-in confirmation routes of the gateway, over real HTTP, against
// the in-process fake backend.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/gateway_server.h"
#include "services/util/clock.h"
#include "tests/gateway/fake_backend.h"
#include "tests/gateway/gateway_fixture.h"
#include "tests/gateway/raw_http.h"

namespace leadcapture::gateway {
namespace {

using leadcapture::v1::ConfirmRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using OptInToken = FakeBackendState::OptInToken;

constexpr char kPendingToken[] = "pEnding-Token_0123456A";
constexpr char kButtonToken[] = "bUtton-Token_01234567A";
constexpr char kConfirmedToken[] = "cOnfirmed-Token_01234A";
constexpr char kExpiredToken[] = "eXpired-Token_0123456A";
constexpr char kRedirectToken[] = "rEdirect-Token_012345A";
constexpr char kUnknownToken[] = "uNknown-Token_0123456A";
constexpr char kForm[] = "application/x-www-form-urlencoded";
constexpr char kThankYou[] = "your subscription is confirmed";
constexpr char kShopThanks[] = "https://shop.example/thanks";

std::string LinkPath(absl::string_view token) {
  return absl::StrCat("/optin/confirm?token=", token);
}

std::string EspoLinkPath(absl::string_view token) {
  return absl::StrCat("/?entryPoint=confirmOptIn&id=", token);
}

// Every page carries these.
void ExpectPageHeaders(const httplib::Result& result) {
  EXPECT_EQ(result->get_header_value("Content-Type"),
            "text/html; charset=utf-8");
  EXPECT_EQ(result->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(result->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(result->get_header_value("X-Content-Type-Options"), "nosniff");
  const std::string csp = result->get_header_value("Content-Security-Policy");
  EXPECT_THAT(csp, HasSubstr("default-src 'none'"));
  EXPECT_THAT(csp, Not(HasSubstr("script-src")));
}

// A page with `status` whose text holds `text`.
void ExpectPage(const httplib::Result& result, int status,
                absl::string_view text) {
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, status) << result->body;
  ExpectPageHeaders(result);
  EXPECT_THAT(result->body, testing::StartsWith("<!DOCTYPE html>"));
  EXPECT_THAT(result->body, HasSubstr(std::string(text)));
}

class ConfirmRoutesTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    state_.SetOptInToken(kPendingToken, OptInToken());
    OptInToken button;
    button.confirm_with_button = true;
    state_.SetOptInToken(kButtonToken, button);
    OptInToken confirmed;
    confirmed.state = leadcapture::v1::CONFIRMED;
    confirmed.success_html = "<p>Welcome <em>aboard</em>!</p>";
    state_.SetOptInToken(kConfirmedToken, confirmed);
    OptInToken expired;
    expired.state = leadcapture::v1::EXPIRED;
    state_.SetOptInToken(kExpiredToken, expired);
    OptInToken redirect;
    redirect.success_redirect_url = kShopThanks;
    state_.SetOptInToken(kRedirectToken, redirect);
    StartGateway(GatewayOptions());
  }

  httplib::Result Get(const std::string& path,
                      const httplib::Headers& headers = {}) {
    return client_->Get(path.c_str(), headers);
  }

  httplib::Result PostToken(absl::string_view token,
                            const httplib::Headers& headers = {}) {
    return client_->Post("/optin/confirm", headers,
                         absl::StrCat("token=", token), kForm);
  }

  // Tokens the backend was asked about, by Inspect or by Confirm.
  int BackendCalls() const {
    return static_cast<int>(state_.inspected_tokens().size() +
                            state_.confirms().size());
  }

  std::vector<std::string> ConfirmedTokens() const {
    std::vector<std::string> tokens;
    for (const ConfirmRequest& request : state_.confirms()) {
      tokens.push_back(request.token());
    }
    return tokens;
  }
};

// == Confirming by GET ==

TEST_F(ConfirmRoutesTest, LinkConfirmsPendingTokenAndThanksByDefault) {
  httplib::Result result = Get(LinkPath(kPendingToken));
  ExpectPage(result, 200, kThankYou);
  EXPECT_THAT(state_.inspected_tokens(), ElementsAre(kPendingToken));
  EXPECT_THAT(ConfirmedTokens(), ElementsAre(kPendingToken));
  EXPECT_FALSE(result->has_header("Location"));
}

TEST_F(ConfirmRoutesTest, EspoCrmLinkShapeConfirmsToo) {
  ExpectPage(Get(EspoLinkPath(kPendingToken)), 200, kThankYou);
  EXPECT_THAT(ConfirmedTokens(), ElementsAre(kPendingToken));
}

TEST_F(ConfirmRoutesTest, SuccessHtmlIsEmbeddedAsItIs) {
  OptInToken opt_in;
  opt_in.success_html = "<h2>Danke!</h2>\n<p>Bis <strong>bald</strong>.</p>";
  state_.SetOptInToken(kPendingToken, opt_in);
  httplib::Result result = Get(LinkPath(kPendingToken));
  ExpectPage(result, 200, "<h2>Danke!</h2>\n<p>Bis <strong>bald</strong>.</p>");
  EXPECT_THAT(result->body, Not(HasSubstr(kThankYou)));
}

TEST_F(ConfirmRoutesTest, ConfirmedTokenShowsSuccessAgain) {
  for (int i = 0; i < 2; ++i) {
    ExpectPage(Get(LinkPath(kConfirmedToken)), 200,
               "<p>Welcome <em>aboard</em>!</p>");
  }
  ExpectPage(Get(LinkPath(kPendingToken)), 200, kThankYou);
  ExpectPage(Get(LinkPath(kPendingToken)), 200, kThankYou);
  EXPECT_EQ(state_.confirms().size(), 4u);
}

TEST_F(ConfirmRoutesTest, SuccessRedirectIs303WithLocation) {
  httplib::Result result = Get(LinkPath(kRedirectToken));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 303);
  EXPECT_EQ(result->get_header_value("Location"), kShopThanks);
  ExpectPageHeaders(result);
  EXPECT_THAT(result->body, HasSubstr("href=\"https://shop.example/thanks\""));
  EXPECT_THAT(ConfirmedTokens(), ElementsAre(kRedirectToken));
}

TEST_F(ConfirmRoutesTest, RedirectUrlIsNeverEchoedUnescaped) {
  OptInToken opt_in;
  opt_in.success_redirect_url =
      "https://shop.example/?a=\"><script>alert(1)</script>&b=<img>";
  state_.SetOptInToken(kRedirectToken, opt_in);
  // On the wire: the httplib client would decode the Location.
  const std::string response = RawExchange(
      gateway_->port(),
      absl::StrCat("GET ", LinkPath(kRedirectToken), " HTTP/1.1\r\n",
                   "Host: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  EXPECT_THAT(response, testing::StartsWith("HTTP/1.1 303"));
  EXPECT_THAT(response,
              HasSubstr("\r\nLocation: https://shop.example/?a=%22%3E%3Cscript"
                        "%3Ealert(1)%3C/script%3E&b=%3Cimg%3E\r\n"));
  EXPECT_THAT(response, Not(HasSubstr("<script")));
  EXPECT_THAT(response, Not(HasSubstr("<img")));
}

TEST_F(ConfirmRoutesTest, RedirectUrlThatIsNotHttpShowsTheSuccessPage) {
  OptInToken opt_in;
  opt_in.success_redirect_url = "javascript:alert(document.cookie)";
  state_.SetOptInToken(kRedirectToken, opt_in);
  httplib::Result result = Get(LinkPath(kRedirectToken));
  ExpectPage(result, 200, kThankYou);
  EXPECT_FALSE(result->has_header("Location"));
  EXPECT_THAT(result->body, Not(HasSubstr("javascript:")));
}

TEST_F(ConfirmRoutesTest, ExpiredTokenIs410) {
  ExpectPage(Get(LinkPath(kExpiredToken)), 410,
             "the confirmation link has expired");
  ExpectPage(Get(EspoLinkPath(kExpiredToken)), 410,
             "the confirmation link has expired");
}

TEST_F(ConfirmRoutesTest, UnknownTokenIs404AndConfirmsNothing) {
  ExpectPage(Get(LinkPath(kUnknownToken)), 404, "unknown or expired link");
  ExpectPage(Get(EspoLinkPath(kUnknownToken)), 404, "unknown or expired link");
  EXPECT_EQ(state_.inspected_tokens().size(), 2u);
  EXPECT_THAT(state_.confirms(), IsEmpty());
}

// == Tokens that cannot be one ==

TEST_F(ConfirmRoutesTest, MissingOrEmptyTokenIs404WithoutBackendCall) {
  for (const std::string& path :
       {std::string("/optin/confirm"), std::string("/optin/confirm?token="),
        std::string("/optin/confirm?id=") + kPendingToken,
        absl::StrCat("/optin/confirm?token=", kPendingToken,
                     "&token=", kButtonToken),
        std::string("/?entryPoint=confirmOptIn"),
        std::string("/?entryPoint=confirmOptIn&id=")}) {
    ExpectPage(Get(path), 404, "unknown or expired link");
  }
  EXPECT_EQ(BackendCalls(), 0);
}

TEST_F(ConfirmRoutesTest, MalformedTokenIs404WithoutBackendCall) {
  for (const std::string& token :
       {std::string(65, 'A'), std::string("%3Cscript%3Ealert(1)%3C/script%3E"),
        std::string("abc%00def"), std::string("abc%3D"), std::string("a%2Bb"),
        std::string("a+b"), std::string("%27%20OR%201%3D1"),
        std::string("Zo%C3%AB"), std::string("abc%FF")}) {
    httplib::Result result = Get(LinkPath(token));
    ExpectPage(result, 404, "unknown or expired link");
    EXPECT_THAT(result->body, Not(HasSubstr("<script")));
    ExpectPage(Get(EspoLinkPath(token)), 404, "unknown or expired link");
  }
  EXPECT_EQ(BackendCalls(), 0);
}

TEST_F(ConfirmRoutesTest, LongestTokenStillReachesTheBackend) {
  const std::string token(64, 'A');
  ExpectPage(Get(LinkPath(token)), 404, "unknown or expired link");
  EXPECT_THAT(state_.inspected_tokens(), ElementsAre(token));
}

TEST_F(ConfirmRoutesTest, OtherRootQueriesAre404Pages) {
  for (const std::string& path :
       {std::string("/"), std::string("/?entryPoint=other&id=") + kPendingToken,
        std::string("/?id=") + kPendingToken,
        absl::StrCat("/?entryPoint=confirmOptIn&entryPoint=x&id=",
                     kPendingToken),
        std::string("/?entryPoint=ConfirmOptIn&id=") + kPendingToken}) {
    ExpectPage(Get(path), 404, "Page not found");
  }
  EXPECT_EQ(BackendCalls(), 0);
}

// == The button ==

TEST_F(ConfirmRoutesTest, ButtonLinkShowsAFormAndConfirmsNothing) {
  httplib::Result result = Get(LinkPath(kButtonToken));
  ExpectPage(result, 200, "<form method=\"post\" action=\"confirm\">");
  EXPECT_THAT(result->body,
              HasSubstr(absl::StrCat("<input type=\"hidden\" name=\"token\" "
                                     "value=\"",
                                     kButtonToken, "\">")));
  EXPECT_THAT(result->body, HasSubstr(">Confirm</button>"));
  EXPECT_THAT(result->body, Not(HasSubstr(kThankYou)));

  // The EspoCRM shape is served at the root: its form posts one level down.
  ExpectPage(Get(EspoLinkPath(kButtonToken)), 200,
             "<form method=\"post\" action=\"optin/confirm\">");
  EXPECT_THAT(state_.inspected_tokens(),
              ElementsAre(kButtonToken, kButtonToken));
  EXPECT_THAT(state_.confirms(), IsEmpty());
}

TEST_F(ConfirmRoutesTest, ButtonPressConfirms) {
  ASSERT_EQ(Get(LinkPath(kButtonToken))->status, 200);
  ExpectPage(PostToken(kButtonToken), 200, kThankYou);
  EXPECT_THAT(ConfirmedTokens(), ElementsAre(kButtonToken));

  // Once confirmed, the link shows the success page again.
  ExpectPage(Get(LinkPath(kButtonToken)), 200, kThankYou);
  EXPECT_EQ(state_.confirms().size(), 2u);
}

TEST_F(ConfirmRoutesTest, HeadConfirmsNothing) {
  httplib::Result result = client_->Head(LinkPath(kPendingToken).c_str());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  ExpectPageHeaders(result);
  result = client_->Head(EspoLinkPath(kExpiredToken).c_str());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 410);
  result = client_->Head(LinkPath(kUnknownToken).c_str());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_THAT(state_.confirms(), IsEmpty());
}

// == Confirming by POST ==

TEST_F(ConfirmRoutesTest, PostConfirmsWithoutInspect) {
  ExpectPage(PostToken(kPendingToken), 200, kThankYou);
  EXPECT_THAT(ConfirmedTokens(), ElementsAre(kPendingToken));
  EXPECT_THAT(state_.inspected_tokens(), IsEmpty());
}

TEST_F(ConfirmRoutesTest, PostAnswersEveryState) {
  httplib::Result result = PostToken(kRedirectToken);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 303);
  EXPECT_EQ(result->get_header_value("Location"), kShopThanks);
  ExpectPage(PostToken(kExpiredToken), 410,
             "the confirmation link has expired");
  ExpectPage(PostToken(kUnknownToken), 404, "unknown or expired link");
  ExpectPage(PostToken(kConfirmedToken), 200, "Welcome");
}

TEST_F(ConfirmRoutesTest, PostWithoutOrWithBadTokenIs404WithoutBackendCall) {
  for (const std::string& body :
       {std::string(""), std::string("token="), std::string("id=abc"),
        std::string("token=a&token=b"),
        std::string("token=%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
        "token=" + std::string(65, 'x')}) {
    httplib::Result result = client_->Post("/optin/confirm", body, kForm);
    ExpectPage(result, 404, "unknown or expired link");
    EXPECT_THAT(result->body, Not(HasSubstr("<script")));
  }
  EXPECT_EQ(BackendCalls(), 0);
}

TEST_F(ConfirmRoutesTest, PostTakesTheTokenAmongOtherFields) {
  ExpectPage(client_->Post("/optin/confirm",
                           absl::StrCat("submit=Confirm&token=", kPendingToken),
                           "Application/X-WWW-Form-URLEncoded; charset=UTF-8"),
             200, kThankYou);
  EXPECT_THAT(ConfirmedTokens(), ElementsAre(kPendingToken));
}

TEST_F(ConfirmRoutesTest, PostThatIsNotAFormIs415) {
  ExpectPage(client_->Post("/optin/confirm",
                           absl::StrCat(R"({"token":")", kPendingToken, "\"}"),
                           "application/json"),
             415, "Unsupported request");
  EXPECT_EQ(BackendCalls(), 0);
}

TEST_F(ConfirmRoutesTest, MultipartPostIs415PageNotA500) {
  client_->set_keep_alive(true);
  const httplib::MultipartFormDataItems form = {
      {"token", kPendingToken, "", ""}};
  ExpectPage(client_->Post("/optin/confirm", form), 415, "Unsupported request");
  EXPECT_EQ(BackendCalls(), 0);
  ExpectPage(PostToken(kPendingToken), 200, kThankYou);
}

TEST_F(ConfirmRoutesTest, PostBodyOverFourKibIs413) {
  ExpectPage(client_->Post("/optin/confirm",
                           absl::StrCat("token=", kPendingToken,
                                        "&pad=", std::string(4096, 'x')),
                           kForm),
             413, "too large");
  EXPECT_EQ(BackendCalls(), 0);
  ExpectPage(PostToken(kPendingToken), 200, kThankYou);
}

TEST_F(ConfirmRoutesTest, OtherMethodsAre405) {
  const char* path = "/optin/confirm";
  std::vector<httplib::Result> results;
  results.push_back(client_->Put(path, "token=x", kForm));
  results.push_back(client_->Delete(path));
  for (const httplib::Result& result : results) {
    ExpectPage(result, 405, "Method not allowed");
    EXPECT_EQ(result->get_header_value("Allow"), "GET, HEAD, POST");
  }
  EXPECT_EQ(BackendCalls(), 0);
}

// == Evidence ==

TEST_F(ConfirmRoutesTest, ClientIpAndUserAgentReachConfirm) {
  ASSERT_EQ(
      Get(LinkPath(kPendingToken), {{"User-Agent", "MailApp/2.1"}})->status,
      200);
  GatewayOptions options;
  options.trusted_proxies = {"127.0.0.0/8"};
  StartGateway(options);
  ASSERT_EQ(PostToken(kButtonToken, {{"User-Agent", "Browser/9 \xC3\xAB"},
                                     {"X-Forwarded-For", "203.0.113.9"}})
                ->status,
            200);

  std::vector<ConfirmRequest> confirms = state_.confirms();
  ASSERT_EQ(confirms.size(), 2u);
  EXPECT_EQ(confirms[0].client_ip(), "127.0.0.1");
  EXPECT_EQ(confirms[0].user_agent(), "MailApp/2.1");
  EXPECT_EQ(confirms[1].token(), kButtonToken);
  EXPECT_EQ(confirms[1].client_ip(), "203.0.113.9");
  EXPECT_EQ(confirms[1].user_agent(), "Browser/9 \xC3\xAB");
}

TEST_F(ConfirmRoutesTest, ForwardedForIsIgnoredFromUntrustedPeer) {
  ASSERT_EQ(
      PostToken(kPendingToken, {{"X-Forwarded-For", "203.0.113.9"}})->status,
      200);
  ASSERT_EQ(state_.confirms().size(), 1u);
  EXPECT_EQ(state_.confirms()[0].client_ip(), "127.0.0.1");
}

// == Backend failures ==

TEST_F(ConfirmRoutesTest, StoppedBackendGives503PageFast) {
  backend_->Stop();
  const absl::Time start = absl::Now();
  ExpectPage(Get(LinkPath(kPendingToken)), 503, "unavailable");
  ExpectPage(Get(EspoLinkPath(kButtonToken)), 503, "unavailable");
  ExpectPage(PostToken(kPendingToken), 503, "unavailable");
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST_F(ConfirmRoutesTest, BackendBugIs500PageWithoutItsMessage) {
  state_.SetOptInFailure(
      {grpc::StatusCode::INTERNAL, "sqlite: no such table: opt_in", {}});
  httplib::Result result = Get(LinkPath(kPendingToken));
  ExpectPage(result, 500, "Something went wrong");
  EXPECT_THAT(result->body, Not(HasSubstr("sqlite")));
}

TEST_F(ConfirmRoutesTest, TokenTheBackendRejectsIs404) {
  state_.SetOptInFailure(
      {grpc::StatusCode::INVALID_ARGUMENT, "token must be 22 characters", {}});
  ExpectPage(Get(LinkPath(kPendingToken)), 404, "unknown or expired link");
  ExpectPage(PostToken(kPendingToken), 404, "unknown or expired link");
}

TEST_F(ConfirmRoutesTest, InspectNotFoundIs404) {
  state_.SetOptInFailure({grpc::StatusCode::NOT_FOUND, "unknown token", {}});
  ExpectPage(Get(LinkPath(kPendingToken)), 404, "unknown or expired link");
}

TEST_F(ConfirmRoutesTest, RateLimitIs429WithRetryAfter) {
  state_.SetOptInFailure({grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "slow down",
                          {{"retry-after", "20"}}});
  httplib::Result result = PostToken(kPendingToken);
  ExpectPage(result, 429, "Too many requests");
  EXPECT_EQ(result->get_header_value("Retry-After"), "20");
}

TEST_F(ConfirmRoutesTest, ConfirmAnsweringAnotherStateIs500) {
  state_.SetConfirmState(leadcapture::v1::PENDING);
  ExpectPage(Get(LinkPath(kPendingToken)), 500, "Something went wrong");
}

// == Logs ==

TEST_F(ConfirmRoutesTest, TokensNeverReachTheLogs) {
  GatewayOptions options;
  options.access_log = true;
  StartGateway(options);
  testing::internal::CaptureStderr();
  ASSERT_EQ(Get(LinkPath(kPendingToken))->status, 200);
  ASSERT_EQ(Get(EspoLinkPath(kButtonToken))->status, 200);
  ASSERT_EQ(PostToken(kButtonToken)->status, 200);
  ASSERT_EQ(Get(absl::StrCat("/optin/confirm%3Ftoken=", kExpiredToken))->status,
            404);
  // Backend messages that echo the token are logged redacted.
  state_.SetOptInFailure({grpc::StatusCode::INTERNAL,
                          absl::StrCat("no row for token ", kConfirmedToken),
                          {}});
  ASSERT_EQ(Get(LinkPath(kConfirmedToken))->status, 500);
  backend_->Stop();
  ASSERT_EQ(PostToken(kRedirectToken)->status, 503);
  gateway_->Stop();  // Every access line is written by now.
  const std::string log = testing::internal::GetCapturedStderr();

  EXPECT_THAT(log, HasSubstr("path=/optin/confirm?token=*** status=200"));
  EXPECT_THAT(log, HasSubstr("path=/?id=*** status=200"));
  EXPECT_THAT(log, HasSubstr("path=/optin/confirm?*** status=404"));
  for (const char* token : {kPendingToken, kButtonToken, kExpiredToken,
                            kConfirmedToken, kRedirectToken}) {
    EXPECT_THAT(log, Not(HasSubstr(token)));
  }
}

}  // namespace
}  // namespace leadcapture::gateway
