#include "services/admin_service.h"

#include <grpcpp/grpcpp.h>

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/util/clock.h"

namespace leadcapture {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kToken[] = "test-admin-token";

// A real gRPC server in the test process, with AdminService on a SQLite
// database in memory.
class AdminServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::OpenStore("sqlite::memory:");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    service_ = std::make_unique<AdminServiceImpl>(*store_, clock_, auth_,
                                                  "https://leads.example/");
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = v1::AdminService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
  }

  void TearDown() override { server_->Shutdown(); }

  std::unique_ptr<grpc::ClientContext> Context(
      const std::string& token = kToken) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) {
      context->AddMetadata("authorization", "Bearer " + token);
    }
    return context;
  }

  v1::EntryPoint CreateEntryPoint(const v1::EntryPoint& settings,
                                  grpc::Status* status) {
    v1::CreateEntryPointRequest request;
    *request.mutable_entry_point() = settings;
    v1::EntryPoint created;
    *status = stub_->CreateEntryPoint(Context().get(), request, &created);
    return created;
  }

  std::string CreateTargetList() {
    v1::CreateTargetListRequest request;
    request.mutable_target_list()->set_name("Newsletter");
    v1::TargetList list;
    EXPECT_TRUE(stub_->CreateTargetList(Context().get(), request, &list).ok());
    return list.id();
  }

  FakeClock clock_{absl::FromUnixSeconds(1767225600)};
  AdminAuth auth_{kToken};
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<AdminServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::AdminService::Stub> stub_;
};

