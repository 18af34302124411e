// The duplicate and contact rules of SPEC section 3 step 5, and concurrent
// captures of one person.
#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace leadcapture::testing {
namespace {

class DuplicateTest : public DeploymentTest {};

TEST_F(DuplicateTest, SameEmailInOtherCaseReusesTheLead) {
  const std::string first_team = CreateTeam("First");
  const std::string second_team = CreateTeam("Second");
  json first = CreateEntryPoint({"--team", first_team});
  json second = CreateEntryPoint({"--team", second_team});

  ASSERT_TRUE(IsAccepted(PostCapture(
      Str(first, "apiKey"), SeedPayload("Ann", "Lee", "ann@x.example"))));
  ASSERT_TRUE(IsAccepted(PostCapture(
      Str(second, "apiKey"), SeedPayload("Changed", "Name", "Ann@X.example"))));

  json leads = Leads();
  ASSERT_EQ(leads.size(), 1u) << leads.dump();
  const json& lead = leads[0];
  EXPECT_EQ(Str(lead, "firstName"), "Ann");
  EXPECT_EQ(Str(lead, "lastName"), "Lee");
  EXPECT_EQ(Str(lead, "emailAddress"), "ann@x.example");
  EXPECT_EQ(Str(lead, "entryPointId"), Str(first, "id"));
  json teams = Field(lead, "teamIds", json::array());
  EXPECT_EQ(teams.size(), 2u) << teams.dump();
  EXPECT_NE(std::find(teams.begin(), teams.end(), json(first_team)),
            teams.end());
  EXPECT_NE(std::find(teams.begin(), teams.end(), json(second_team)),
            teams.end());

  json logs = CaptureLogs(Str(second, "id"));
  ASSERT_EQ(logs.size(), 1u) << logs.dump();
  EXPECT_EQ(Str(logs[0], "outcome"), "DUPLICATE_LEAD");
  EXPECT_EQ(Field(logs[0], "isCreated"), false);
  EXPECT_EQ(Str(logs[0], "targetId"), Str(lead, "id"));
}

TEST_F(DuplicateTest, DuplicateDoesNotLogLeadCreatedAgain) {
  const std::string campaign = CreateCampaign();
  json entry_point = CreateEntryPoint({"--campaign", campaign});
  const std::string api_key = Str(entry_point, "apiKey");
  ASSERT_TRUE(IsAccepted(
      PostCapture(api_key, SeedPayload("Ann", "Lee", "ann@x.example"))));
  ASSERT_TRUE(IsAccepted(
      PostCapture(api_key, SeedPayload("Ann", "Lee", "ann@x.example"))));
  json entries = CampaignLogs(campaign);
  EXPECT_EQ(Where(entries, "action", "Lead Created").size(), 1u)
      << entries.dump();
}

TEST_F(DuplicateTest, DuplicateCheckOffCreatesSecondLead) {
  json entry_point = CreateEntryPoint({"--duplicate-check=false"});
  const std::string api_key = Str(entry_point, "apiKey");
  ASSERT_TRUE(IsAccepted(
      PostCapture(api_key, SeedPayload("Ann", "Lee", "ann@x.example"))));
  ASSERT_TRUE(IsAccepted(
      PostCapture(api_key, SeedPayload("Ann", "Lee", "ann@x.example"))));
  EXPECT_EQ(Leads().size(), 2u);
  json logs = CaptureLogs();
  EXPECT_EQ(Where(logs, "outcome", "CREATED").size(), 2u) << logs.dump();
}

TEST_F(DuplicateTest, PhoneMatchesWhenThereIsNoEmail) {
  json entry_point = CreateEntryPoint(
      {"--payload-fields", "firstName,phoneNumber", "--phone-country", "DE"});
  const std::string api_key = Str(entry_point, "apiKey");
  ASSERT_TRUE(IsAccepted(PostCapture(
      api_key, R"({"firstName": "Ann", "phoneNumber": "+49 30 1234567"})")));
  ASSERT_TRUE(IsAccepted(PostCapture(
      api_key, R"({"firstName": "Other", "phoneNumber": "(030) 123 4567"})")));

  json leads = Leads();
  ASSERT_EQ(leads.size(), 1u) << leads.dump();
  EXPECT_EQ(Str(leads[0], "firstName"), "Ann");
  EXPECT_EQ(Str(leads[0], "phoneNumber"), "+49301234567");
  json logs = CaptureLogs();
  EXPECT_EQ(Where(logs, "outcome", "DUPLICATE_LEAD").size(), 1u) << logs.dump();
}

// A contact that already has the captured e-mail address.
class ContactTest : public DeploymentTest {
 protected:
  void SetUp() override {
    DeploymentTest::SetUp();
    if (HasFatalFailure()) return;
    contact_id_ = Str(
        MustLeadctl({"contacts", "create", "--first-name", "Con", "--last-name",
                     "Tact", "--email-address", "con@x.example"}),
        "id");
    target_list_id_ = CreateTargetList();
    campaign_id_ = CreateCampaign();
  }

