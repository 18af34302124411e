#include "tools/leadctl/rpc_client.h"

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "leadcapture/v1/admin_service.pb.h"
#include "leadcapture/v1/capture_service.pb.h"
#include "tests/leadctl/fake_server.h"
#include "tests/testing/proto_matchers.h"
#include "tests/testing/status_matchers.h"

namespace leadcapture::leadctl {
namespace {

using ::leadcapture::testing::EqualsProto;
using ::leadcapture::testing::IsOk;
using ::leadcapture::testing::IsOkAndHolds;
using ::leadcapture::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

std::string MethodName(
    const absl::StatusOr<const google::protobuf::MethodDescriptor*>& method) {
  return method.ok() ? (*method)->full_name() : method.status().ToString();
}

TEST(FindMethodTest, AcceptsTheGrpcurlForms) {
  const std::string expected = "leadcapture.v1.AdminService.ListLeads";

  EXPECT_EQ(MethodName(FindMethod("leadcapture.v1.AdminService/ListLeads")),
            expected);
  EXPECT_EQ(MethodName(FindMethod("/leadcapture.v1.AdminService/ListLeads")),
            expected);
  EXPECT_EQ(MethodName(FindMethod("leadcapture.v1.AdminService.ListLeads")),
            expected);
  EXPECT_EQ(MethodName(FindMethod("AdminService/ListLeads")), expected);
}

TEST(FindMethodTest, FindsMethodsOfEveryService) {
  EXPECT_THAT(FindMethod("LeadCaptureService/Capture"), IsOk());
  EXPECT_THAT(FindMethod("leadcapture.v1.OptInService/Confirm"), IsOk());
}

TEST(FindMethodTest, UnknownMethodIsNotFound) {
  EXPECT_THAT(
      FindMethod("AdminService/Explode"),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("AdminService/Explode")));
  EXPECT_THAT(FindMethod("Nothing"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(FindMethod("other.v1.AdminService/ListLeads"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(KnownServicesTest, ListsTheThreeServices) {
  std::vector<std::string> names;
  for (const auto* service : KnownServices()) {
    names.push_back(service->full_name());
  }
  EXPECT_THAT(names, ElementsAre("leadcapture.v1.LeadCaptureService",
                                 "leadcapture.v1.OptInService",
                                 "leadcapture.v1.AdminService"));
}

TEST(DescribeSymbolTest, DescribesServicesMethodsMessagesAndEnums) {
  EXPECT_THAT(DescribeSymbol("AdminService"),
              IsOkAndHolds(HasSubstr("rpc CreateEntryPoint")));
  EXPECT_THAT(DescribeSymbol("leadcapture.v1.AdminService/ListLeads"),
              IsOkAndHolds(HasSubstr("rpc ListLeads")));
  EXPECT_THAT(DescribeSymbol("EntryPoint"),
              IsOkAndHolds(HasSubstr("repeated string payload_fields")));
  EXPECT_THAT(DescribeSymbol("leadcapture.v1.CaptureOutcome"),
              IsOkAndHolds(HasSubstr("DUPLICATE_LEAD")));
  EXPECT_THAT(DescribeSymbol("Nope"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(JsonToMessageTest, TakesCamelCaseAndProtoNames) {
  v1::ListLeadsRequest expected;
  expected.set_entry_point_id("ep1");
  expected.set_page_size(2);

  auto from_camel = JsonToMessage(*v1::ListLeadsRequest::descriptor(),
                                  R"({"entryPointId": "ep1", "pageSize": 2})");
  auto from_proto =
      JsonToMessage(*v1::ListLeadsRequest::descriptor(),
                    R"({"entry_point_id": "ep1", "page_size": 2})");

  ASSERT_THAT(from_camel, IsOk());
  ASSERT_THAT(from_proto, IsOk());
  EXPECT_THAT(**from_camel, EqualsProto(expected));
  EXPECT_THAT(**from_proto, EqualsProto(expected));
}

TEST(JsonToMessageTest, RejectsUnknownFieldsAndBadJson) {
  EXPECT_THAT(
      JsonToMessage(*v1::GetLeadRequest::descriptor(), R"({"colour": "red"})"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("leadcapture.v1.GetLeadRequest")));
  EXPECT_THAT(JsonToMessage(*v1::GetLeadRequest::descriptor(), "{"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(JsonToMessage(*v1::GetLeadRequest::descriptor(), "[]"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MessageToJsonTest, ShowsEveryFieldInCamelCase) {
  v1::TargetListMember member;
  member.set_type("lead");

  EXPECT_THAT(MessageToJson(member), IsOkAndHolds("{\n"
                                                  "  \"type\": \"lead\",\n"
                                                  "  \"id\": \"\",\n"
                                                  "  \"emailAddress\": \"\",\n"
                                                  "  \"name\": \"\",\n"
                                                  "  \"optedOut\": false\n"
                                                  "}\n"));
  EXPECT_THAT(MessageToJson(v1::ListTeamsResponse()),
              IsOkAndHolds(HasSubstr("\"teams\": []")));
}

TEST(MessageToJsonTest, KeepsUtf8AndPrintsEnumsByName) {
  v1::Lead lead;
  lead.set_first_name("Zo\xC3\xAB \xF0\x9F\x98\x80");
  lead.set_status(v1::IN_PROCESS);

  absl::StatusOr<std::string> json = MessageToJson(lead);

  ASSERT_THAT(json, IsOk());
  EXPECT_THAT(*json,
              HasSubstr("\"firstName\": \"Zo\xC3\xAB \xF0\x9F\x98\x80\""));
  EXPECT_THAT(*json, HasSubstr("\"status\": \"IN_PROCESS\""));
}

TEST(MessageToJsonTest, TimestampOutOfRangeIsInternal) {
  v1::Team team;
  team.mutable_created_at()->set_seconds(-1000000000000);

  EXPECT_THAT(MessageToJson(team), StatusIs(absl::StatusCode::kInternal));
}

class TokenFileTest : public ::testing::Test {
 protected:
  std::string WriteToken(const std::string& contents) {
    const std::string path =
        ::testing::TempDir() + "/leadctl-token-" +
        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }
};

TEST_F(TokenFileTest, TrimsWhiteSpace) {
  EXPECT_THAT(ReadTokenFile(WriteToken("\n  abc123 \r\n")),
              IsOkAndHolds("abc123"));
}

TEST_F(TokenFileTest, MissingFileNamesFileAndHowToChooseAnother) {
  EXPECT_THAT(ReadTokenFile("/nonexistent/leadctl/token"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::AllOf(HasSubstr("/nonexistent/leadctl/token"),
                                        HasSubstr("--token_file"),
                                        HasSubstr("LEADCAPTURE_TOKEN_FILE"))));
}

TEST_F(TokenFileTest, EmptyFileIsAnError) {
  EXPECT_THAT(
      ReadTokenFile(WriteToken(" \n")),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("empty")));
}

TEST_F(TokenFileTest, TokenWithBytesAHeaderCannotCarryIsRefusedUnshown) {
  for (const std::string& contents :
       {std::string("secret-one\nsecret-two\n"), std::string("sec ret"),
        std::string("secr\tet"), std::string("s\x7f""ecret"),
        std::string("s\xc3\xa9""cret"), std::string("se\0cret", 8)}) {
    const std::string path = WriteToken(contents);
    absl::StatusOr<std::string> token = ReadTokenFile(path);
    EXPECT_THAT(token,
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         ::testing::AllOf(
                             HasSubstr(absl::StrCat(
                                 "the admin token file ", path,
                                 " holds characters that cannot be sent in "
                                 "a header")),
                             Not(HasSubstr("secr")), Not(HasSubstr("cret")))))
        << ::testing::PrintToString(contents);
  }
}

TEST_F(TokenFileTest, EveryPrintableAsciiByteIsAccepted) {
  std::string all;
  for (char c = 0x21; c <= 0x7e; ++c) all.push_back(c);
  EXPECT_THAT(ReadTokenFile(WriteToken(all)), IsOkAndHolds(all));
}

class RpcClientTest : public ::testing::Test {
 protected:
  static const google::protobuf::MethodDescriptor& Method(
      const std::string& name) {
    return **FindMethod(name);
  }

  FakeServer server_;
  RpcClient client_{grpc::CreateChannel(server_.address(),
                                        grpc::InsecureChannelCredentials())};
};

TEST_F(RpcClientTest, SendsRequestAndTokenAndParsesReply) {
  v1::Team team;
  team.set_id("t1");
  team.set_name("Sales");
  server_.AddReply(AdminMethod("GetTeam"), team);
  v1::GetTeamRequest request;
  request.set_id("t1");
  CallOptions options;
  options.token = "tok";

  auto reply = client_.Call(Method("AdminService/GetTeam"), request, options);

  ASSERT_THAT(reply, IsOk());
  EXPECT_THAT(**reply, EqualsProto(team));
  v1::GetTeamRequest received;
  ASSERT_TRUE(server_.Request(0, received));
  EXPECT_THAT(received, EqualsProto(request));
  EXPECT_THAT(server_.calls()[0].metadata,
              ::testing::Contains(Pair("authorization", "Bearer tok")));
}

TEST_F(RpcClientTest, SendsNoAuthorizationWithoutToken) {
  server_.AddReply("/leadcapture.v1.LeadCaptureService/GetPolicy",
                   v1::Policy());

  auto reply = client_.Call(Method("LeadCaptureService/GetPolicy"),
                            v1::GetPolicyRequest(), CallOptions());

  ASSERT_THAT(reply, IsOk());
  EXPECT_EQ(server_.calls()[0].metadata.count("authorization"), 0u);
}

TEST_F(RpcClientTest, FailureKeepsCodeAndAddsFieldAndRule) {
  server_.AddError(
      AdminMethod("CreateContact"),
      grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad"),
      {{"leadcapture-field", "phoneNumber"}, {"leadcapture-rule", "phone"}});
  server_.AddError(AdminMethod("GetContact"),
                   grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no"));

  auto invalid = client_.Call(Method("AdminService/CreateContact"),
                              v1::CreateContactRequest(), CallOptions());
  auto unauthenticated = client_.Call(Method("AdminService/GetContact"),
                                      v1::GetContactRequest(), CallOptions());

  EXPECT_THAT(invalid, StatusIs(absl::StatusCode::kInvalidArgument,
                                "bad (field: phoneNumber, rule: phone)"));
  EXPECT_THAT(unauthenticated,
              StatusIs(absl::StatusCode::kUnauthenticated, "no"));
}

}  // namespace
}  // namespace leadcapture::leadctl