TEST_F(AdminServiceTest, CallsWithoutTheTokenAreUnauthenticated) {
  v1::ListLeadsRequest request;
  v1::ListLeadsResponse response;
  EXPECT_EQ(
      stub_->ListLeads(Context("").get(), request, &response).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(
      stub_->ListLeads(Context("wrong").get(), request, &response).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(stub_->ListLeads(Context().get(), request, &response).ok());
}

// Verifies the documented defaults of a new entry point.
TEST_F(AdminServiceTest, NewEntryPointGetsDefaultsAndAKey) {
  v1::EntryPoint settings;
  settings.set_name("Website");
  grpc::Status status;
  v1::EntryPoint created = CreateEntryPoint(settings, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(created.id(), SizeIs(32));
  EXPECT_THAT(created.api_key(), SizeIs(32));
  EXPECT_EQ(created.api_key().find_first_not_of("0123456789abcdef"),
            std::string::npos);
  EXPECT_TRUE(created.is_active());
  EXPECT_THAT(created.payload_fields(),
              ElementsAre("firstName", "lastName", "emailAddress"));
  EXPECT_TRUE(created.subscribe_to_target_list());
  EXPECT_TRUE(created.subscribe_contact_if_exists());
  EXPECT_TRUE(created.duplicate_check());
  EXPECT_EQ(created.lead_source(), "Web Site");
  EXPECT_EQ(created.created_at().seconds(), 1767225600);
}

TEST_F(AdminServiceTest, RefusesBadEntryPointSettings) {
  grpc::Status status;
  v1::EntryPoint unnamed;
  CreateEntryPoint(unnamed, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::EntryPoint unknown_field;
  unknown_field.set_name("x");
  unknown_field.add_payload_fields("shoeSize");
  CreateEntryPoint(unknown_field, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("shoeSize"));

  v1::EntryPoint required_elsewhere;
  required_elsewhere.set_name("x");
  required_elsewhere.add_required_fields("phoneNumber");
  CreateEntryPoint(required_elsewhere, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::EntryPoint bad_origin;
  bad_origin.set_name("x");
  bad_origin.add_allowed_origins("https://a.example/path");
  CreateEntryPoint(bad_origin, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::EntryPoint bad_country;
  bad_country.set_name("x");
  bad_country.set_phone_country("XX");
  CreateEntryPoint(bad_country, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::EntryPoint missing_list;
  missing_list.set_name("x");
  missing_list.set_target_list_id("0123");
  CreateEntryPoint(missing_list, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  v1::ListEntryPointsResponse listed;
  ASSERT_TRUE(stub_->ListEntryPoints(Context().get(), {}, &listed).ok());
  EXPECT_THAT(listed.entry_points(), SizeIs(0));
}

// Verifies that only the masked fields change and lists are replaced.
TEST_F(AdminServiceTest, UpdateChangesOnlyTheMaskedFields) {
  v1::EntryPoint settings;
  settings.set_name("Website");
  settings.set_lead_source("Ads");
  grpc::Status status;
  v1::EntryPoint created = CreateEntryPoint(settings, &status);
  ASSERT_TRUE(status.ok());

  v1::UpdateEntryPointRequest request;
  request.mutable_entry_point()->set_id(created.id());
  request.mutable_entry_point()->set_name("Renamed");
  request.mutable_entry_point()->set_lead_source("ignored");
  request.mutable_entry_point()->add_payload_fields("emailAddress");
  request.mutable_entry_point()->set_is_active(false);
  request.mutable_update_mask()->add_paths("name");
  request.mutable_update_mask()->add_paths("payload_fields");
  request.mutable_update_mask()->add_paths("is_active");
  v1::EntryPoint updated;
  ASSERT_TRUE(stub_->UpdateEntryPoint(Context().get(), request, &updated).ok());
  EXPECT_EQ(updated.name(), "Renamed");
  EXPECT_EQ(updated.lead_source(), "Ads");
  EXPECT_THAT(updated.payload_fields(), ElementsAre("emailAddress"));
  EXPECT_FALSE(updated.is_active());
  EXPECT_EQ(updated.api_key(), created.api_key());

  request.mutable_update_mask()->add_paths("api_key");
  EXPECT_EQ(
      stub_->UpdateEntryPoint(Context().get(), request, &updated).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AdminServiceTest, RotateGivesANewKey) {
  v1::EntryPoint settings;
  settings.set_name("Website");
  grpc::Status status;
  v1::EntryPoint created = CreateEntryPoint(settings, &status);
  v1::RotateEntryPointApiKeyRequest request;
  request.set_id(created.id());
  v1::EntryPoint rotated;
  ASSERT_TRUE(
      stub_->RotateEntryPointApiKey(Context().get(), request, &rotated).ok());
  EXPECT_NE(rotated.api_key(), created.api_key());
  EXPECT_THAT(rotated.api_key(), SizeIs(32));
}

// Verifies the example request: URL from the public URL, a null skeleton,
// and a form that posts with fetch and shows "Sent".
TEST_F(AdminServiceTest, ExampleShowsHowToPost) {
  v1::EntryPoint settings;
  settings.set_name("Website");
  settings.add_required_fields("emailAddress");
  grpc::Status status;
  v1::EntryPoint created = CreateEntryPoint(settings, &status);
  v1::GetEntryPointExampleRequest request;
  request.set_id(created.id());
  v1::EntryPointExample example;
  ASSERT_TRUE(
      stub_->GetEntryPointExample(Context().get(), request, &example).ok());
  EXPECT_EQ(example.url(),
            "https://leads.example/api/v1/LeadCapture/" + created.api_key());
  EXPECT_EQ(example.method(), "POST");
  EXPECT_THAT(example.headers(), ElementsAre("Content-Type: application/json",
                                             "Accept: application/json"));
  EXPECT_THAT(example.payload(), HasSubstr("\"emailAddress\": null"));
  EXPECT_THAT(example.curl(), HasSubstr(example.url()));
  EXPECT_THAT(example.html_form(), HasSubstr("'Sent'"));
  EXPECT_THAT(example.html_form(),
              HasSubstr("name=\"emailAddress\" placeholder=\"emailAddress\" "
                        "required"));
}

TEST_F(AdminServiceTest, ContactsAreValidatedAndNormalized) {
  v1::CreateContactRequest request;
  request.mutable_contact()->set_first_name("Carl");
  request.mutable_contact()->set_email_address("not-an-address");
  v1::Contact contact;
  grpc::ClientContext context;
  context.AddMetadata("authorization", std::string("Bearer ") + kToken);
  grpc::Status status = stub_->CreateContact(&context, request, &contact);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto trailers = context.GetServerTrailingMetadata();
  auto rule = trailers.find("leadcapture-rule");
  ASSERT_NE(rule, trailers.end());
  EXPECT_EQ(std::string(rule->second.data(), rule->second.size()), "email");

  request.mutable_contact()->set_email_address(" carl@example.com ");
  request.mutable_contact()->set_phone_number("+49 30 1234567");
  ASSERT_TRUE(stub_->CreateContact(Context().get(), request, &contact).ok());
  EXPECT_EQ(contact.email_address(), "carl@example.com");
  EXPECT_EQ(contact.phone_number(), "+49301234567");
}

// Verifies adding, opting out and removing a member by hand.
TEST_F(AdminServiceTest, ManagesTargetListMembers) {
  const std::string list = CreateTargetList();
  v1::CreateContactRequest contact_request;
  contact_request.mutable_contact()->set_first_name("Carl");
  contact_request.mutable_contact()->set_last_name("Contact");
  contact_request.mutable_contact()->set_email_address("carl@example.com");
  v1::Contact contact;
  ASSERT_TRUE(
      stub_->CreateContact(Context().get(), contact_request, &contact).ok());

  v1::AddTargetListMemberRequest add;
  add.set_target_list_id(list);
  add.set_type("contact");
  add.set_id(contact.id());
  v1::TargetListMember member;
  ASSERT_TRUE(stub_->AddTargetListMember(Context().get(), add, &member).ok());
  EXPECT_EQ(member.email_address(), "carl@example.com");
  EXPECT_EQ(member.name(), "Carl Contact");

  v1::UpdateTargetListMemberRequest update;
  update.set_target_list_id(list);
  update.set_type("contact");
  update.set_id(contact.id());
  update.set_opted_out(true);
  ASSERT_TRUE(
      stub_->UpdateTargetListMember(Context().get(), update, &member).ok());
  EXPECT_TRUE(member.opted_out());

  add.set_type("robot");
  EXPECT_EQ(
      stub_->AddTargetListMember(Context().get(), add, &member).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  add.set_type("lead");
  add.set_id("missing");
  EXPECT_EQ(
      stub_->AddTargetListMember(Context().get(), add, &member).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);

  v1::RemoveTargetListMemberRequest remove;
  remove.set_target_list_id(list);
  remove.set_type("contact");
  remove.set_id(contact.id());
  google::protobuf::Empty empty;
  ASSERT_TRUE(
      stub_->RemoveTargetListMember(Context().get(), remove, &empty).ok());
  v1::ListTargetListMembersRequest list_request;
  list_request.set_target_list_id(list);
  v1::ListTargetListMembersResponse members;
  ASSERT_TRUE(
      stub_->ListTargetListMembers(Context().get(), list_request, &members)
          .ok());
  EXPECT_THAT(members.members(), SizeIs(0));
}

// Verifies paging through five teams two at a time.
TEST_F(AdminServiceTest, ListsArePaginated) {
  for (int i = 0; i < 5; ++i) {
    v1::CreateTeamRequest request;
    request.mutable_team()->set_name("Team " + std::to_string(i));
    v1::Team team;
    ASSERT_TRUE(stub_->CreateTeam(Context().get(), request, &team).ok());
  }
  std::vector<std::string> names;
  v1::ListTeamsRequest request;
  request.set_page_size(2);
  int pages = 0;
  do {
    v1::ListTeamsResponse response;
    ASSERT_TRUE(stub_->ListTeams(Context().get(), request, &response).ok());
    for (const auto& team : response.teams()) names.push_back(team.name());
    request.set_page_token(response.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(names,
              ElementsAre("Team 0", "Team 1", "Team 2", "Team 3", "Team 4"));
  request.set_page_size(-1);
  v1::ListTeamsResponse response;
  EXPECT_EQ(stub_->ListTeams(Context().get(), request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace leadcapture
