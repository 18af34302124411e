#include "gateway/gateway_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace leadcapture::gateway {
namespace {

using ::testing::HasSubstr;

TEST(ParseHostPortTest, SplitsHostAndPort) {
  absl::StatusOr<HostPort> address = ParseHostPort("127.0.0.1:8080");
  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 8080);
}

TEST(ParseHostPortTest, TakesBracketedIpv6) {
  absl::StatusOr<HostPort> address = ParseHostPort("[::1]:0");
  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(address->host, "::1");
  EXPECT_EQ(address->port, 0);
}

TEST(ParseHostPortTest, RejectsOtherShapes) {
  for (const char* text :
       {"", "8080", "127.0.0.1", "127.0.0.1:", ":8080", "127.0.0.1:65536",
        "127.0.0.1:-1", "127.0.0.1:80x", "::1:8080", "[::1]8080", "[::1",
        "host name:80", "127.0.0.1:+80"}) {
    EXPECT_FALSE(ParseHostPort(text).ok()) << text;
  }
}

TEST(ValidateGatewayOptionsTest, AcceptsDefaults) {
  EXPECT_TRUE(ValidateGatewayOptions(GatewayOptions()).ok());
}

TEST(ValidateGatewayOptionsTest, NamesBadHttpAddress) {
  GatewayOptions options;
  options.http_address = "nowhere";
  absl::Status status = ValidateGatewayOptions(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("--http_address"));
}

TEST(ValidateGatewayOptionsTest, NamesBadTrustedProxy) {
  GatewayOptions options;
  options.trusted_proxies = {"10.0.0.0/8", "10.0.0.0/40"};
  absl::Status status = ValidateGatewayOptions(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("--trusted_proxies"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("10.0.0.0/40"));
}

TEST(ValidateGatewayOptionsTest, AcceptsBackendWithGrpcScheme) {
  GatewayOptions options;
  options.backend = "unix:/run/leadcapture.sock";
  EXPECT_TRUE(ValidateGatewayOptions(options).ok());
  options.backend = "127.0.0.1:0";
  EXPECT_FALSE(ValidateGatewayOptions(options).ok());
}

TEST(ValidateGatewayOptionsTest, RejectsOutOfRangeNumbers) {
  GatewayOptions options;
  options.max_body_bytes = 0;
  EXPECT_FALSE(ValidateGatewayOptions(options).ok());

  options = GatewayOptions();
  options.http_threads = 0;
  EXPECT_FALSE(ValidateGatewayOptions(options).ok());

  options = GatewayOptions();
  options.backend_deadline = absl::ZeroDuration();
  EXPECT_FALSE(ValidateGatewayOptions(options).ok());

  options = GatewayOptions();
  options.policy_cache_ttl = -absl::Seconds(1);
  EXPECT_FALSE(ValidateGatewayOptions(options).ok());
}

TEST(ValidateGatewayOptionsTest, RejectsHeaderUnsafeAllowOrigin) {
  GatewayOptions options;
  options.allow_origin = "https://a.example\r\nSet-Cookie: x=1";
  EXPECT_FALSE(ValidateGatewayOptions(options).ok());
  options.allow_origin = "";
  EXPECT_FALSE(ValidateGatewayOptions(options).ok());
}

}  // namespace
}  // namespace leadcapture::gateway
