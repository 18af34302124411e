// The gateway's settings seen from outside: trusted proxies and the body
// limit.
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace leadcapture::testing {
namespace {

// The client IP that the one capture log there is records.
std::string LoggedClientIp(const json& logs) {
  EXPECT_EQ(logs.size(), 1u) << logs.dump();
  return logs.empty() ? "" : Str(logs[0], "clientIp");
}

class ClientIpTest : public DeploymentTest {};

TEST_F(ClientIpTest, ForwardedForOfUntrustedPeerIsIgnored) {
  json entry_point = CreateEntryPoint();
  ASSERT_TRUE(IsAccepted(PostCapture(Str(entry_point, "apiKey"),
                                     SeedPayload("Ann", "Lee", "a@x.example"),
                                     {{"X-Forwarded-For", "203.0.113.9"}})));
  EXPECT_EQ(LoggedClientIp(CaptureLogs()), "127.0.0.1");
}

// A gateway behind a proxy on the loopback address.
class TrustedProxyTest : public DeploymentTest {
 protected:
  Deployment::Options DeploymentOptions() const override {
    Deployment::Options options;
    options.gateway_flags = {"--trusted_proxies=127.0.0.1"};
    return options;
  }
};

TEST_F(TrustedProxyTest, RightMostUntrustedForwardedForIsTheClient) {
  json entry_point = CreateEntryPoint();
  ASSERT_TRUE(IsAccepted(PostCapture(
      Str(entry_point, "apiKey"), SeedPayload("Ann", "Lee", "a@x.example"),
      {{"X-Forwarded-For", "198.51.100.1, 203.0.113.9, 127.0.0.1"}})));
  EXPECT_EQ(LoggedClientIp(CaptureLogs()), "203.0.113.9");
}

// A gateway with a small body limit.
class BodyLimitTest : public DeploymentTest {
 protected:
  Deployment::Options DeploymentOptions() const override {
    Deployment::Options options;
    options.gateway_flags = {"--max_body_bytes=1024"};
    return options;
  }
};

TEST_F(BodyLimitTest, BodyOverConfiguredLimitIsTooLarge) {
  json entry_point = CreateEntryPoint();
  const std::string body =
      SeedPayload(std::string(1100, 'a'), "Lee", "a@x.example");
  EXPECT_TRUE(IsErrorAnswer(PostCapture(Str(entry_point, "apiKey"), body), 413,
                            "payload_too_large"));
  EXPECT_EQ(CaptureLogs().size(), 0u);
}

TEST_F(BodyLimitTest, BodyWithinConfiguredLimitIsTaken) {
  json entry_point = CreateEntryPoint();
  EXPECT_TRUE(IsAccepted(
      PostCapture(Str(entry_point, "apiKey"),
                  SeedPayload(std::string(90, 'a'), "Lee", "a@x.example"))));
}

}  // namespace
}  // namespace leadcapture::testing
