#include "services/capture.h"

#include <atomic>
#include <memory>
#include <thread>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/entry_points.h"
#include "services/time_util.h"
#include "services/util/field_error.h"
#include "services/util/random.h"
#include "storage/store.h"
#include "tests/services/capture_fixture.h"

namespace leadcapture {
namespace {

using storage::MemberType;
using storage::TransactionMode;
using ::testing::ElementsAre;
using ::testing::SizeIs;

class CaptureProcessorTest : public testing::CaptureFixture {};

// Verifies the whole flow for a new person: lead with source, campaign and
// team; list membership; campaign and capture logs.
TEST_F(CaptureProcessorTest, NewPersonBecomesALeadOnTheList) {
  const v1::EntryPoint entry_point = MakeEntryPoint();
  auto log = Capture(entry_point, R"({"firstName": "Ann", "lastName": "Lee",
                                      "emailAddress": "ann@example.com"})");
  ASSERT_TRUE(log.ok()) << log.status();

  auto leads = Leads();
  ASSERT_THAT(leads, SizeIs(1));
  const v1::Lead& lead = leads[0];
  EXPECT_EQ(lead.first_name(), "Ann");
  EXPECT_EQ(lead.email_address(), "ann@example.com");
  EXPECT_EQ(lead.status(), v1::NEW);
  EXPECT_EQ(lead.source(), "Web Site");
  EXPECT_EQ(lead.campaign_id(), campaign_id_);
  EXPECT_THAT(lead.team_ids(), ElementsAre(team_id_));
  EXPECT_EQ(lead.entry_point_id(), entry_point.id());
  EXPECT_EQ(lead.created_at().seconds(), 1767225600);

  auto members = Members();
  ASSERT_THAT(members, SizeIs(1));
  EXPECT_EQ(members[0].type(), "lead");
  EXPECT_EQ(members[0].id(), lead.id());
  EXPECT_FALSE(members[0].opted_out());
  EXPECT_THAT(CampaignActions(), ElementsAre("Lead Created", "Opted In"));

  auto logs = CaptureLogs();
  ASSERT_THAT(logs, SizeIs(1));
  EXPECT_EQ(logs[0].outcome(), v1::CREATED);
  EXPECT_TRUE(logs[0].is_created());
  EXPECT_EQ(logs[0].target_type(), "lead");
  EXPECT_EQ(logs[0].target_id(), lead.id());
  EXPECT_EQ(logs[0].client_ip(), "203.0.113.7");
  EXPECT_EQ(logs[0].user_agent(), "test-agent");
  EXPECT_EQ(logs[0].payload(), R"({"firstName":"Ann","lastName":"Lee",)"
                               R"("emailAddress":"ann@example.com"})");
}

TEST_F(CaptureProcessorTest, UnknownAndInactiveKeysAreNotFound) {
  v1::EntryPoint unknown;
  unknown.set_api_key(NewApiKey());
  auto result = Capture(unknown, R"({"lastName": "Lee"})");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);

  const v1::EntryPoint inactive =
      MakeEntryPoint([](v1::EntryPoint& e) { e.set_is_active(false); });
  auto inactive_result = Capture(inactive, R"({"lastName": "Lee"})");
  EXPECT_EQ(inactive_result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(inactive_result.status().message(), result.status().message());
  EXPECT_EQ(processor_->GetPolicy(inactive.api_key()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(Leads(), SizeIs(0));
}

// Verifies that a failed validation stores nothing at all.
TEST_F(CaptureProcessorTest, InvalidPayloadStoresNothing) {
  const v1::EntryPoint entry_point = MakeEntryPoint();
  auto result = Capture(entry_point, R"({"lastName": "Lee",
                                         "emailAddress": "not-an-address"})");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(result.status()), "emailAddress");
  EXPECT_EQ(ErrorRule(result.status()), "email");
  EXPECT_THAT(Leads(), SizeIs(0));
  EXPECT_THAT(CaptureLogs(), SizeIs(0));
  EXPECT_THAT(CampaignActions(), SizeIs(0));
}

// Verifies that the e-mail match ignores ASCII case and that the known lead
// keeps its fields while gaining the second entry point's team.
TEST_F(CaptureProcessorTest, DuplicateEmailReusesTheLead) {
  const v1::EntryPoint first =
      MakeEntryPoint([](v1::EntryPoint& e) { e.clear_target_team_id(); });
  ASSERT_TRUE(Capture(first, R"({"firstName": "Ann",
                                 "emailAddress": "Ann@Example.com"})")
                  .ok());
  const v1::EntryPoint second = MakeEntryPoint();
  auto log = Capture(second, R"({"firstName": "Annie",
                                 "emailAddress": "ann@example.COM"})");
  ASSERT_TRUE(log.ok());

