// Administration: the admin token on AdminService, and leadctl.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "gtest/gtest.h"
#include "leadcapture/v1/admin_service.grpc.pb.h"
#include "tests/integration/harness.h"

namespace leadcapture::testing {
namespace {

namespace v1 = ::leadcapture::v1;

class AdminTest : public DeploymentTest {
 protected:
  // Calls AdminService.ListLeads directly, with `authorization` metadata
  // when `authorization` is not empty.
  grpc::Status ListLeads(const std::string& authorization) {
    std::unique_ptr<v1::AdminService::Stub> stub =
        v1::AdminService::NewStub(deployment().Channel());
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    if (!authorization.empty()) {
      context.AddMetadata("authorization", authorization);
    }
    v1::ListLeadsRequest request;
    v1::ListLeadsResponse response;
    return stub->ListLeads(&context, request, &response);
  }
};

TEST_F(AdminTest, CallWithoutTokenIsUnauthenticated) {
  EXPECT_EQ(ListLeads("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AdminTest, CallWithWrongTokenIsUnauthenticated) {
  EXPECT_EQ(ListLeads("Bearer " + std::string(32, '0')).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AdminTest, CallWithTokenButNoBearerIsUnauthenticated) {
  EXPECT_EQ(ListLeads(deployment().token()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AdminTest, CallWithTokenIsServed) {
  grpc::Status status = ListLeads("Bearer " + deployment().token());
  EXPECT_TRUE(status.ok()) << status.error_code() << " "
                           << status.error_message();
}

TEST_F(AdminTest, LeadctlWithWrongTokenFailsWithMessageOnStderr) {
  const std::string wrong_token_file = deployment().dir() + "/wrong-token";
  ASSERT_TRUE(WriteFile(wrong_token_file, std::string(32, '0') + "\n", 0600));
  RunResult result =
      RunToEnd({kLeadctlPath, "--address=" + deployment().grpc_address(),
                "--token_file=" + wrong_token_file, "leads", "list"},
               {}, deployment().dir());
  EXPECT_NE(result.exit_code, 0);
  EXPECT_FALSE(result.err.empty());
}

TEST_F(AdminTest, RotateKeyStopsOldKeyAndNewKeyCaptures) {
  json entry_point = CreateEntryPoint();
  const std::string old_key = Str(entry_point, "apiKey");
  ASSERT_TRUE(IsAccepted(
      PostCapture(old_key, SeedPayload("Ann", "Lee", "ann@x.example"))));

  json rotated =
      MustLeadctl({"entry-points", "rotate-key", Str(entry_point, "id")});
  const std::string new_key = Str(rotated, "apiKey");
  EXPECT_EQ(Str(rotated, "id"), Str(entry_point, "id"));
  EXPECT_NE(new_key, old_key);
  EXPECT_EQ(new_key.size(), 32u);
  EXPECT_EQ(absl::AsciiStrToLower(new_key), new_key);

  EXPECT_TRUE(IsErrorAnswer(
      PostCapture(old_key, SeedPayload("Bo", "Lee", "bo@x.example")), 404,
      "not_found"));
  EXPECT_TRUE(IsAccepted(
      PostCapture(new_key, SeedPayload("Cy", "Lee", "cy@x.example"))));

  json leads = Leads();
  ASSERT_EQ(leads.size(), 2u) << leads.dump();
  EXPECT_EQ(Str(leads[0], "emailAddress"), "ann@x.example");
  EXPECT_EQ(Str(leads[1], "emailAddress"), "cy@x.example");
}

TEST_F(AdminTest, DeletedEntryPointKeyIsNotFound) {
  json entry_point = CreateEntryPoint();
  MustLeadctl({"entry-points", "delete", Str(entry_point, "id")});
  EXPECT_TRUE(
      IsErrorAnswer(PostCapture(Str(entry_point, "apiKey"),
                                SeedPayload("Ann", "Lee", "ann@x.example")),
                    404, "not_found"));
}

TEST_F(AdminTest, LeadsListFiltersByEntryPoint) {
  json first = CreateEntryPoint();
  json second = CreateEntryPoint();
  ASSERT_TRUE(IsAccepted(PostCapture(
      Str(first, "apiKey"), SeedPayload("Ann", "Lee", "ann@x.example"))));
  ASSERT_TRUE(IsAccepted(PostCapture(
      Str(second, "apiKey"), SeedPayload("Bo", "Lee", "bo@x.example"))));

  json leads = Leads(Str(second, "id"));
  ASSERT_EQ(leads.size(), 1u) << leads.dump();
  EXPECT_EQ(Str(leads[0], "emailAddress"), "bo@x.example");
  EXPECT_EQ(Leads().size(), 2u);
}

TEST_F(AdminTest, CaptureLogsListFiltersByEntryPoint) {
  json first = CreateEntryPoint();
  json second = CreateEntryPoint();
  ASSERT_TRUE(IsAccepted(PostCapture(
      Str(first, "apiKey"), SeedPayload("Ann", "Lee", "ann@x.example"))));
  ASSERT_TRUE(IsAccepted(PostCapture(
      Str(second, "apiKey"), SeedPayload("Bo", "Lee", "bo@x.example"))));

  json logs = CaptureLogs(Str(first, "id"));
  ASSERT_EQ(logs.size(), 1u) << logs.dump();
  EXPECT_EQ(Str(logs[0], "entryPointId"), Str(first, "id"));
}

TEST_F(AdminTest, EmptyListsPrintEmptyArrays) {
  json leads = MustLeadctl({"leads", "list"});
  EXPECT_EQ(Field(leads, "leads"), json::array()) << leads.dump();
  json entry_points = MustLeadctl({"entry-points", "list"});
  EXPECT_EQ(Field(entry_points, "entryPoints"), json::array())
      << entry_points.dump();
  json logs = MustLeadctl({"capture-logs", "list"});
  EXPECT_EQ(Field(logs, "captureLogs"), json::array()) << logs.dump();
}

TEST_F(AdminTest, CreatedEntryPointShowsItsDefaults) {
  json entry_point = CreateEntryPoint();
  EXPECT_EQ(Field(entry_point, "isActive"), true);
  EXPECT_EQ(Field(entry_point, "duplicateCheck"), true);
  EXPECT_EQ(Field(entry_point, "subscribeContactIfExists"), true);
  EXPECT_EQ(Str(entry_point, "leadSource"), "Web Site");
  EXPECT_EQ(Field(entry_point, "payloadFields"),
            json::array({"firstName", "lastName", "emailAddress"}));
  EXPECT_EQ(Field(entry_point, "requiredFields"), json::array());
  EXPECT_EQ(Str(entry_point, "targetListId"), "");
}

TEST_F(AdminTest, LeadctlCallMirrorsGrpcurl) {
  json entry_point = CreateEntryPoint();
  ASSERT_TRUE(IsAccepted(PostCapture(
      Str(entry_point, "apiKey"), SeedPayload("Ann", "Lee", "ann@x.example"))));
  json leads = MustLeadctl(
      {"call", "leadcapture.v1.AdminService/ListLeads", "-d", "{}"});
  json items = Field(leads, "leads", json::array());
  ASSERT_EQ(items.size(), 1u) << leads.dump();
  EXPECT_EQ(Str(items[0], "emailAddress"), "ann@x.example");
}

TEST_F(AdminTest, LeadctlFailsOnUnknownEntryPoint) {
  RunResult result = deployment().Leadctl(
      {"entry-points", "rotate-key", std::string(32, 'f')});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_FALSE(result.err.empty());
}

}  // namespace
}  // namespace leadcapture::testing