  std::string contact_id_;
  std::string target_list_id_;
  std::string campaign_id_;
};

TEST_F(ContactTest, ContactIsSubscribedInsteadOfCreatingLead) {
  json entry_point = CreateEntryPoint(
      {"--target-list", target_list_id_, "--campaign", campaign_id_});
  ASSERT_TRUE(
      IsAccepted(PostCapture(Str(entry_point, "apiKey"),
                             SeedPayload("New", "Name", "CON@x.example"))));

  EXPECT_EQ(Leads().size(), 0u);
  json members = Members(target_list_id_);
  ASSERT_EQ(members.size(), 1u) << members.dump();
  EXPECT_EQ(Str(members[0], "type"), "contact");
  EXPECT_EQ(Str(members[0], "id"), contact_id_);
  json logs = CaptureLogs();
  ASSERT_EQ(logs.size(), 1u) << logs.dump();
  EXPECT_EQ(Str(logs[0], "outcome"), "CONTACT_SUBSCRIBED");
  EXPECT_EQ(Str(logs[0], "targetId"), contact_id_);
  EXPECT_EQ(Str(logs[0], "targetType"), "contact");
  EXPECT_EQ(Field(logs[0], "isCreated"), false);
  json entries = CampaignLogs(campaign_id_);
  json opted_in = Where(entries, "action", "Opted In");
  ASSERT_EQ(opted_in.size(), 1u) << entries.dump();
  EXPECT_EQ(Str(opted_in[0], "parentId"), contact_id_);
}

TEST_F(ContactTest, ContactFieldsAreNotChangedByPayload) {
  json entry_point = CreateEntryPoint({"--target-list", target_list_id_});
  ASSERT_TRUE(
      IsAccepted(PostCapture(Str(entry_point, "apiKey"),
                             SeedPayload("New", "Name", "con@x.example"))));
  json contacts =
      Field(MustLeadctl({"contacts", "list"}), "contacts", json::array());
  ASSERT_EQ(contacts.size(), 1u) << contacts.dump();
  EXPECT_EQ(Str(contacts[0], "firstName"), "Con");
  EXPECT_EQ(Str(contacts[0], "lastName"), "Tact");
}

TEST_F(ContactTest, SubscribedContactAgainIsAlreadySubscribed) {
  json entry_point = CreateEntryPoint(
      {"--target-list", target_list_id_, "--campaign", campaign_id_});
  const std::string api_key = Str(entry_point, "apiKey");
  ASSERT_TRUE(IsAccepted(
      PostCapture(api_key, SeedPayload("Con", "Tact", "con@x.example"))));
  ASSERT_TRUE(IsAccepted(
      PostCapture(api_key, SeedPayload("Con", "Tact", "con@x.example"))));

  json logs = CaptureLogs();
  ASSERT_EQ(logs.size(), 2u) << logs.dump();
  EXPECT_EQ(Str(logs[1], "outcome"), "ALREADY_SUBSCRIBED");
  EXPECT_EQ(Str(logs[1], "targetId"), contact_id_);
  EXPECT_EQ(Members(target_list_id_).size(), 1u);
  EXPECT_EQ(Where(CampaignLogs(campaign_id_), "action", "Opted In").size(), 1u);
  EXPECT_EQ(Leads().size(), 0u);
}

TEST_F(ContactTest, SubscribeContactIfExistsOffCreatesLead) {
  json entry_point = CreateEntryPoint({"--target-list", target_list_id_,
                                       "--subscribe-contact-if-exists=false"});
  ASSERT_TRUE(
      IsAccepted(PostCapture(Str(entry_point, "apiKey"),
                             SeedPayload("Con", "Tact", "con@x.example"))));

  json leads = Leads();
  ASSERT_EQ(leads.size(), 1u) << leads.dump();
  json members = Members(target_list_id_);
  ASSERT_EQ(members.size(), 1u) << members.dump();
  EXPECT_EQ(Str(members[0], "type"), "lead");
  EXPECT_EQ(Str(members[0], "id"), Str(leads[0], "id"));
  json logs = CaptureLogs();
  ASSERT_EQ(logs.size(), 1u) << logs.dump();
  EXPECT_EQ(Str(logs[0], "outcome"), "CREATED");
}

class ConcurrencyTest : public DeploymentTest {};

TEST_F(ConcurrencyTest, ParallelCapturesOfNewEmailGiveOneLead) {
  constexpr int kPosts = 8;
  const std::string target_list = CreateTargetList();
  const std::string campaign = CreateCampaign();
  json entry_point =
      CreateEntryPoint({"--target-list", target_list, "--campaign", campaign});
  const std::string api_key = Str(entry_point, "apiKey");
  const std::string body = SeedPayload("Ann", "Lee", "race@x.example");

  // Every thread connects first, then all post at once.
  std::atomic<int> ready{0};
  std::vector<int> statuses(kPosts, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kPosts; ++i) {
    threads.emplace_back([&, i] {
      std::unique_ptr<httplib::Client> client = deployment().Http();
      ready.fetch_add(1);
      while (ready.load() < kPosts) std::this_thread::yield();
      httplib::Result result =
          client->Post(CapturePath(api_key), {{"Accept", "application/json"}},
                       body, "application/json");
      statuses[i] = result ? result->status : -1;
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(statuses, std::vector<int>(kPosts, 200));
  json leads = Leads();
  EXPECT_EQ(leads.size(), 1u) << leads.dump();
  json entries = CampaignLogs(campaign);
  EXPECT_EQ(Where(entries, "action", "Lead Created").size(), 1u)
      << entries.dump();
  EXPECT_EQ(Where(entries, "action", "Opted In").size(), 1u) << entries.dump();
  json logs = CaptureLogs();
  EXPECT_EQ(logs.size(), static_cast<std::size_t>(kPosts)) << logs.dump();
  EXPECT_EQ(Where(logs, "outcome", "CREATED").size(), 1u);
  EXPECT_EQ(Where(logs, "outcome", "DUPLICATE_LEAD").size(),
            static_cast<std::size_t>(kPosts - 1));
  EXPECT_EQ(Members(target_list).size(), 1u);
}

}  // namespace
}  // namespace leadcapture::testing