  auto leads = Leads();
  ASSERT_THAT(leads, SizeIs(1));
  EXPECT_EQ(leads[0].first_name(), "Ann");
  EXPECT_EQ(leads[0].email_address(), "Ann@Example.com");
  EXPECT_THAT(leads[0].team_ids(), ElementsAre(team_id_));
  EXPECT_EQ(log->outcome(), v1::DUPLICATE_LEAD);
  EXPECT_FALSE(log->is_created());
  EXPECT_EQ(log->target_id(), leads[0].id());
  // Already on the list: no second "Opted In".
  EXPECT_THAT(CampaignActions(), ElementsAre("Lead Created", "Opted In"));
}

TEST_F(CaptureProcessorTest, DuplicateCheckOffCreatesAnotherLead) {
  const v1::EntryPoint entry_point =
      MakeEntryPoint([](v1::EntryPoint& e) { e.set_duplicate_check(false); });
  ASSERT_TRUE(
      Capture(entry_point, R"({"emailAddress": "a@example.com"})").ok());
  ASSERT_TRUE(
      Capture(entry_point, R"({"emailAddress": "a@example.com"})").ok());
  EXPECT_THAT(Leads(), SizeIs(2));
}

// Verifies the phone match, national and international forms alike.
TEST_F(CaptureProcessorTest, DuplicatePhoneReusesTheLead) {
  const v1::EntryPoint entry_point = MakeEntryPoint([](v1::EntryPoint& e) {
    e.clear_payload_fields();
    e.add_payload_fields("lastName");
    e.add_payload_fields("phoneNumber");
  });
  ASSERT_TRUE(Capture(entry_point, R"({"lastName": "Lee",
                                       "phoneNumber": "030 1234567"})")
                  .ok());
  auto log = Capture(entry_point, R"({"lastName": "Other",
                                     "phoneNumber": "+49 30 1234567"})");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->outcome(), v1::DUPLICATE_LEAD);
  auto leads = Leads();
  ASSERT_THAT(leads, SizeIs(1));
  EXPECT_EQ(leads[0].phone_number(), "+49301234567");
}

// Verifies that of several matching leads the oldest is used.
TEST_F(CaptureProcessorTest, OldestMatchingLeadWins) {
  const v1::EntryPoint loose =
      MakeEntryPoint([](v1::EntryPoint& e) { e.set_duplicate_check(false); });
  ASSERT_TRUE(Capture(loose, R"({"lastName": "First",
                                 "emailAddress": "x@example.com"})")
                  .ok());
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(Capture(loose, R"({"lastName": "Second",
                                 "emailAddress": "x@example.com"})")
                  .ok());
  const v1::EntryPoint strict = MakeEntryPoint();
  auto log = Capture(strict, R"({"emailAddress": "x@example.com"})");
  ASSERT_TRUE(log.ok());
  auto leads = Leads();
  ASSERT_THAT(leads, SizeIs(2));
  EXPECT_EQ(log->target_id(), leads[0].id());
  EXPECT_EQ(leads[0].last_name(), "First");
}

// Verifies that a known contact is subscribed, never changed, and that no
// lead is made; a second capture finds it already subscribed.
TEST_F(CaptureProcessorTest, KnownContactIsSubscribedInsteadOfALead) {
  const v1::Contact contact = MakeContact("carl@example.com");
  const v1::EntryPoint entry_point = MakeEntryPoint();
  auto log = Capture(entry_point, R"({"firstName": "Changed",
                                     "emailAddress": "CARL@example.com"})");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->outcome(), v1::CONTACT_SUBSCRIBED);
  EXPECT_EQ(log->target_type(), "contact");
  EXPECT_EQ(log->target_id(), contact.id());
  EXPECT_THAT(Leads(), SizeIs(0));
  auto members = Members();
  ASSERT_THAT(members, SizeIs(1));
  EXPECT_EQ(members[0].type(), "contact");

  auto again = Capture(entry_point, R"({"emailAddress": "carl@example.com"})");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome(), v1::ALREADY_SUBSCRIBED);
  EXPECT_THAT(CampaignActions(), ElementsAre("Opted In"));

  auto tx = Begin();
  auto stored = tx->GetContact(contact.id());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->first_name(), "Carl");
}

