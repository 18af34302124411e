// CORS on the capture route (SPEC 5.3): the preflight, the
// Access-Control-Allow-Origin header on every answer, per-entry-point
// allowed origins and the browser-origin check.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace leadcapture::testing {
namespace {

// Whether the comma-separated header value names `item` (case-insensitive).
bool ListsItem(const std::string& header, const std::string& item) {
  return absl::StrContains(absl::AsciiStrToLower(header),
                           absl::AsciiStrToLower(item));
}

class CorsTest : public DeploymentTest {
 protected:
  httplib::Result Preflight(const std::string& api_key,
                            const std::string& origin) {
    httplib::Headers headers = {
        {"Origin", origin},
        {"Access-Control-Request-Method", "POST"},
        {"Access-Control-Request-Headers", "content-type"}};
    return deployment().Http()->Options(CapturePath(api_key), headers);
  }
};

TEST_F(CorsTest, PreflightAllowsPostFromAnyOriginByDefault) {
  json entry_point = CreateEntryPoint();
  httplib::Result result =
      Preflight(Str(entry_point, "apiKey"), "https://site.example");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Origin"), "*");
  const std::string methods =
      result->get_header_value("Access-Control-Allow-Methods");
  EXPECT_TRUE(ListsItem(methods, "POST")) << methods;
  EXPECT_TRUE(ListsItem(methods, "OPTIONS")) << methods;
  const std::string headers =
      result->get_header_value("Access-Control-Allow-Headers");
  EXPECT_TRUE(ListsItem(headers, "Content-Type")) << headers;
  EXPECT_TRUE(ListsItem(headers, "Accept")) << headers;
  EXPECT_TRUE(ListsItem(headers, "Idempotency-Key")) << headers;
  int max_age = 0;
  EXPECT_TRUE(absl::SimpleAtoi(
      result->get_header_value("Access-Control-Max-Age"), &max_age));
  EXPECT_GT(max_age, 0);
}

TEST_F(CorsTest, PreflightOfUnknownKeyIsNotFound) {
  httplib::Result result =
      Preflight(std::string(32, 'c'), "https://site.example");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
}

TEST_F(CorsTest, CaptureAnswerAllowsAnyOriginAndExposesStatusReason) {
  json entry_point = CreateEntryPoint();
  httplib::Result result = PostCapture(Str(entry_point, "apiKey"),
                                       SeedPayload("Ann", "Lee", "a@x.example"),
                                       {{"Origin", "https://site.example"}});
  ASSERT_TRUE(IsAccepted(result));
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Origin"), "*");
  const std::string exposed =
      result->get_header_value("Access-Control-Expose-Headers");
  EXPECT_TRUE(ListsItem(exposed, "X-Status-Reason")) << exposed;
  EXPECT_TRUE(ListsItem(exposed, "Retry-After")) << exposed;
}

TEST_F(CorsTest, UnknownKeyAnswerCarriesAllowOrigin) {
  httplib::Result result = PostCapture(std::string(32, 'd'),
                                       SeedPayload("Ann", "Lee", "a@x.example"),
                                       {{"Origin", "https://site.example"}});
  ASSERT_TRUE(IsErrorAnswer(result, 404, "not_found"));
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Origin"), "*");
}

TEST_F(CorsTest, ValidationErrorAnswerCarriesAllowOrigin) {
  json entry_point = CreateEntryPoint();
  httplib::Result result = PostCapture(
      Str(entry_point, "apiKey"), SeedPayload("Ann", "Lee", "not-an-address"),
      {{"Origin", "https://site.example"}});
  ASSERT_TRUE(
      IsErrorAnswer(result, 400, "invalid_argument", "emailAddress", "email"));
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Origin"), "*");
}

// An entry point that lists the origins browsers may post from.
class AllowedOriginsTest : public CorsTest {
 protected:
  void SetUp() override {
    CorsTest::SetUp();
    if (HasFatalFailure()) return;
    json entry_point = CreateEntryPoint(
        {"--allowed-origins", "https://a.example,https://b.example:8443"});
    api_key_ = Str(entry_point, "apiKey");
  }

  std::string api_key_;
};

TEST_F(AllowedOriginsTest, ListedOriginIsEchoedWithVaryOrigin) {
  httplib::Result result =
      PostCapture(api_key_, SeedPayload("Ann", "Lee", "a@x.example"),
                  {{"Origin", "https://b.example:8443"}});
  ASSERT_TRUE(IsAccepted(result));
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Origin"),
            "https://b.example:8443");
  EXPECT_TRUE(ListsItem(result->get_header_value("Vary"), "Origin"))
      << result->get_header_value("Vary");
  EXPECT_EQ(Leads().size(), 1u);
}

TEST_F(AllowedOriginsTest, PreflightEchoesListedOrigin) {
  httplib::Result result = Preflight(api_key_, "https://a.example");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Origin"),
            "https://a.example");
  EXPECT_TRUE(ListsItem(result->get_header_value("Vary"), "Origin"))
      << result->get_header_value("Vary");
}

TEST_F(AllowedOriginsTest, UnlistedOriginIsForbiddenAndStoresNothing) {
  httplib::Result result =
      PostCapture(api_key_, SeedPayload("Ann", "Lee", "a@x.example"),
                  {{"Origin", "https://evil.example"}});
  EXPECT_TRUE(IsErrorAnswer(result, 403, "origin_not_allowed"));
  ASSERT_TRUE(result);
  EXPECT_NE(result->get_header_value("Access-Control-Allow-Origin"),
            "https://evil.example");
  EXPECT_EQ(Leads().size(), 0u);
  EXPECT_EQ(CaptureLogs().size(), 0u);
}

TEST_F(AllowedOriginsTest, RequestWithoutOriginIsServed) {
  EXPECT_TRUE(IsAccepted(
      PostCapture(api_key_, SeedPayload("Ann", "Lee", "a@x.example"))));
  EXPECT_EQ(Leads().size(), 1u);
}

// A gateway started with its own default origin.
class DefaultOriginTest : public CorsTest {
 protected:
  Deployment::Options DeploymentOptions() const override {
    Deployment::Options options;
    options.gateway_flags = {"--allow_origin=https://shop.example"};
    return options;
  }
};

TEST_F(DefaultOriginTest, GatewayDefaultOriginIsSentOnCaptures) {
  json entry_point = CreateEntryPoint();
  httplib::Result result = PostCapture(
      Str(entry_point, "apiKey"), SeedPayload("Ann", "Lee", "a@x.example"));
  ASSERT_TRUE(IsAccepted(result));
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Origin"),
            "https://shop.example");
}

TEST_F(DefaultOriginTest, GatewayDefaultOriginIsSentOnUnknownKey) {
  httplib::Result result = PostCapture(
      std::string(32, 'e'), SeedPayload("Ann", "Lee", "a@x.example"));
  ASSERT_TRUE(IsErrorAnswer(result, 404, "not_found"));
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Origin"),
            "https://shop.example");
}

}  // namespace
}  // namespace leadcapture::testing
