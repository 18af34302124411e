// leadcaptured's gRPC side seen directly: health, reflection and the
// public capture call.
#include <google/protobuf/struct.pb.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "leadcapture/v1/capture_service.grpc.pb.h"
#include "tests/integration/harness.h"

namespace leadcapture::testing {
namespace {

namespace v1 = ::leadcapture::v1;
using ::testing::IsSupersetOf;

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
}

class GrpcTest : public DeploymentTest {
 protected:
  // Calls LeadCaptureService.Capture without any admin credential.
  grpc::Status Capture(const std::string& api_key,
                       const google::protobuf::Struct& payload,
                       grpc::ClientContext& context) {
    std::unique_ptr<v1::LeadCaptureService::Stub> stub =
        v1::LeadCaptureService::NewStub(deployment().Channel());
    SetDeadline(context);
    v1::CaptureRequest request;
    request.set_api_key(api_key);
    *request.mutable_payload() = payload;
    request.mutable_client()->set_ip("192.0.2.7");
    v1::CaptureResponse response;
    return stub->Capture(&context, request, &response);
  }

  static google::protobuf::Struct Payload(const std::string& email_address) {
    google::protobuf::Struct payload;
    (*payload.mutable_fields())["firstName"].set_string_value("Ann");
    (*payload.mutable_fields())["emailAddress"].set_string_value(email_address);
    return payload;
  }
};

TEST_F(GrpcTest, HealthCheckAnswersServing) {
  std::unique_ptr<grpc::health::v1::Health::Stub> stub =
      grpc::health::v1::Health::NewStub(deployment().Channel());
  grpc::ClientContext context;
  SetDeadline(context);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(GrpcTest, ReflectionListsTheThreeServices) {
  absl::StatusOr<std::vector<std::string>> services =
      ListServicesByReflection(deployment().Channel());
  ASSERT_TRUE(services.ok()) << services.status();
  EXPECT_THAT(*services, IsSupersetOf({"leadcapture.v1.LeadCaptureService",
                                       "leadcapture.v1.OptInService",
                                       "leadcapture.v1.AdminService",
                                       "grpc.health.v1.Health"}));
}

TEST_F(GrpcTest, CaptureNeedsNoAdminToken) {
  json entry_point = CreateEntryPoint();
  grpc::ClientContext context;
  grpc::Status status =
      Capture(Str(entry_point, "apiKey"), Payload("g@x.example"), context);
  ASSERT_TRUE(status.ok()) << status.error_code() << " "
                           << status.error_message();
  json logs = CaptureLogs();
  ASSERT_EQ(logs.size(), 1u) << logs.dump();
  EXPECT_EQ(Str(logs[0], "outcome"), "CREATED");
  EXPECT_EQ(Str(logs[0], "clientIp"), "192.0.2.7");
}

TEST_F(GrpcTest, CaptureWithUnknownKeyIsNotFound) {
  grpc::ClientContext context;
  grpc::Status status =
      Capture(std::string(32, 'a'), Payload("g@x.example"), context);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcTest, InvalidCaptureNamesFieldAndRuleInTrailers) {
  json entry_point = CreateEntryPoint();
  grpc::ClientContext context;
  grpc::Status status =
      Capture(Str(entry_point, "apiKey"), Payload("not-an-address"), context);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const auto& trailers = context.GetServerTrailingMetadata();
  auto value = [&](const std::string& key) {
    auto it = trailers.find(key);
    return it == trailers.end()
               ? std::string()
               : std::string(it->second.data(), it->second.size());
  };
  EXPECT_EQ(value("leadcapture-field"), "emailAddress");
  EXPECT_EQ(value("leadcapture-rule"), "email");
}

}  // namespace
}  // namespace leadcapture::testing