TEST_F(CaptureProcessorTest, ContactsAreIgnoredWhenSwitchedOff) {
  MakeContact("carl@example.com");
  const v1::EntryPoint entry_point = MakeEntryPoint(
      [](v1::EntryPoint& e) { e.set_subscribe_contact_if_exists(false); });
  auto log = Capture(entry_point, R"({"emailAddress": "carl@example.com"})");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->outcome(), v1::CREATED);
  EXPECT_THAT(Leads(), SizeIs(1));
}

// Verifies that a new submission is new consent: it clears an opt-out.
TEST_F(CaptureProcessorTest, NewSubmissionClearsAnOptOut) {
  const v1::EntryPoint entry_point = MakeEntryPoint();
  auto log = Capture(entry_point, R"({"emailAddress": "o@example.com"})");
  ASSERT_TRUE(log.ok());
  {
    auto tx = Begin();
    ASSERT_TRUE(tx->PutMembership(list_id_, MemberType::kLead, log->target_id(),
                                  true, clock_.Now())
                    .ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  ASSERT_TRUE(
      Capture(entry_point, R"({"emailAddress": "o@example.com"})").ok());
  auto members = Members();
  ASSERT_THAT(members, SizeIs(1));
  EXPECT_FALSE(members[0].opted_out());
  EXPECT_THAT(CampaignActions(),
              ElementsAre("Lead Created", "Opted In", "Opted In"));
}

// Verifies that without a list, team or campaign nothing of those is done.
TEST_F(CaptureProcessorTest, BareEntryPointOnlyCreatesTheLead) {
  const v1::EntryPoint entry_point = MakeEntryPoint([](v1::EntryPoint& e) {
    e.clear_target_list_id();
    e.clear_target_team_id();
    e.clear_campaign_id();
    e.set_lead_source("Partner");
  });
  MakeContact("carl@example.com");
  auto log = Capture(entry_point, R"({"emailAddress": "carl@example.com"})");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->outcome(), v1::CREATED);
  auto leads = Leads();
  ASSERT_THAT(leads, SizeIs(1));
  EXPECT_EQ(leads[0].source(), "Partner");
  EXPECT_THAT(leads[0].team_ids(), SizeIs(0));
  EXPECT_THAT(Members(), SizeIs(0));
  EXPECT_THAT(CampaignActions(), SizeIs(0));
}

// Verifies that concurrent captures of one new address make one lead.
TEST_F(CaptureProcessorTest, ConcurrentCapturesOfOneAddressMakeOneLead) {
  const v1::EntryPoint entry_point = MakeEntryPoint();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (!Capture(entry_point, R"({"emailAddress": "race@example.com"})")
               .ok()) {
        ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_THAT(Leads(), SizeIs(1));
  EXPECT_THAT(CampaignActions(), ElementsAre("Lead Created", "Opted In"));
  EXPECT_THAT(CaptureLogs(), SizeIs(8));
}

TEST_F(CaptureProcessorTest, PolicyCarriesAllowedOrigins) {
  const v1::EntryPoint entry_point = MakeEntryPoint(
      [](v1::EntryPoint& e) { e.add_allowed_origins("https://a.example"); });
  auto policy = processor_->GetPolicy(entry_point.api_key());
  ASSERT_TRUE(policy.ok());
  EXPECT_THAT(policy->allowed_origins(), ElementsAre("https://a.example"));
}

}  // namespace
}  // namespace leadcapture

namespace leadcapture {
namespace {

TEST(ClientContextTest, KeepsOnlyWhatCanBeAnIpAddress) {
  EXPECT_EQ(CleanClientIp("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(CleanClientIp("2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(CleanClientIp("::ffff:192.0.2.1"), "::ffff:192.0.2.1");
  EXPECT_EQ(CleanClientIp("not-an-ip <script>"), "");
  EXPECT_EQ(CleanClientIp(std::string(100, '1')), "");
}

// Verifies that a long User-Agent is cut at a character boundary.
TEST(ClientContextTest, CutsLongUserAgents) {
  EXPECT_EQ(CleanUserAgent("curl/7.88"), "curl/7.88");
  std::string long_agent = std::string(kMaxUserAgentBytes - 1, 'a') + "😀";
  const std::string cut = CleanUserAgent(long_agent);
  EXPECT_EQ(cut, std::string(kMaxUserAgentBytes - 1, 'a'));
  EXPECT_EQ(CleanUserAgent(std::string(200000, 'b')).size(),
            kMaxUserAgentBytes);
}

}  // namespace
}  // namespace leadcapture
