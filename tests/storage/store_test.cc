// The Store conformance suite: the behaviour store.h promises, run against
// every backend (see store_test_backend.h).
#include "storage/store.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/timestamp.pb.h"
#include "gtest/gtest.h"
#include "services/util/status_macros.h"
#include "tests/storage/store_test_backend.h"
#include "tests/testing/proto_matchers.h"
#include "tests/testing/status_matchers.h"

namespace leadcapture::storage {
namespace {

using ::google::protobuf::Timestamp;
using ::leadcapture::testing::EqualsProto;
using ::leadcapture::testing::IsOk;
using ::leadcapture::testing::IsOkAndHolds;
using ::leadcapture::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Optional;
using ::testing::SizeIs;

// A 4-byte UTF-8 character (U+1F600).
constexpr char kEmoji[] = "\xF0\x9F\x98\x80";

Timestamp AtMicros(int64_t micros) {
  Timestamp time;
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  time.set_seconds(seconds);
  time.set_nanos(static_cast<int32_t>(rest * 1000));
  return time;
}

// 2024-03-01T12:00:00.123456Z plus `seconds`.
Timestamp Time(int64_t seconds) {
  return AtMicros((1709294400 + seconds) * int64_t{1000000} + 123456);
}

PageRequest FirstPage(int32_t size = 1000) {
  PageRequest page;
  page.page_size = size;
  return page;
}

PageRequest NextPage(const std::string& token, int32_t size) {
  PageRequest page;
  page.page_size = size;
  page.page_token = token;
  return page;
}

v1::TargetList MakeTargetList(const std::string& id) {
  v1::TargetList list;
  list.set_id(id);
  list.set_name(absl::StrCat("List ", id, " ", kEmoji));
  list.set_description("Newsletter\nsubscribers");
  *list.mutable_created_at() = Time(0);
  *list.mutable_modified_at() = Time(1);
  return list;
}

// Every field set, optional bools to their non-default values.
v1::EntryPoint FullEntryPoint(const std::string& id, const std::string& api_key,
                              const std::string& target_list_id) {
  v1::EntryPoint e;
  e.set_id(id);
  e.set_name(absl::StrCat("Website ", kEmoji));
  e.set_is_active(false);
  e.set_api_key(api_key);
  e.add_payload_fields("firstName");
  e.add_payload_fields("emailAddress");
  e.add_payload_fields("phoneNumber");
  e.add_required_fields("emailAddress");
  e.set_target_list_id(target_list_id);
  e.set_subscribe_to_target_list(false);
  e.set_subscribe_contact_if_exists(false);
  e.set_target_team_id("team-1");
  e.set_campaign_id("campaign-1");
  e.set_lead_source("Web Site \"quoted\", comma");
  e.set_duplicate_check(false);
  e.set_phone_country("DE");
  e.add_allowed_origins("https://example.com");
  e.add_allowed_origins(absl::StrCat("https://", kEmoji, ".example:8443"));
  *e.mutable_created_at() = Time(10);
  *e.mutable_modified_at() = Time(20);
  return e;
}

v1::EntryPoint MinimalEntryPoint(const std::string& id,
                                 const std::string& api_key) {
  v1::EntryPoint e;
  e.set_id(id);
  e.set_api_key(api_key);
  return e;
}

v1::Lead FullLead(const std::string& id) {
  v1::Lead l;
  l.set_id(id);
  l.set_salutation_name("Dr.");
  l.set_first_name(absl::StrCat("J\xC3\xBCrgen ", kEmoji));
  l.set_middle_name("Maria");
  l.set_last_name("O'Brien");
  l.set_title("CTO");
  l.set_account_name("Example GmbH; DROP TABLE leads; --");
  l.set_email_address(absl::StrCat("J\xC3\x9CRGEN.", id, "@Example.COM"));
  l.set_phone_number("+49301234567");
  l.set_website("https://example.com");
  l.set_address_street(
      "Hauptstra\xC3\x9F"
      "e 1");
  l.set_address_city("Berlin");
  l.set_address_state("BE");
  l.set_address_country("Germany");
  l.set_address_postal_code("10115");
  l.set_description("Line one\nLine two\twith tab");
  l.set_status(v1::IN_PROCESS);
  l.set_source("Web Site");
  l.set_campaign_id("campaign-1");
  l.add_team_ids("team-b");
  l.add_team_ids("team-a");
  l.set_assigned_user_id("user-1");
  l.set_entry_point_id("ep-1");
  *l.mutable_created_at() = Time(30);
  *l.mutable_modified_at() = Time(40);
  return l;
}

v1::Lead MakeLead(const std::string& id, const std::string& email,
                  const std::string& phone, Timestamp created_at) {
  v1::Lead l;
  l.set_id(id);
  l.set_email_address(email);
  l.set_phone_number(phone);
  l.set_status(v1::NEW);
  *l.mutable_created_at() = created_at;
  *l.mutable_modified_at() = created_at;
  return l;
}

v1::Contact FullContact(const std::string& id) {
  v1::Contact c;
  c.set_id(id);
  c.set_salutation_name("Ms.");
  c.set_first_name(absl::StrCat("Ann ", kEmoji));
  c.set_last_name("Lee");
  c.set_email_address(absl::StrCat("Ann.", id, "@Example.org"));
  c.set_phone_number("+442071234567");
  *c.mutable_created_at() = Time(50);
  *c.mutable_modified_at() = Time(60);
  return c;
}

v1::Contact MakeContact(const std::string& id, const std::string& email,
                        const std::string& phone, Timestamp created_at) {
  v1::Contact c;
  c.set_id(id);
  c.set_email_address(email);
  c.set_phone_number(phone);
  *c.mutable_created_at() = created_at;
  return c;
}

template <typename Named>
Named MakeNamed(const std::string& id) {
  Named n;
  n.set_id(id);
  n.set_name(absl::StrCat("Name of ", id, " ", kEmoji));
  *n.mutable_created_at() = Time(70);
  *n.mutable_modified_at() = Time(80);
  return n;
}

v1::CampaignLogEntry MakeLogEntry(const std::string& id,
                                  const std::string& campaign_id) {
  v1::CampaignLogEntry c;
  c.set_id(id);
  c.set_campaign_id(campaign_id);
  c.set_action("Opted In");
  c.set_parent_type("lead");
  c.set_parent_id("lead-1");
  c.set_data(
      absl::StrCat("{\"targetListId\":\"list-1\",\"x\":\"", kEmoji, "\"}"));
  *c.mutable_created_at() = Time(90);
  return c;
}

v1::CaptureLog MakeCaptureLog(const std::string& id,
                              const std::string& entry_point_id) {
  v1::CaptureLog c;
  c.set_id(id);
  c.set_entry_point_id(entry_point_id);
  c.set_target_type("lead");
  c.set_target_id("lead-1");
  c.set_is_created(true);
  c.set_payload(absl::StrCat("{\"firstName\":\"", kEmoji, "\"}"));
  c.set_outcome(v1::DUPLICATE_LEAD);
  c.set_client_ip("2001:db8::1");
  c.set_user_agent("Mozilla/5.0 (X11; Linux x86_64)");
  c.set_description("duplicate of lead-1");
  *c.mutable_created_at() = Time(100);
  return c;
}

// The absl::Time of a Timestamp.
absl::Time ToTime(const Timestamp& time) {
  return absl::FromUnixSeconds(time.seconds()) +
         absl::Nanoseconds(time.nanos());
}

v1::EmailTemplate MakeEmailTemplate(const std::string& id) {
  v1::EmailTemplate t;
  t.set_id(id);
  t.set_name(absl::StrCat("Welcome ", id, " ", kEmoji));
  t.set_subject(absl::StrCat("Please confirm, {Person.firstName} ", kEmoji));
  t.set_body(
      "<p>Hello {Person.firstName},</p>\n"
      "<p><a href=\"{optInUrl}\">Confirm</a> \xE2\x80\x93 {optInDate}</p>");
  t.set_is_html(true);
  *t.mutable_created_at() = Time(110);
  *t.mutable_modified_at() = Time(120);
  return t;
}

// `e` with every opt-in setting (fields 18-26) set to a non-default value.
v1::EntryPoint WithOptIn(v1::EntryPoint e, const std::string& template_id) {
  e.set_opt_in(true);
  e.set_opt_in_template_id(template_id);
  e.set_opt_in_lifetime_hours(72);
  e.set_opt_in_success_message(
      absl::StrCat("**Thank you!** You are subscribed ", kEmoji, "\n\n- one"));
  e.set_opt_in_success_redirect_url("https://example.com/thanks?a=1&b=2");
  e.set_create_lead_before_confirmation(true);
  e.set_skip_confirmation_if_subscribed(true);
  e.set_opt_in_confirm_with_button(true);
  e.set_mail_from(absl::StrCat("\"News ", kEmoji, "\" <news@example.com>"));
  return e;
}

// A token hash as the opt-in service makes them: SHA-256, lowercase hex.
std::string TokenHash(int n) {
  std::string hash = absl::StrCat("9f86d081884c7d659a2feaa0c55ad015", n);
  hash.resize(64, 'a');
  return hash;
}

// A pending request: every field but the confirmation ones set.
v1::OptInRequest MakeOptInRequest(const std::string& id,
                                  const std::string& entry_point_id,
                                  const std::string& email,
                                  Timestamp created_at) {
  v1::OptInRequest r;
  r.set_id(id);
  r.set_entry_point_id(entry_point_id);
  r.set_email_address(email);
  r.set_payload(absl::StrCat("{\"emailAddress\":\"", email,
                             "\",\"firstName\":\"", kEmoji, "\"}"));
  *r.mutable_created_at() = created_at;
  *r.mutable_expires_at() =
      AtMicros(absl::ToUnixMicros(ToTime(created_at) + absl::Hours(48)));
  r.set_client_ip("2001:db8::1");
  r.set_user_agent(absl::StrCat("Mozilla/5.0 ", kEmoji));
  return r;
}

// `r` confirmed at `confirmed_at`, with every confirmation field set.
v1::OptInRequest Confirmed(v1::OptInRequest r, Timestamp confirmed_at) {
  r.set_lead_id(absl::StrCat("lead-of-", r.id()));
  *r.mutable_confirmed_at() = confirmed_at;
  r.set_confirm_ip("192.0.2.7");
  r.set_confirm_user_agent("Mail scanner; \"quoted\"");
  return r;
}

// What the store gives back for `r`: the state is not stored.
v1::OptInRequest Stored(v1::OptInRequest r) {
  r.clear_state();
  return r;
}

// A QUEUED mail made at Time(created_seconds), due at once.
v1::OutboxMessage MakeOutboxMessage(const std::string& id,
                                    int64_t created_seconds) {
  v1::OutboxMessage m;
  m.set_id(id);
  m.set_kind("mail");
  m.set_recipient(absl::StrCat("J\xC3\xBCrgen.", id, "@Example.com"));
  m.set_sender("news@example.com");
  m.set_subject(absl::StrCat("Please confirm ", kEmoji));
  m.set_status(v1::QUEUED);
  m.set_opt_in_request_id("oir-1");
  *m.mutable_created_at() = Time(created_seconds);
  *m.mutable_next_attempt_at() = Time(created_seconds);
  return m;
}

// The MIME text of a mail, CRLF line ends, raw UTF-8 in the body.
std::string MailContent(const std::string& id) {
  return absl::StrCat(
      "From: news@example.com\r\nTo: ", id,
      "@example.com\r\nSubject: =?UTF-8?B?UGxlYXNlIGNvbmZpcm0g8J+YgA==?=\r\n"
      "Content-Type: text/plain; charset=UTF-8\r\n\r\nHello ",
      kEmoji, "\r\n.\r\n");
}

std::vector<std::string> ClaimedIds(const std::vector<OutboxItem>& items) {
  std::vector<std::string> ids;
  for (const OutboxItem& item : items) ids.push_back(item.message.id());
  return ids;
}

template <typename T>
std::vector<std::string> Ids(const Page<T>& page) {
  std::vector<std::string> ids;
  for (const T& item : page.items) ids.push_back(item.id());
  return ids;
}

// -- Entry points -----------------------------------------------------------

TEST_P(StoreTest, EntryPointRoundTripsEveryField) {
  const v1::EntryPoint e = FullEntryPoint("ep-1", "key-1", "list-1");
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-1")));
    LC_ASSERT_OK(tx->CreateEntryPoint(e));
    LC_ASSERT_OK(tx->Commit());
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
  EXPECT_THAT(tx->GetEntryPoint("ep-1"), IsOkAndHolds(EqualsProto(e)));
  LC_ASSERT_OK_AND_ASSIGN(Page<v1::EntryPoint> page,
                          tx->ListEntryPoints(FirstPage()));
  ASSERT_THAT(page.items, SizeIs(1));
  EXPECT_THAT(page.items[0], EqualsProto(e));
  EXPECT_THAT(page.next_page_token, IsEmpty());
}

TEST_P(StoreTest, EntryPointKeepsUnsetFieldsUnset) {
  const v1::EntryPoint e = MinimalEntryPoint("ep-1", "key-1");
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateEntryPoint(e));

  LC_ASSERT_OK_AND_ASSIGN(v1::EntryPoint got, tx->GetEntryPoint("ep-1"));
  EXPECT_THAT(got, EqualsProto(e));
  EXPECT_FALSE(got.has_is_active());
  EXPECT_FALSE(got.has_duplicate_check());
  EXPECT_FALSE(got.has_created_at());
}

TEST_P(StoreTest, GetMissingEntryPointIsNotFoundNamingTheKind) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
  EXPECT_THAT(tx->GetEntryPoint("abc"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("entry point abc not found")));
}

TEST_P(StoreTest, CreateEntryPointWithTakenIdIsAlreadyExists) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateEntryPoint(MinimalEntryPoint("ep-1", "key-1")));
  EXPECT_THAT(tx->CreateEntryPoint(MinimalEntryPoint("ep-1", "key-2")),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_P(StoreTest, CreateEntryPointWithTakenApiKeyIsAlreadyExists) {
  const std::string key = "0123456789abcdef0123456789abcdef";
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateEntryPoint(MinimalEntryPoint("ep-1", key)));
  EXPECT_THAT(tx->CreateEntryPoint(MinimalEntryPoint("ep-2", key)),
              StatusIs(absl::StatusCode::kAlreadyExists, Not(HasSubstr(key))));
}

TEST_P(StoreTest, CreateEntryPointWithUnknownTargetListFailsPrecondition) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  EXPECT_THAT(
      tx->CreateEntryPoint(FullEntryPoint("ep-1", "key-1", "no-such-list")),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("no-such-list")));
}

TEST_P(StoreTest, FindEntryPointByApiKeyFindsInactiveOnes) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  v1::EntryPoint e = FullEntryPoint("ep-1", "key-1", "");
  ASSERT_FALSE(e.is_active());
  LC_ASSERT_OK(tx->CreateEntryPoint(e));
  LC_ASSERT_OK(tx->CreateEntryPoint(MinimalEntryPoint("ep-2", "key-2")));

  EXPECT_THAT(tx->FindEntryPointByApiKey("key-1"),
              IsOkAndHolds(Optional(EqualsProto(e))));
  EXPECT_THAT(tx->FindEntryPointByApiKey("KEY-1"),
              IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(tx->FindEntryPointByApiKey("key-3"),
              IsOkAndHolds(Eq(std::nullopt)));
}

TEST_P(StoreTest, UpdateEntryPointReplacesEveryField) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-1")));
  LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-2")));
  LC_ASSERT_OK(tx->CreateEntryPoint(FullEntryPoint("ep-1", "key-1", "list-1")));

  v1::EntryPoint changed = MinimalEntryPoint("ep-1", "key-rotated");
  changed.set_name("Renamed");
  changed.set_is_active(true);
  changed.add_payload_fields("lastName");
  changed.set_target_list_id("list-2");
  changed.set_duplicate_check(true);
  *changed.mutable_created_at() = Time(11);
  *changed.mutable_modified_at() = Time(21);
  LC_ASSERT_OK(tx->UpdateEntryPoint(changed));

  EXPECT_THAT(tx->GetEntryPoint("ep-1"), IsOkAndHolds(EqualsProto(changed)));
  EXPECT_THAT(tx->FindEntryPointByApiKey("key-1"),
              IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(tx->FindEntryPointByApiKey("key-rotated"),
              IsOkAndHolds(Optional(EqualsProto(changed))));
}

TEST_P(StoreTest, UpdateMissingEntryPointIsNotFound) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  EXPECT_THAT(tx->UpdateEntryPoint(MinimalEntryPoint("ep-1", "key-1")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ep-1")));
}

TEST_P(StoreTest, UpdateEntryPointToTakenApiKeyIsAlreadyExists) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateEntryPoint(MinimalEntryPoint("ep-1", "key-1")));
  LC_ASSERT_OK(tx->CreateEntryPoint(MinimalEntryPoint("ep-2", "key-2")));
  EXPECT_THAT(tx->UpdateEntryPoint(MinimalEntryPoint("ep-2", "key-1")),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(tx->GetEntryPoint("ep-2"),
              IsOkAndHolds(EqualsProto(MinimalEntryPoint("ep-2", "key-2"))));
}

TEST_P(StoreTest, UpdateEntryPointToUnknownTargetListFailsPrecondition) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateEntryPoint(MinimalEntryPoint("ep-1", "key-1")));
  v1::EntryPoint changed = MinimalEntryPoint("ep-1", "key-1");
  changed.set_target_list_id("no-such-list");
  EXPECT_THAT(tx->UpdateEntryPoint(changed),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_P(StoreTest, DeleteEntryPointRemovesIt) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateEntryPoint(MinimalEntryPoint("ep-1", "key-1")));
  LC_ASSERT_OK(tx->CreateEntryPoint(MinimalEntryPoint("ep-2", "key-2")));

  LC_ASSERT_OK(tx->DeleteEntryPoint("ep-1"));

  EXPECT_THAT(tx->GetEntryPoint("ep-1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(tx->FindEntryPointByApiKey("key-1"),
              IsOkAndHolds(Eq(std::nullopt)));
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListEntryPoints(FirstPage()));
  EXPECT_THAT(Ids(page), ElementsAre("ep-2"));
}

TEST_P(StoreTest, DeleteMissingEntryPointIsNotFound) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  EXPECT_THAT(tx->DeleteEntryPoint("ep-1"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("entry point ep-1 not found")));
}

// -- Target lists and members -----------------------------------------------

TEST_P(StoreTest, TargetListRoundTripsEveryField) {
  const v1::TargetList list = MakeTargetList("list-1");
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK(tx->CreateTargetList(list));
    LC_ASSERT_OK(tx->Commit());
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
  EXPECT_THAT(tx->GetTargetList("list-1"), IsOkAndHolds(EqualsProto(list)));
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListTargetLists(FirstPage()));
  ASSERT_THAT(page.items, SizeIs(1));
  EXPECT_THAT(page.items[0], EqualsProto(list));
}

TEST_P(StoreTest, MissingTargetListIsNotFound) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  EXPECT_THAT(tx->GetTargetList("list-9"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("target list list-9 not found")));
  EXPECT_THAT(tx->DeleteTargetList("list-9"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(tx->ListMembers("list-9", FirstPage()),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreTest, CreateTargetListWithTakenIdIsAlreadyExists) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-1")));
  EXPECT_THAT(tx->CreateTargetList(MakeTargetList("list-1")),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_P(StoreTest, DeletingTargetListDeletesMembersAndClearsEntryPoints) {
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-1")));
    LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-2")));
    LC_ASSERT_OK(tx->CreateEntryPoint(FullEntryPoint("ep-1", "k1", "list-1")));
    LC_ASSERT_OK(tx->CreateEntryPoint(FullEntryPoint("ep-2", "k2", "list-2")));
    LC_ASSERT_OK(tx->CreateLead(FullLead("lead-1")));
    LC_ASSERT_OK(tx->PutMembership("list-1", MemberType::kLead, "lead-1", false,
                                   absl::FromUnixSeconds(1)));
    LC_ASSERT_OK(tx->PutMembership("list-2", MemberType::kLead, "lead-1", false,
                                   absl::FromUnixSeconds(1)));
    LC_ASSERT_OK(tx->Commit());
  }

  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK(tx->DeleteTargetList("list-1"));
    LC_ASSERT_OK(tx->Commit());
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
  EXPECT_THAT(tx->GetTargetList("list-1"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(tx->GetMembership("list-1", MemberType::kLead, "lead-1"),
              IsOkAndHolds(Eq(std::nullopt)));
  LC_ASSERT_OK_AND_ASSIGN(v1::EntryPoint ep1, tx->GetEntryPoint("ep-1"));
  EXPECT_EQ(ep1.target_list_id(), "");
  EXPECT_EQ(ep1.name(), FullEntryPoint("ep-1", "k1", "").name());

  // The other list is untouched.
  LC_ASSERT_OK_AND_ASSIGN(v1::EntryPoint ep2, tx->GetEntryPoint("ep-2"));
  EXPECT_EQ(ep2.target_list_id(), "list-2");
  EXPECT_TRUE(
      tx->GetMembership("list-2", MemberType::kLead, "lead-1")->has_value());
}

TEST_P(StoreTest, PutMembershipInsertsThenSetsOptedOutKeepingCreatedAt) {
  const absl::Time t1 = absl::FromUnixMicros(1709294400123456);
  const absl::Time t2 = t1 + absl::Hours(1);
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-1")));
  LC_ASSERT_OK(tx->CreateLead(FullLead("lead-1")));

  EXPECT_THAT(tx->GetMembership("list-1", MemberType::kLead, "lead-1"),
              IsOkAndHolds(Eq(std::nullopt)));
  LC_ASSERT_OK(
      tx->PutMembership("list-1", MemberType::kLead, "lead-1", false, t1));
  LC_ASSERT_OK_AND_ASSIGN(
      std::optional<Membership> m,
      tx->GetMembership("list-1", MemberType::kLead, "lead-1"));
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE(m->opted_out);

  LC_ASSERT_OK(
      tx->PutMembership("list-1", MemberType::kLead, "lead-1", true, t2));
  LC_ASSERT_OK_AND_ASSIGN(
      m, tx->GetMembership("list-1", MemberType::kLead, "lead-1"));
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->opted_out);

  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListMembers("list-1", FirstPage()));
  ASSERT_THAT(page.items, SizeIs(1));
  EXPECT_TRUE(page.items[0].opted_out());
  EXPECT_THAT(page.items[0].created_at(),
              EqualsProto(AtMicros(absl::ToUnixMicros(t1))));
  EXPECT_THAT(page.items[0].modified_at(),
              EqualsProto(AtMicros(absl::ToUnixMicros(t2))));
}

TEST_P(StoreTest, PutMembershipOfUnknownListFailsPrecondition) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateLead(FullLead("lead-1")));
  EXPECT_THAT(
      tx->PutMembership("list-9", MemberType::kLead, "lead-1", false,
                        absl::UnixEpoch()),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("list-9")));
}

TEST_P(StoreTest, PutMembershipOfUnknownMemberFailsPrecondition) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-1")));
  LC_ASSERT_OK(tx->CreateLead(FullLead("lead-1")));
  LC_ASSERT_OK(tx->CreateContact(FullContact("contact-1")));

  EXPECT_THAT(tx->PutMembership("list-1", MemberType::kLead, "lead-9", false,
                                absl::UnixEpoch()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("lead lead-9")));
  // The id must name a record of the given type.
  EXPECT_THAT(tx->PutMembership("list-1", MemberType::kLead, "contact-1", false,
                                absl::UnixEpoch()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(tx->PutMembership("list-1", MemberType::kContact, "lead-1", false,
                                absl::UnixEpoch()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListMembers("list-1", FirstPage()));
  EXPECT_THAT(page.items, IsEmpty());
}

TEST_P(StoreTest, DeleteMembershipRemovesOnlyThatMembership) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-1")));
  LC_ASSERT_OK(tx->CreateLead(FullLead("lead-1")));
  LC_ASSERT_OK(tx->CreateLead(FullLead("lead-2")));
  LC_ASSERT_OK(tx->PutMembership("list-1", MemberType::kLead, "lead-1", false,
                                 absl::UnixEpoch()));
  LC_ASSERT_OK(tx->PutMembership("list-1", MemberType::kLead, "lead-2", false,
                                 absl::UnixEpoch()));

  LC_ASSERT_OK(tx->DeleteMembership("list-1", MemberType::kLead, "lead-1"));

  EXPECT_THAT(tx->GetMembership("list-1", MemberType::kLead, "lead-1"),
              IsOkAndHolds(Eq(std::nullopt)));
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListMembers("list-1", FirstPage()));
  EXPECT_THAT(Ids(page), ElementsAre("lead-2"));
  EXPECT_THAT(tx->DeleteMembership("list-1", MemberType::kLead, "lead-1"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(tx->DeleteMembership("list-1", MemberType::kContact, "lead-2"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreTest, ListMembersFillsEmailAndNameInOrderFirstAdded) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-1")));
  v1::Contact contact = FullContact("contact-1");
  LC_ASSERT_OK(tx->CreateContact(contact));
  v1::Lead lead = MakeLead("lead-1", "doe@example.com", "", Time(0));
  lead.set_last_name("Doe");
  LC_ASSERT_OK(tx->CreateLead(lead));
  v1::Lead nameless = MakeLead("lead-2", "", "+15550100", Time(0));
  LC_ASSERT_OK(tx->CreateLead(nameless));

  LC_ASSERT_OK(tx->PutMembership("list-1", MemberType::kContact, "contact-1",
                                 false, absl::FromUnixSeconds(1)));
  LC_ASSERT_OK(tx->PutMembership("list-1", MemberType::kLead, "lead-1", true,
                                 absl::FromUnixSeconds(2)));
  LC_ASSERT_OK(tx->PutMembership("list-1", MemberType::kLead, "lead-2", false,
                                 absl::FromUnixSeconds(3)));
  // Changing a membership does not move it.
  LC_ASSERT_OK(tx->PutMembership("list-1", MemberType::kContact, "contact-1",
                                 true, absl::FromUnixSeconds(4)));

  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListMembers("list-1", FirstPage()));
  ASSERT_THAT(page.items, SizeIs(3));
  const v1::TargetListMember& first = page.items[0];
  EXPECT_EQ(first.type(), "contact");
  EXPECT_EQ(first.id(), "contact-1");
  EXPECT_EQ(first.email_address(), contact.email_address());
  EXPECT_EQ(first.name(), absl::StrCat("Ann ", kEmoji, " Lee"));
  EXPECT_TRUE(first.opted_out());
  EXPECT_EQ(first.created_at().seconds(), 1);
  EXPECT_EQ(first.modified_at().seconds(), 4);

  const v1::TargetListMember& second = page.items[1];
  EXPECT_EQ(second.type(), "lead");
  EXPECT_EQ(second.id(), "lead-1");
  EXPECT_EQ(second.email_address(), "doe@example.com");
  EXPECT_EQ(second.name(), "Doe");
  EXPECT_TRUE(second.opted_out());

  EXPECT_EQ(page.items[2].id(), "lead-2");
  EXPECT_EQ(page.items[2].name(), "");
  EXPECT_FALSE(page.items[2].opted_out());
}

TEST_P(StoreTest, ListMembersPages) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-1")));
  LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-2")));
  for (int i = 0; i < 5; ++i) {
    std::string id = absl::StrCat("lead-", i);
    LC_ASSERT_OK(tx->CreateLead(FullLead(id)));
    LC_ASSERT_OK(tx->PutMembership("list-1", MemberType::kLead, id, false,
                                   absl::UnixEpoch()));
    LC_ASSERT_OK(tx->PutMembership("list-2", MemberType::kLead, id, false,
                                   absl::UnixEpoch()));
  }

  LC_ASSERT_OK_AND_ASSIGN(auto page1, tx->ListMembers("list-1", FirstPage(3)));
  EXPECT_THAT(Ids(page1), ElementsAre("lead-0", "lead-1", "lead-2"));
  ASSERT_THAT(page1.next_page_token, Not(IsEmpty()));
  LC_ASSERT_OK_AND_ASSIGN(
      auto page2,
      tx->ListMembers("list-1", NextPage(page1.next_page_token, 3)));
  EXPECT_THAT(Ids(page2), ElementsAre("lead-3", "lead-4"));
  EXPECT_THAT(page2.next_page_token, IsEmpty());
}

// -- Teams, campaigns and campaign logs -------------------------------------

TEST_P(StoreTest, TeamRoundTripsEveryField) {
  const v1::Team team = MakeNamed<v1::Team>("team-1");
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateTeam(team));

  EXPECT_THAT(tx->GetTeam("team-1"), IsOkAndHolds(EqualsProto(team)));
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListTeams(FirstPage()));
  ASSERT_THAT(page.items, SizeIs(1));
  EXPECT_THAT(page.items[0], EqualsProto(team));
  EXPECT_THAT(tx->CreateTeam(team), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(tx->GetTeam("team-9"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("team team-9 not found")));
}

TEST_P(StoreTest, CampaignRoundTripsEveryField) {
  const v1::Campaign campaign = MakeNamed<v1::Campaign>("campaign-1");
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateCampaign(campaign));

  EXPECT_THAT(tx->GetCampaign("campaign-1"),
              IsOkAndHolds(EqualsProto(campaign)));
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListCampaigns(FirstPage()));
  ASSERT_THAT(page.items, SizeIs(1));
  EXPECT_THAT(page.items[0], EqualsProto(campaign));
  EXPECT_THAT(tx->CreateCampaign(campaign),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(tx->GetCampaign("campaign-9"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("campaign campaign-9 not found")));
}

TEST_P(StoreTest, CampaignLogEntriesRoundTripPerCampaign) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateCampaign(MakeNamed<v1::Campaign>("campaign-1")));
  LC_ASSERT_OK(tx->CreateCampaign(MakeNamed<v1::Campaign>("campaign-2")));
  const v1::CampaignLogEntry a = MakeLogEntry("log-a", "campaign-1");
  const v1::CampaignLogEntry b = MakeLogEntry("log-b", "campaign-2");
  v1::CampaignLogEntry c = MakeLogEntry("log-c", "campaign-1");
  c.set_action("Lead Created");
  c.clear_data();
  LC_ASSERT_OK(tx->AddCampaignLogEntry(a));
  LC_ASSERT_OK(tx->AddCampaignLogEntry(b));
  LC_ASSERT_OK(tx->AddCampaignLogEntry(c));

  LC_ASSERT_OK_AND_ASSIGN(
      auto page, tx->ListCampaignLogEntries("campaign-1", FirstPage()));
  ASSERT_THAT(page.items, SizeIs(2));
  EXPECT_THAT(page.items[0], EqualsProto(a));
  EXPECT_THAT(page.items[1], EqualsProto(c));
  EXPECT_THAT(tx->AddCampaignLogEntry(a),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_P(StoreTest, CampaignLogEntryOfUnknownCampaignFailsPrecondition) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  EXPECT_THAT(
      tx->AddCampaignLogEntry(MakeLogEntry("log-a", "campaign-9")),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("campaign-9")));
  EXPECT_THAT(tx->ListCampaignLogEntries("campaign-9", FirstPage()),
              StatusIs(absl::StatusCode::kNotFound));
}

// -- Contacts ---------------------------------------------------------------

TEST_P(StoreTest, ContactRoundTripsEveryField) {
  const v1::Contact contact = FullContact("contact-1");
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateContact(contact));

  EXPECT_THAT(tx->GetContact("contact-1"), IsOkAndHolds(EqualsProto(contact)));
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListContacts(FirstPage()));
  ASSERT_THAT(page.items, SizeIs(1));
  EXPECT_THAT(page.items[0], EqualsProto(contact));
  EXPECT_THAT(tx->CreateContact(contact),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(tx->GetContact("contact-9"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("contact contact-9 not found")));
}

TEST_P(StoreTest, FindContactByEmailKeyIgnoresAsciiCaseAndPicksOldest) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  // Inserted first but created later.
  LC_ASSERT_OK(tx->CreateContact(
      MakeContact("newer", "Ann@Example.org", "", Time(100))));
  LC_ASSERT_OK(
      tx->CreateContact(MakeContact("older", "ANN@EXAMPLE.ORG", "", Time(50))));
  LC_ASSERT_OK(
      tx->CreateContact(MakeContact("other", "bob@example.org", "", Time(0))));

  LC_ASSERT_OK_AND_ASSIGN(std::optional<v1::Contact> found,
                          tx->FindContactByEmailKey("ann@example.org"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id(), "older");
  EXPECT_EQ(found->email_address(), "ANN@EXAMPLE.ORG");
  EXPECT_THAT(tx->FindContactByEmailKey("ann@example.com"),
              IsOkAndHolds(Eq(std::nullopt)));
}

TEST_P(StoreTest, FindContactByPhonePicksFirstInsertedAmongEquallyOld) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateContact(
      MakeContact("first", "a@example.org", "+49301234567", Time(5))));
  LC_ASSERT_OK(tx->CreateContact(
      MakeContact("second", "b@example.org", "+49301234567", Time(5))));

  LC_ASSERT_OK_AND_ASSIGN(std::optional<v1::Contact> found,
                          tx->FindContactByPhone("+49301234567"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id(), "first");
  EXPECT_THAT(tx->FindContactByPhone("+49301234568"),
              IsOkAndHolds(Eq(std::nullopt)));
}

TEST_P(StoreTest, FindWithEmptyKeyFindsNothing) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateContact(MakeContact("c", "", "", Time(0))));
  LC_ASSERT_OK(tx->CreateLead(MakeLead("l", "", "", Time(0))));

  EXPECT_THAT(tx->FindContactByEmailKey(""), IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(tx->FindContactByPhone(""), IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(tx->FindLeadByEmailKey(""), IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(tx->FindLeadByPhone(""), IsOkAndHolds(Eq(std::nullopt)));
}

// -- Leads ------------------------------------------------------------------

TEST_P(StoreTest, LeadRoundTripsEveryField) {
  const v1::Lead lead = FullLead("lead-1");
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK(tx->CreateLead(lead));
    LC_ASSERT_OK(tx->Commit());
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
  LC_ASSERT_OK_AND_ASSIGN(v1::Lead got, tx->GetLead("lead-1"));
  EXPECT_THAT(got, EqualsProto(lead));
  EXPECT_THAT(got.team_ids(), ElementsAre("team-b", "team-a"));
  EXPECT_EQ(got.first_name(), "J\xC3\xBCrgen \xF0\x9F\x98\x80");
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListLeads("", FirstPage()));
  ASSERT_THAT(page.items, SizeIs(1));
  EXPECT_THAT(page.items[0], EqualsProto(lead));
}

TEST_P(StoreTest, LeadKeepsEveryStatus) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  const v1::LeadStatus statuses[] = {v1::LEAD_STATUS_UNSPECIFIED,
                                     v1::NEW,
                                     v1::ASSIGNED,
                                     v1::IN_PROCESS,
                                     v1::CONVERTED,
                                     v1::RECYCLED,
                                     v1::DEAD};
  for (v1::LeadStatus status : statuses) {
    v1::Lead lead = MakeLead(absl::StrCat("lead-", status), "", "", Time(0));
    lead.set_status(status);
    LC_ASSERT_OK(tx->CreateLead(lead));
    EXPECT_THAT(tx->GetLead(lead.id()), IsOkAndHolds(EqualsProto(lead)));
  }
}

TEST_P(StoreTest, CreateLeadWithTakenIdIsAlreadyExists) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateLead(FullLead("lead-1")));
  v1::Lead again = FullLead("lead-1");
  again.clear_team_ids();
  EXPECT_THAT(tx->CreateLead(again),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("lead lead-1 already exists")));
  EXPECT_THAT(tx->GetLead("lead-1"),
              IsOkAndHolds(EqualsProto(FullLead("lead-1"))));
}

TEST_P(StoreTest, GetMissingLeadIsNotFound) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
  EXPECT_THAT(tx->GetLead("lead-9"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("lead lead-9 not found")));
}

TEST_P(StoreTest, UpdateLeadReplacesEveryFieldAndTeams) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateLead(FullLead("lead-1")));

  v1::Lead changed =
      MakeLead("lead-1", "New@Example.net", "+15551234567", Time(31));
  changed.set_first_name("Renamed");
  changed.set_status(v1::CONVERTED);
  changed.add_team_ids("team-c");
  LC_ASSERT_OK(tx->UpdateLead(changed));

  EXPECT_THAT(tx->GetLead("lead-1"), IsOkAndHolds(EqualsProto(changed)));
  // The stored e-mail key follows the new address.
  EXPECT_THAT(
      tx->FindLeadByEmailKey(EmailKey(FullLead("lead-1").email_address())),
      IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(tx->FindLeadByEmailKey("new@example.net"),
              IsOkAndHolds(Optional(EqualsProto(changed))));
  EXPECT_THAT(tx->FindLeadByPhone("+15551234567"),
              IsOkAndHolds(Optional(EqualsProto(changed))));
}

TEST_P(StoreTest, UpdateMissingLeadIsNotFound) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  EXPECT_THAT(tx->UpdateLead(FullLead("lead-9")),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("lead lead-9 not found")));
  EXPECT_THAT(tx->GetLead("lead-9"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreTest, ListLeadsFiltersByEntryPoint) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  for (int i = 0; i < 5; ++i) {
    v1::Lead lead = FullLead(absl::StrCat("lead-", i));
    lead.set_entry_point_id(i % 2 == 0 ? "ep-even" : "ep-odd");
    LC_ASSERT_OK(tx->CreateLead(lead));
  }

  LC_ASSERT_OK_AND_ASSIGN(auto even, tx->ListLeads("ep-even", FirstPage()));
  EXPECT_THAT(Ids(even), ElementsAre("lead-0", "lead-2", "lead-4"));
  EXPECT_THAT(even.items[1].team_ids(), ElementsAre("team-b", "team-a"));
  LC_ASSERT_OK_AND_ASSIGN(auto odd, tx->ListLeads("ep-odd", FirstPage(1)));
  EXPECT_THAT(Ids(odd), ElementsAre("lead-1"));
  LC_ASSERT_OK_AND_ASSIGN(
      odd, tx->ListLeads("ep-odd", NextPage(odd.next_page_token, 1)));
  EXPECT_THAT(Ids(odd), ElementsAre("lead-3"));
  EXPECT_THAT(odd.next_page_token, IsEmpty());
  LC_ASSERT_OK_AND_ASSIGN(auto none, tx->ListLeads("ep-none", FirstPage()));
  EXPECT_THAT(none.items, IsEmpty());
  LC_ASSERT_OK_AND_ASSIGN(auto all, tx->ListLeads("", FirstPage()));
  EXPECT_THAT(all.items, SizeIs(5));
}

TEST_P(StoreTest, FindLeadByEmailKeyPicksOldest) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(
      tx->CreateLead(MakeLead("late", "Ann@Example.org", "", Time(300))));
  LC_ASSERT_OK(
      tx->CreateLead(MakeLead("early-1", "ann@example.ORG", "", Time(100))));
  LC_ASSERT_OK(
      tx->CreateLead(MakeLead("early-2", "ANN@example.org", "", Time(100))));

  LC_ASSERT_OK_AND_ASSIGN(std::optional<v1::Lead> found,
                          tx->FindLeadByEmailKey("ann@example.org"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id(), "early-1");
  EXPECT_EQ(found->email_address(), "ann@example.ORG");
}

TEST_P(StoreTest, FindLeadByEmailKeyComparesNonAsciiBytesExactly) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  // "\xC3\x84" is A-umlaut; its lowercase form is not matched.
  LC_ASSERT_OK(tx->CreateLead(MakeLead("lead-1",
                                       "\xC3\x84"
                                       "BC@X.DE",
                                       "", Time(0))));

  EXPECT_THAT(tx->FindLeadByEmailKey("\xC3\x84"
                                     "bc@x.de"),
              IsOkAndHolds(Optional(EqualsProto(MakeLead("lead-1",
                                                         "\xC3\x84"
                                                         "BC@X.DE",
                                                         "", Time(0))))));
  EXPECT_THAT(tx->FindLeadByEmailKey("\xC3\xA4"
                                     "bc@x.de"),
              IsOkAndHolds(Eq(std::nullopt)));
}

TEST_P(StoreTest, FindLeadByPhonePicksOldestWithItsTeams) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateLead(
      MakeLead("late", "a@example.org", "+49301234567", Time(300))));
  v1::Lead early = FullLead("early");
  *early.mutable_created_at() = Time(1);
  LC_ASSERT_OK(tx->CreateLead(early));

  EXPECT_THAT(tx->FindLeadByPhone("+49301234567"),
              IsOkAndHolds(Optional(EqualsProto(early))));
}

// -- Capture logs -----------------------------------------------------------

TEST_P(StoreTest, CaptureLogsRoundTripAndFilterByEntryPoint) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  const v1::CaptureLog a = MakeCaptureLog("log-a", "ep-1");
  const v1::CaptureLog b = MakeCaptureLog("log-b", "ep-2");
  v1::CaptureLog c = MakeCaptureLog("log-c", "ep-1");
  c.set_outcome(v1::PENDING_OPT_IN);
  c.set_is_created(false);
  c.clear_target_type();
  c.clear_target_id();
  LC_ASSERT_OK(tx->AddCaptureLog(a));
  LC_ASSERT_OK(tx->AddCaptureLog(b));
  LC_ASSERT_OK(tx->AddCaptureLog(c));

  LC_ASSERT_OK_AND_ASSIGN(auto ep1, tx->ListCaptureLogs("ep-1", FirstPage()));
  ASSERT_THAT(ep1.items, SizeIs(2));
  EXPECT_THAT(ep1.items[0], EqualsProto(a));
  EXPECT_THAT(ep1.items[1], EqualsProto(c));
  LC_ASSERT_OK_AND_ASSIGN(auto all, tx->ListCaptureLogs("", FirstPage()));
  EXPECT_THAT(Ids(all), ElementsAre("log-a", "log-b", "log-c"));
  EXPECT_THAT(tx->AddCaptureLog(a), StatusIs(absl::StatusCode::kAlreadyExists));
}

// -- E-mail templates and entry point opt-in settings ----------------------

TEST_P(StoreTest, EmailTemplateRoundTripsEveryField) {
  const v1::EmailTemplate t = MakeEmailTemplate("tpl-1");
  v1::EmailTemplate text = MakeEmailTemplate("tpl-2");
  text.set_is_html(false);
  text.clear_created_at();
  text.clear_modified_at();
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK(tx->CreateEmailTemplate(t));
    LC_ASSERT_OK(tx->CreateEmailTemplate(text));
    LC_ASSERT_OK(tx->Commit());
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
  EXPECT_THAT(tx->GetEmailTemplate("tpl-1"), IsOkAndHolds(EqualsProto(t)));
  LC_ASSERT_OK_AND_ASSIGN(v1::EmailTemplate got, tx->GetEmailTemplate("tpl-2"));
  EXPECT_THAT(got, EqualsProto(text));
  EXPECT_FALSE(got.has_created_at());
  LC_ASSERT_OK_AND_ASSIGN(Page<v1::EmailTemplate> page,
                          tx->ListEmailTemplates(FirstPage()));
  ASSERT_THAT(page.items, SizeIs(2));
  EXPECT_THAT(page.items[0], EqualsProto(t));
  EXPECT_THAT(page.items[1], EqualsProto(text));
  EXPECT_THAT(page.next_page_token, IsEmpty());
}

TEST_P(StoreTest, MissingEmailTemplateIsNotFoundNamingTheKind) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  EXPECT_THAT(tx->GetEmailTemplate("tpl-1"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("e-mail template tpl-1 not found")));
  EXPECT_THAT(tx->UpdateEmailTemplate(MakeEmailTemplate("tpl-1")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("tpl-1")));
  EXPECT_THAT(tx->DeleteEmailTemplate("tpl-1"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("tpl-1")));
}

TEST_P(StoreTest, CreateEmailTemplateWithTakenIdIsAlreadyExists) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateEmailTemplate(MakeEmailTemplate("tpl-1")));
  EXPECT_THAT(tx->CreateEmailTemplate(MakeEmailTemplate("tpl-1")),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_P(StoreTest, UpdateEmailTemplateReplacesEveryField) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateEmailTemplate(MakeEmailTemplate("tpl-1")));
  LC_ASSERT_OK(tx->CreateEmailTemplate(MakeEmailTemplate("tpl-2")));

  v1::EmailTemplate changed;
  changed.set_id("tpl-1");
  changed.set_name("Plain");
  changed.set_subject("Confirm");
  changed.set_body(absl::StrCat("Click {optInUrl} ", kEmoji));
  *changed.mutable_modified_at() = Time(130);
  LC_ASSERT_OK(tx->UpdateEmailTemplate(changed));

  EXPECT_THAT(tx->GetEmailTemplate("tpl-1"),
              IsOkAndHolds(EqualsProto(changed)));
  EXPECT_THAT(tx->GetEmailTemplate("tpl-2"),
              IsOkAndHolds(EqualsProto(MakeEmailTemplate("tpl-2"))));
}

TEST_P(StoreTest, DeleteEmailTemplateRemovesItAndClearsEntryPoints) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateEmailTemplate(MakeEmailTemplate("tpl-1")));
  LC_ASSERT_OK(tx->CreateEmailTemplate(MakeEmailTemplate("tpl-2")));
  const v1::EntryPoint uses1 =
      WithOptIn(MinimalEntryPoint("ep-1", "key-1"), "tpl-1");
  const v1::EntryPoint uses2 =
      WithOptIn(MinimalEntryPoint("ep-2", "key-2"), "tpl-2");
  LC_ASSERT_OK(tx->CreateEntryPoint(uses1));
  LC_ASSERT_OK(tx->CreateEntryPoint(uses2));

  LC_ASSERT_OK(tx->DeleteEmailTemplate("tpl-1"));

  EXPECT_THAT(tx->GetEmailTemplate("tpl-1"),
              StatusIs(absl::StatusCode::kNotFound));
  LC_ASSERT_OK_AND_ASSIGN(auto templates, tx->ListEmailTemplates(FirstPage()));
  EXPECT_THAT(Ids(templates), ElementsAre("tpl-2"));
  v1::EntryPoint cleared = uses1;
  cleared.clear_opt_in_template_id();
  EXPECT_THAT(tx->GetEntryPoint("ep-1"), IsOkAndHolds(EqualsProto(cleared)));
  EXPECT_THAT(tx->GetEntryPoint("ep-2"), IsOkAndHolds(EqualsProto(uses2)));
}

TEST_P(StoreTest, ListEmailTemplatesPages) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  for (int i = 0; i < 3; ++i) {
    LC_ASSERT_OK(
        tx->CreateEmailTemplate(MakeEmailTemplate(absl::StrCat("tpl-", i))));
  }
  LC_ASSERT_OK_AND_ASSIGN(auto page1, tx->ListEmailTemplates(FirstPage(2)));
  EXPECT_THAT(Ids(page1), ElementsAre("tpl-0", "tpl-1"));
  ASSERT_THAT(page1.next_page_token, Not(IsEmpty()));
  LC_ASSERT_OK_AND_ASSIGN(
      auto page2, tx->ListEmailTemplates(NextPage(page1.next_page_token, 2)));
  EXPECT_THAT(Ids(page2), ElementsAre("tpl-2"));
  EXPECT_THAT(page2.next_page_token, IsEmpty());
}

TEST_P(StoreTest, EntryPointRoundTripsOptInSettings) {
  const v1::EntryPoint e =
      WithOptIn(FullEntryPoint("ep-1", "key-1", "list-1"), "tpl-1");
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-1")));
    LC_ASSERT_OK(tx->CreateEmailTemplate(MakeEmailTemplate("tpl-1")));
    LC_ASSERT_OK(tx->CreateEntryPoint(e));
    LC_ASSERT_OK(tx->Commit());
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
  EXPECT_THAT(tx->GetEntryPoint("ep-1"), IsOkAndHolds(EqualsProto(e)));
  EXPECT_THAT(tx->FindEntryPointByApiKey("key-1"),
              IsOkAndHolds(Optional(EqualsProto(e))));
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListEntryPoints(FirstPage()));
  ASSERT_THAT(page.items, SizeIs(1));
  EXPECT_THAT(page.items[0], EqualsProto(e));
}

TEST_P(StoreTest, OptInWithoutTemplateRoundTrips) {
  const v1::EntryPoint e = WithOptIn(MinimalEntryPoint("ep-1", "key-1"), "");
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateEntryPoint(e));
  EXPECT_THAT(tx->GetEntryPoint("ep-1"), IsOkAndHolds(EqualsProto(e)));
}

TEST_P(StoreTest, UpdateEntryPointReplacesOptInSettings) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateEmailTemplate(MakeEmailTemplate("tpl-1")));
  LC_ASSERT_OK(tx->CreateEmailTemplate(MakeEmailTemplate("tpl-2")));
  const v1::EntryPoint plain = MinimalEntryPoint("ep-1", "key-1");
  LC_ASSERT_OK(tx->CreateEntryPoint(plain));

  const v1::EntryPoint opted = WithOptIn(plain, "tpl-2");
  LC_ASSERT_OK(tx->UpdateEntryPoint(opted));
  EXPECT_THAT(tx->GetEntryPoint("ep-1"), IsOkAndHolds(EqualsProto(opted)));

  LC_ASSERT_OK(tx->UpdateEntryPoint(plain));
  EXPECT_THAT(tx->GetEntryPoint("ep-1"), IsOkAndHolds(EqualsProto(plain)));
}

TEST_P(StoreTest, EntryPointWithUnknownOptInTemplateFailsPrecondition) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  EXPECT_THAT(tx->CreateEntryPoint(
                  WithOptIn(MinimalEntryPoint("ep-1", "key-1"), "tpl-9")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("e-mail template tpl-9 not found")));
  EXPECT_THAT(tx->GetEntryPoint("ep-1"), StatusIs(absl::StatusCode::kNotFound));

  LC_ASSERT_OK(tx->CreateEntryPoint(MinimalEntryPoint("ep-1", "key-1")));
  EXPECT_THAT(
      tx->UpdateEntryPoint(
          WithOptIn(MinimalEntryPoint("ep-1", "key-1"), "tpl-9")),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("tpl-9")));
  EXPECT_THAT(tx->GetEntryPoint("ep-1"),
              IsOkAndHolds(EqualsProto(MinimalEntryPoint("ep-1", "key-1"))));
}

// -- Double opt-in requests -------------------------------------------------

TEST_P(StoreTest, OptInRequestRoundTripsEveryFieldButState) {
  v1::OptInRequest pending =
      MakeOptInRequest("oir-1", "ep-1", "Ann@Example.org", Time(0));
  pending.set_state(v1::PENDING);
  v1::OptInRequest confirmed = Confirmed(
      MakeOptInRequest("oir-2", "ep-1", "Bob@Example.org", Time(1)), Time(2));
  confirmed.set_state(v1::CONFIRMED);
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK(tx->CreateOptInRequest(pending, TokenHash(1)));
    LC_ASSERT_OK(tx->CreateOptInRequest(confirmed, TokenHash(2)));
    LC_ASSERT_OK(tx->Commit());
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
  LC_ASSERT_OK_AND_ASSIGN(v1::OptInRequest got, tx->GetOptInRequest("oir-1"));
  EXPECT_THAT(got, EqualsProto(Stored(pending)));
  EXPECT_FALSE(got.has_confirmed_at());
  EXPECT_THAT(tx->GetOptInRequest("oir-2"),
              IsOkAndHolds(EqualsProto(Stored(confirmed))));
  EXPECT_THAT(tx->FindOptInRequestByTokenHash(TokenHash(2)),
              IsOkAndHolds(Optional(EqualsProto(Stored(confirmed)))));
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListOptInRequests("", FirstPage()));
  ASSERT_THAT(page.items, SizeIs(2));
  EXPECT_THAT(page.items[0], EqualsProto(Stored(pending)));
  EXPECT_THAT(page.items[1], EqualsProto(Stored(confirmed)));
}

TEST_P(StoreTest, MissingOptInRequestIsNotFoundNamingTheKind) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  EXPECT_THAT(tx->GetOptInRequest("oir-1"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("opt-in request oir-1 not found")));
  EXPECT_THAT(tx->UpdateOptInRequest(
                  MakeOptInRequest("oir-1", "ep-1", "a@example.org", Time(0))),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("oir-1")));
  EXPECT_THAT(tx->FindOptInRequestByTokenHash(TokenHash(1)),
              IsOkAndHolds(Eq(std::nullopt)));
}

TEST_P(StoreTest, CreateOptInRequestWithTakenTokenHashIsAlreadyExists) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateOptInRequest(
      MakeOptInRequest("oir-1", "ep-1", "a@example.org", Time(0)),
      TokenHash(1)));

  EXPECT_THAT(
      tx->CreateOptInRequest(
          MakeOptInRequest("oir-2", "ep-2", "b@example.org", Time(1)),
          TokenHash(1)),
      StatusIs(absl::StatusCode::kAlreadyExists, Not(HasSubstr(TokenHash(1)))));
  EXPECT_THAT(tx->CreateOptInRequest(
                  MakeOptInRequest("oir-1", "ep-1", "a@example.org", Time(0)),
                  TokenHash(2)),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(tx->GetOptInRequest("oir-2"),
              StatusIs(absl::StatusCode::kNotFound));
  LC_EXPECT_OK(tx->CreateOptInRequest(
      MakeOptInRequest("oir-2", "ep-2", "b@example.org", Time(1)),
      TokenHash(3)));
}

TEST_P(StoreTest, FindOptInRequestByTokenHashComparesBytesExactly) {
  const v1::OptInRequest r =
      MakeOptInRequest("oir-1", "ep-1", "a@example.org", Time(0));
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateOptInRequest(r, TokenHash(1)));

  EXPECT_THAT(tx->FindOptInRequestByTokenHash(TokenHash(1)),
              IsOkAndHolds(Optional(EqualsProto(r))));
  std::string upper = TokenHash(1);
  for (char& c : upper) c = absl::ascii_toupper(static_cast<unsigned char>(c));
  EXPECT_THAT(tx->FindOptInRequestByTokenHash(upper),
              IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(tx->FindOptInRequestByTokenHash(TokenHash(1).substr(0, 63)),
              IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(tx->FindOptInRequestByTokenHash(""),
              IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(tx->FindOptInRequestByTokenHash("' OR '1'='1"),
              IsOkAndHolds(Eq(std::nullopt)));
}

TEST_P(StoreTest, UpdateOptInRequestRecordsConfirmationKeepingTokenHash) {
  const v1::OptInRequest pending =
      MakeOptInRequest("oir-1", "ep-1", "a@example.org", Time(0));
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateOptInRequest(pending, TokenHash(1)));
  LC_ASSERT_OK(tx->CreateOptInRequest(
      MakeOptInRequest("oir-2", "ep-1", "a@example.org", Time(1)),
      TokenHash(2)));

  const v1::OptInRequest confirmed = Confirmed(pending, Time(60));
  LC_ASSERT_OK(tx->UpdateOptInRequest(confirmed));

  EXPECT_THAT(tx->GetOptInRequest("oir-1"),
              IsOkAndHolds(EqualsProto(confirmed)));
  EXPECT_THAT(tx->FindOptInRequestByTokenHash(TokenHash(1)),
              IsOkAndHolds(Optional(EqualsProto(confirmed))));
  EXPECT_THAT(tx->GetOptInRequest("oir-2"),
              IsOkAndHolds(EqualsProto(MakeOptInRequest(
                  "oir-2", "ep-1", "a@example.org", Time(1)))));

  // Back to pending: an unset time is stored unset.
  LC_ASSERT_OK(tx->UpdateOptInRequest(pending));
  LC_ASSERT_OK_AND_ASSIGN(v1::OptInRequest got, tx->GetOptInRequest("oir-1"));
  EXPECT_THAT(got, EqualsProto(pending));
  EXPECT_FALSE(got.has_confirmed_at());
}

TEST_P(StoreTest, FindConfirmedOptInRequestPicksOldestOfEntryPointAndKey) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  const std::vector<v1::OptInRequest> requests = {
      // Unconfirmed, the oldest of ep-1 and ann.
      MakeOptInRequest("pending", "ep-1", "ann@example.org", Time(10)),
      Confirmed(MakeOptInRequest("newer", "ep-1", "ANN@example.org", Time(30)),
                Time(31)),
      // Confirmed last, created before "newer".
      Confirmed(MakeOptInRequest("oldest", "ep-1", "Ann@Example.org", Time(20)),
                Time(99)),
      Confirmed(
          MakeOptInRequest("same-time", "ep-1", "ann@example.org", Time(20)),
          Time(21)),
      Confirmed(
          MakeOptInRequest("other-ep", "ep-2", "ann@example.org", Time(0)),
          Time(1)),
      Confirmed(
          MakeOptInRequest("other-key", "ep-1", "bob@example.org", Time(0)),
          Time(1)),
  };
  int n = 0;
  for (const v1::OptInRequest& r : requests) {
    LC_ASSERT_OK(tx->CreateOptInRequest(r, TokenHash(n++)));
  }

  LC_ASSERT_OK_AND_ASSIGN(auto found, tx->FindConfirmedOptInRequest(
                                          "ep-1", EmailKey("ann@example.org")));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id(), "oldest");
  EXPECT_THAT(*found, EqualsProto(requests[2]));
  EXPECT_THAT(tx->FindConfirmedOptInRequest("ep-2", "ann@example.org"),
              IsOkAndHolds(Optional(EqualsProto(requests[4]))));
  EXPECT_THAT(tx->FindConfirmedOptInRequest("ep-3", "ann@example.org"),
              IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(tx->FindConfirmedOptInRequest("ep-1", "carl@example.org"),
              IsOkAndHolds(Eq(std::nullopt)));
  // Keys are compared exactly; the caller makes them with EmailKey.
  EXPECT_THAT(tx->FindConfirmedOptInRequest("ep-1", "Ann@Example.org"),
              IsOkAndHolds(Eq(std::nullopt)));
}

TEST_P(StoreTest, FindConfirmedOptInRequestIgnoresPendingOnes) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateOptInRequest(
      MakeOptInRequest("oir-1", "ep-1", "ann@example.org", Time(0)),
      TokenHash(1)));
  EXPECT_THAT(tx->FindConfirmedOptInRequest("ep-1", "ann@example.org"),
              IsOkAndHolds(Eq(std::nullopt)));
}

TEST_P(StoreTest, CountOptInRequestsSinceCountsFromTheBoundaryOn) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  const std::vector<v1::OptInRequest> requests = {
      MakeOptInRequest("r0", "ep-1", "ann@example.org", Time(0)),
      MakeOptInRequest("r100", "ep-1", "ann@example.org", Time(100)),
      Confirmed(MakeOptInRequest("r200", "ep-1", "ANN@example.org", Time(200)),
                Time(201)),
      MakeOptInRequest("other-ep", "ep-2", "ann@example.org", Time(200)),
      MakeOptInRequest("other-key", "ep-1", "bob@example.org", Time(200)),
  };
  int n = 0;
  for (const v1::OptInRequest& r : requests) {
    LC_ASSERT_OK(tx->CreateOptInRequest(r, TokenHash(n++)));
  }
  const std::string key = EmailKey("Ann@Example.org");
  const absl::Time at100 = ToTime(Time(100));

  EXPECT_THAT(tx->CountOptInRequestsSince("ep-1", key, ToTime(Time(0))),
              IsOkAndHolds(3));
  EXPECT_THAT(tx->CountOptInRequestsSince("ep-1", key, at100), IsOkAndHolds(2));
  EXPECT_THAT(
      tx->CountOptInRequestsSince("ep-1", key, at100 + absl::Microseconds(1)),
      IsOkAndHolds(1));
  EXPECT_THAT(
      tx->CountOptInRequestsSince("ep-1", key, at100 - absl::Microseconds(1)),
      IsOkAndHolds(2));
  EXPECT_THAT(tx->CountOptInRequestsSince(
                  "ep-1", key, ToTime(Time(200)) + absl::Microseconds(1)),
              IsOkAndHolds(0));
  EXPECT_THAT(tx->CountOptInRequestsSince("ep-2", key, ToTime(Time(0))),
              IsOkAndHolds(1));
  EXPECT_THAT(tx->CountOptInRequestsSince("ep-3", key, absl::InfinitePast()),
              IsOkAndHolds(0));
}

TEST_P(StoreTest, DeleteUnconfirmedOptInRequestsBeforeKeepsConfirmedAndLive) {
  // MakeOptInRequest's requests expire 48 hours after creation.
  const int64_t kLifetime = 48 * 3600;
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    const std::vector<v1::OptInRequest> requests = {
        MakeOptInRequest("expired-1", "ep-1", "a@example.org", Time(0)),
        MakeOptInRequest("expired-2", "ep-2", "b@example.org", Time(50)),
        // Expires exactly at the cut-off.
        MakeOptInRequest("at-cutoff", "ep-1", "c@example.org", Time(100)),
        MakeOptInRequest("live", "ep-1", "d@example.org", Time(101)),
        Confirmed(
            MakeOptInRequest("confirmed", "ep-1", "e@example.org", Time(0)),
            Time(10)),
    };
    int n = 0;
    for (const v1::OptInRequest& r : requests) {
      LC_ASSERT_OK(tx->CreateOptInRequest(r, TokenHash(n++)));
    }
    LC_ASSERT_OK(tx->Commit());
  }
  const absl::Time cutoff = ToTime(Time(100 + kLifetime));

  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    EXPECT_THAT(tx->DeleteUnconfirmedOptInRequestsBefore(cutoff),
                IsOkAndHolds(2));
    LC_ASSERT_OK(tx->Commit());
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListOptInRequests("", FirstPage()));
  EXPECT_THAT(Ids(page), ElementsAre("at-cutoff", "live", "confirmed"));
  EXPECT_THAT(tx->FindOptInRequestByTokenHash(TokenHash(0)),
              IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(tx->DeleteUnconfirmedOptInRequestsBefore(cutoff),
              IsOkAndHolds(0));
  EXPECT_THAT(tx->DeleteUnconfirmedOptInRequestsBefore(absl::InfiniteFuture()),
              IsOkAndHolds(2));
}

TEST_P(StoreTest, ListOptInRequestsFiltersByEntryPointAndPages) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  int n = 0;
  for (const char* ep : {"ep-1", "ep-2", "ep-1", "ep-1"}) {
    LC_ASSERT_OK(tx->CreateOptInRequest(
        MakeOptInRequest(absl::StrCat("oir-", n), ep, "a@example.org", Time(n)),
        TokenHash(n)));
    ++n;
  }

  LC_ASSERT_OK_AND_ASSIGN(auto page1,
                          tx->ListOptInRequests("ep-1", FirstPage(2)));
  EXPECT_THAT(Ids(page1), ElementsAre("oir-0", "oir-2"));
  ASSERT_THAT(page1.next_page_token, Not(IsEmpty()));
  LC_ASSERT_OK_AND_ASSIGN(
      auto page2,
      tx->ListOptInRequests("ep-1", NextPage(page1.next_page_token, 2)));
  EXPECT_THAT(Ids(page2), ElementsAre("oir-3"));
  EXPECT_THAT(page2.next_page_token, IsEmpty());
  LC_ASSERT_OK_AND_ASSIGN(auto ep2, tx->ListOptInRequests("ep-2", FirstPage()));
  EXPECT_THAT(Ids(ep2), ElementsAre("oir-1"));
  LC_ASSERT_OK_AND_ASSIGN(auto all, tx->ListOptInRequests("", FirstPage()));
  EXPECT_THAT(Ids(all), ElementsAre("oir-0", "oir-1", "oir-2", "oir-3"));
}

// -- Outbox -----------------------------------------------------------------

TEST_P(StoreTest, OutboxMessageRoundTripsAndIsClaimedWithItsContent) {
  const v1::OutboxMessage m = MakeOutboxMessage("mail-1", 0);
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK(tx->EnqueueOutboxMessage(m, MailContent("mail-1")));
    LC_ASSERT_OK(tx->Commit());
  }
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
    LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListOutboxMessages(FirstPage()));
    ASSERT_THAT(page.items, SizeIs(1));
    EXPECT_THAT(page.items[0], EqualsProto(m));
    EXPECT_FALSE(page.items[0].has_sent_at());
  }

  const absl::Time lease_until = ToTime(Time(60));
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK_AND_ASSIGN(
      std::vector<OutboxItem> claimed,
      tx->ClaimOutboxMessages(ToTime(Time(1)), lease_until, 10));
  ASSERT_THAT(claimed, SizeIs(1));
  v1::OutboxMessage leased = m;
  leased.set_attempts(1);
  *leased.mutable_next_attempt_at() = Time(60);
  EXPECT_THAT(claimed[0].message, EqualsProto(leased));
  EXPECT_EQ(claimed[0].content, MailContent("mail-1"));
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListOutboxMessages(FirstPage()));
  ASSERT_THAT(page.items, SizeIs(1));
  EXPECT_THAT(page.items[0], EqualsProto(leased));
}

TEST_P(StoreTest, EnqueueOutboxMessageWithTakenIdIsAlreadyExists) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->EnqueueOutboxMessage(MakeOutboxMessage("mail-1", 0), "a"));
  EXPECT_THAT(tx->EnqueueOutboxMessage(MakeOutboxMessage("mail-1", 1), "b"),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("mail-1")));
}

TEST_P(StoreTest, ClaimTakesDueQueuedMessagesOldestFirstUpToTheLimit) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  v1::OutboxMessage later = MakeOutboxMessage("later", 0);
  *later.mutable_next_attempt_at() = Time(11);
  v1::OutboxMessage failed = MakeOutboxMessage("failed", 0);
  failed.set_status(v1::FAILED);
  v1::OutboxMessage sent = MakeOutboxMessage("sent", 0);
  sent.set_status(v1::SENT);
  *sent.mutable_sent_at() = Time(1);
  for (const v1::OutboxMessage& m :
       {MakeOutboxMessage("third", 5), MakeOutboxMessage("first", 2),
        MakeOutboxMessage("second", 2), later, failed, sent}) {
    LC_ASSERT_OK(tx->EnqueueOutboxMessage(m, MailContent(m.id())));
  }
  const absl::Time now = ToTime(Time(10));
  const absl::Time lease_until = ToTime(Time(70));

  LC_ASSERT_OK_AND_ASSIGN(auto first,
                          tx->ClaimOutboxMessages(now, lease_until, 2));
  EXPECT_THAT(ClaimedIds(first), ElementsAre("first", "second"));
  for (const OutboxItem& item : first) {
    EXPECT_EQ(item.content, MailContent(item.message.id()));
    EXPECT_EQ(item.message.attempts(), 1);
    EXPECT_THAT(item.message.next_attempt_at(), EqualsProto(Time(70)));
  }
  LC_ASSERT_OK_AND_ASSIGN(auto second,
                          tx->ClaimOutboxMessages(now, lease_until, 10));
  EXPECT_THAT(ClaimedIds(second), ElementsAre("third"));
  EXPECT_THAT(tx->ClaimOutboxMessages(now, lease_until, 10),
              IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(tx->ClaimOutboxMessages(ToTime(Time(1000)), lease_until, 0),
              IsOkAndHolds(IsEmpty()));
  // "later" is due at 11.
  LC_ASSERT_OK_AND_ASSIGN(
      auto at11, tx->ClaimOutboxMessages(ToTime(Time(11)), lease_until, 10));
  EXPECT_THAT(ClaimedIds(at11), ElementsAre("later"));
  // Once every lease has run out, all QUEUED ones are due again, in order
  // of creation; FAILED and SENT ones never are.
  LC_ASSERT_OK_AND_ASSIGN(auto all,
                          tx->ClaimOutboxMessages(absl::InfiniteFuture(),
                                                  absl::InfiniteFuture(), 10));
  EXPECT_THAT(ClaimedIds(all),
              ElementsAre("later", "first", "second", "third"));
}

TEST_P(StoreTest, ClaimedMessageIsClaimedAgainOnlyWhenItsLeaseEnds) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->EnqueueOutboxMessage(MakeOutboxMessage("mail-1", 0),
                                        MailContent("mail-1")));
  const absl::Time lease_end = ToTime(Time(60));
  LC_ASSERT_OK_AND_ASSIGN(
      auto first, tx->ClaimOutboxMessages(ToTime(Time(0)), lease_end, 10));
  ASSERT_THAT(ClaimedIds(first), ElementsAre("mail-1"));

  EXPECT_THAT(tx->ClaimOutboxMessages(lease_end - absl::Microseconds(1),
                                      lease_end + absl::Seconds(60), 10),
              IsOkAndHolds(IsEmpty()));
  LC_ASSERT_OK_AND_ASSIGN(
      auto again,
      tx->ClaimOutboxMessages(lease_end, lease_end + absl::Seconds(60), 10));
  ASSERT_THAT(again, SizeIs(1));
  EXPECT_EQ(again[0].message.attempts(), 2);
  EXPECT_THAT(again[0].message.next_attempt_at(), EqualsProto(Time(120)));
  EXPECT_EQ(again[0].content, MailContent("mail-1"));
}

TEST_P(StoreTest, MessageWithUnsetNextAttemptIsDueAtOnce) {
  v1::OutboxMessage m = MakeOutboxMessage("mail-1", 0);
  m.clear_next_attempt_at();
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->EnqueueOutboxMessage(m, "content"));
  LC_ASSERT_OK_AND_ASSIGN(auto listed, tx->ListOutboxMessages(FirstPage()));
  ASSERT_THAT(listed.items, SizeIs(1));
  EXPECT_FALSE(listed.items[0].has_next_attempt_at());

  LC_ASSERT_OK_AND_ASSIGN(
      auto claimed,
      tx->ClaimOutboxMessages(absl::InfinitePast(), ToTime(Time(60)), 10));
  EXPECT_THAT(ClaimedIds(claimed), ElementsAre("mail-1"));
}

TEST_P(StoreTest, UncommittedClaimLeavesMessageDue) {
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK(tx->EnqueueOutboxMessage(MakeOutboxMessage("mail-1", 0),
                                          MailContent("mail-1")));
    LC_ASSERT_OK(tx->Commit());
  }
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK_AND_ASSIGN(
        auto claimed,
        tx->ClaimOutboxMessages(ToTime(Time(0)), ToTime(Time(60)), 10));
    ASSERT_THAT(claimed, SizeIs(1));
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK_AND_ASSIGN(
      auto claimed,
      tx->ClaimOutboxMessages(ToTime(Time(0)), ToTime(Time(60)), 10));
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_EQ(claimed[0].message.attempts(), 1);
}

TEST_P(StoreTest, MarkOutboxMessageSentKeepsLastErrorAndEndsClaims) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  const v1::OutboxMessage m = MakeOutboxMessage("mail-1", 0);
  LC_ASSERT_OK(tx->EnqueueOutboxMessage(m, MailContent("mail-1")));
  LC_ASSERT_OK(tx->EnqueueOutboxMessage(MakeOutboxMessage("mail-2", 0),
                                        MailContent("mail-2")));
  LC_ASSERT_OK(
      tx->ClaimOutboxMessages(ToTime(Time(0)), ToTime(Time(60)), 1).status());
  const std::string error = absl::StrCat("421 try again later ", kEmoji);
  LC_ASSERT_OK(tx->MarkOutboxMessageFailed("mail-1", error, ToTime(Time(30)),
                                           /*give_up=*/false));

  LC_ASSERT_OK(tx->MarkOutboxMessageSent("mail-1", ToTime(Time(31))));

  v1::OutboxMessage sent = m;
  sent.set_status(v1::SENT);
  sent.set_attempts(1);
  sent.set_last_error(error);
  *sent.mutable_next_attempt_at() = Time(30);
  *sent.mutable_sent_at() = Time(31);
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListOutboxMessages(FirstPage()));
  ASSERT_THAT(page.items, SizeIs(2));
  EXPECT_THAT(page.items[0], EqualsProto(sent));
  LC_ASSERT_OK_AND_ASSIGN(auto claimed,
                          tx->ClaimOutboxMessages(absl::InfiniteFuture(),
                                                  absl::InfiniteFuture(), 10));
  EXPECT_THAT(ClaimedIds(claimed), ElementsAre("mail-2"));
}

TEST_P(StoreTest, MarkOutboxMessageFailedReschedulesTheNextAttempt) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->EnqueueOutboxMessage(MakeOutboxMessage("mail-1", 0),
                                        MailContent("mail-1")));
  LC_ASSERT_OK(
      tx->ClaimOutboxMessages(ToTime(Time(0)), ToTime(Time(60)), 10).status());

  LC_ASSERT_OK(tx->MarkOutboxMessageFailed("mail-1", "connection refused",
                                           ToTime(Time(5)), /*give_up=*/false));

  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListOutboxMessages(FirstPage()));
  ASSERT_THAT(page.items, SizeIs(1));
  EXPECT_EQ(page.items[0].status(), v1::QUEUED);
  EXPECT_EQ(page.items[0].last_error(), "connection refused");
  EXPECT_EQ(page.items[0].attempts(), 1);
  EXPECT_THAT(page.items[0].next_attempt_at(), EqualsProto(Time(5)));
  EXPECT_THAT(tx->ClaimOutboxMessages(ToTime(Time(4)), ToTime(Time(60)), 10),
              IsOkAndHolds(IsEmpty()));
  LC_ASSERT_OK_AND_ASSIGN(
      auto again,
      tx->ClaimOutboxMessages(ToTime(Time(5)), ToTime(Time(60)), 10));
  ASSERT_THAT(again, SizeIs(1));
  EXPECT_EQ(again[0].message.attempts(), 2);
  EXPECT_EQ(again[0].message.last_error(), "connection refused");
  EXPECT_EQ(again[0].content, MailContent("mail-1"));
}

TEST_P(StoreTest, MarkOutboxMessageFailedGivingUpEndsClaims) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->EnqueueOutboxMessage(MakeOutboxMessage("mail-1", 0),
                                        MailContent("mail-1")));
  LC_ASSERT_OK(
      tx->ClaimOutboxMessages(ToTime(Time(0)), ToTime(Time(60)), 10).status());

  LC_ASSERT_OK(tx->MarkOutboxMessageFailed("mail-1", "550 no such user",
                                           ToTime(Time(5)), /*give_up=*/true));

  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListOutboxMessages(FirstPage()));
  ASSERT_THAT(page.items, SizeIs(1));
  EXPECT_EQ(page.items[0].status(), v1::FAILED);
  EXPECT_EQ(page.items[0].last_error(), "550 no such user");
  EXPECT_EQ(page.items[0].attempts(), 1);
  EXPECT_FALSE(page.items[0].has_sent_at());
  EXPECT_THAT(tx->ClaimOutboxMessages(absl::InfiniteFuture(),
                                      absl::InfiniteFuture(), 10),
              IsOkAndHolds(IsEmpty()));
}

TEST_P(StoreTest, MarkingUnknownOutboxMessageIsNotFound) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->EnqueueOutboxMessage(MakeOutboxMessage("mail-1", 0), "a"));
  EXPECT_THAT(tx->MarkOutboxMessageSent("mail-9", ToTime(Time(1))),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("outbox message mail-9 not found")));
  for (bool give_up : {false, true}) {
    EXPECT_THAT(
        tx->MarkOutboxMessageFailed("mail-9", "x", ToTime(Time(1)), give_up),
        StatusIs(absl::StatusCode::kNotFound, HasSubstr("mail-9")));
  }
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListOutboxMessages(FirstPage()));
  ASSERT_THAT(page.items, SizeIs(1));
  EXPECT_THAT(page.items[0], EqualsProto(MakeOutboxMessage("mail-1", 0)));
}

TEST_P(StoreTest, ListOutboxMessagesPagesInInsertionOrder) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  for (int i = 0; i < 3; ++i) {
    LC_ASSERT_OK(tx->EnqueueOutboxMessage(
        MakeOutboxMessage(absl::StrCat("mail-", i), 10 - i), "x"));
  }
  LC_ASSERT_OK_AND_ASSIGN(auto page1, tx->ListOutboxMessages(FirstPage(2)));
  EXPECT_THAT(Ids(page1), ElementsAre("mail-0", "mail-1"));
  ASSERT_THAT(page1.next_page_token, Not(IsEmpty()));
  LC_ASSERT_OK_AND_ASSIGN(
      auto page2, tx->ListOutboxMessages(NextPage(page1.next_page_token, 2)));
  EXPECT_THAT(Ids(page2), ElementsAre("mail-2"));
  EXPECT_THAT(page2.next_page_token, IsEmpty());
}

// -- Pagination and times ---------------------------------------------------

TEST_P(StoreTest, ListsPageOldestFirstWithTokens) {
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    for (int i = 0; i < 7; ++i) {
      LC_ASSERT_OK(tx->CreateTeam(MakeNamed<v1::Team>(absl::StrCat("t", i))));
    }
    LC_ASSERT_OK(tx->Commit());
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
  LC_ASSERT_OK_AND_ASSIGN(auto page1, tx->ListTeams(FirstPage(3)));
  EXPECT_THAT(Ids(page1), ElementsAre("t0", "t1", "t2"));
  ASSERT_THAT(page1.next_page_token, Not(IsEmpty()));
  LC_ASSERT_OK_AND_ASSIGN(auto page2,
                          tx->ListTeams(NextPage(page1.next_page_token, 3)));
  EXPECT_THAT(Ids(page2), ElementsAre("t3", "t4", "t5"));
  ASSERT_THAT(page2.next_page_token, Not(IsEmpty()));
  LC_ASSERT_OK_AND_ASSIGN(auto page3,
                          tx->ListTeams(NextPage(page2.next_page_token, 3)));
  EXPECT_THAT(Ids(page3), ElementsAre("t6"));
  EXPECT_THAT(page3.next_page_token, IsEmpty());
}

TEST_P(StoreTest, ExactlyFullLastPageHasNoToken) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  for (int i = 0; i < 3; ++i) {
    LC_ASSERT_OK(
        tx->CreateCampaign(MakeNamed<v1::Campaign>(absl::StrCat("c", i))));
  }
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListCampaigns(FirstPage(3)));
  EXPECT_THAT(page.items, SizeIs(3));
  EXPECT_THAT(page.next_page_token, IsEmpty());

  LC_ASSERT_OK_AND_ASSIGN(auto empty, tx->ListTargetLists(FirstPage(3)));
  EXPECT_THAT(empty.items, IsEmpty());
  EXPECT_THAT(empty.next_page_token, IsEmpty());
}

TEST_P(StoreTest, DeletedRowsDoNotBreakPageTokens) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  for (int i = 0; i < 4; ++i) {
    LC_ASSERT_OK(tx->CreateEntryPoint(
        MinimalEntryPoint(absl::StrCat("ep-", i), absl::StrCat("key-", i))));
  }
  LC_ASSERT_OK_AND_ASSIGN(auto page1, tx->ListEntryPoints(FirstPage(2)));
  EXPECT_THAT(Ids(page1), ElementsAre("ep-0", "ep-1"));

  LC_ASSERT_OK(tx->DeleteEntryPoint("ep-1"));
  LC_ASSERT_OK(tx->DeleteEntryPoint("ep-2"));

  LC_ASSERT_OK_AND_ASSIGN(
      auto page2, tx->ListEntryPoints(NextPage(page1.next_page_token, 2)));
  EXPECT_THAT(Ids(page2), ElementsAre("ep-3"));
  EXPECT_THAT(page2.next_page_token, IsEmpty());
}

TEST_P(StoreTest, MalformedPageTokenIsInvalidArgument) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-1")));
  LC_ASSERT_OK(tx->CreateCampaign(MakeNamed<v1::Campaign>("campaign-1")));
  for (const char* token :
       {"abc", "-1", "1x", " 1", "+1", "99999999999999999999999"}) {
    SCOPED_TRACE(token);
    PageRequest page = NextPage(token, 10);
    EXPECT_THAT(tx->ListEntryPoints(page),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(tx->ListTargetLists(page),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(tx->ListMembers("list-1", page),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(tx->ListTeams(page),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(tx->ListCampaigns(page),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(tx->ListCampaignLogEntries("campaign-1", page),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(tx->ListContacts(page),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(tx->ListLeads("", page),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(tx->ListLeads("ep-1", page),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(tx->ListCaptureLogs("", page),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(tx->ListEmailTemplates(page),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(tx->ListOptInRequests("", page),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(tx->ListOptInRequests("ep-1", page),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(tx->ListOutboxMessages(page),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  // The transaction goes on after the errors.
  LC_EXPECT_OK(tx->Commit());
}

TEST_P(StoreTest, TimesRoundTripToTheMicrosecond) {
  const int64_t micros[] = {
      0,                   // the epoch itself, set
      1,                   // one microsecond
      -1,                  // just before the epoch
      -2208988800000001,   // 1899-12-31T23:59:59.999999Z
      1709294400123456,    // 2024-03-01T12:00:00.123456Z
      253402300799999999,  // 9999-12-31T23:59:59.999999Z
  };
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  int i = 0;
  for (int64_t value : micros) {
    v1::Team team;
    team.set_id(absl::StrCat("t", i++));
    *team.mutable_created_at() = AtMicros(value);
    *team.mutable_modified_at() = AtMicros(value);
    LC_ASSERT_OK(tx->CreateTeam(team));
    EXPECT_THAT(tx->GetTeam(team.id()), IsOkAndHolds(EqualsProto(team)));
  }
  v1::Team unset;
  unset.set_id("unset");
  LC_ASSERT_OK(tx->CreateTeam(unset));
  LC_ASSERT_OK_AND_ASSIGN(v1::Team got, tx->GetTeam("unset"));
  EXPECT_FALSE(got.has_created_at());
  EXPECT_FALSE(got.has_modified_at());
}

// -- Transactions -----------------------------------------------------------

TEST_P(StoreTest, TransactionDestroyedWithoutCommitStoresNothing) {
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK(tx->CreateTargetList(MakeTargetList("list-1")));
    LC_ASSERT_OK(tx->CreateLead(FullLead("lead-1")));
    LC_ASSERT_OK(tx->PutMembership("list-1", MemberType::kLead, "lead-1", false,
                                   absl::UnixEpoch()));
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
  EXPECT_THAT(tx->GetLead("lead-1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(tx->GetTargetList("list-1"),
              StatusIs(absl::StatusCode::kNotFound));
  LC_ASSERT_OK_AND_ASSIGN(auto leads, tx->ListLeads("", FirstPage()));
  EXPECT_THAT(leads.items, IsEmpty());
}

TEST_P(StoreTest, CommitMakesWorkVisibleToLaterTransactions) {
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK(tx->CreateLead(FullLead("lead-1")));
    LC_ASSERT_OK(tx->Commit());
  }
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK(tx->CreateLead(FullLead("lead-2")));
    LC_ASSERT_OK(tx->Commit());
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
  LC_ASSERT_OK_AND_ASSIGN(auto leads, tx->ListLeads("", FirstPage()));
  EXPECT_THAT(Ids(leads), ElementsAre("lead-1", "lead-2"));
}

TEST_P(StoreTest, ReadOnlyTransactionCanCommit) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
  LC_ASSERT_OK(tx->ListLeads("", FirstPage()).status());
  LC_EXPECT_OK(tx->Commit());
}

TEST_P(StoreTest, EndedTransactionRefusesWork) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateTeam(MakeNamed<v1::Team>("team-1")));
  LC_ASSERT_OK(tx->Commit());

  EXPECT_THAT(tx->Commit(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(tx->GetTeam("team-1"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(tx->CreateTeam(MakeNamed<v1::Team>("team-2")),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  // The store goes on serving.
  LC_ASSERT_OK_AND_ASSIGN(auto next, Write());
  EXPECT_THAT(next->GetTeam("team-1"), IsOk());
  EXPECT_THAT(next->GetTeam("team-2"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreTest, FailedWriteLeavesTransactionUsable) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_ASSERT_OK(tx->CreateLead(FullLead("lead-1")));
  EXPECT_THAT(tx->CreateLead(FullLead("lead-1")),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(tx->PutMembership("list-9", MemberType::kLead, "lead-1", false,
                                absl::UnixEpoch()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  LC_ASSERT_OK(tx->CreateLead(FullLead("lead-2")));
  LC_ASSERT_OK(tx->Commit());

  LC_ASSERT_OK_AND_ASSIGN(auto read, Read());
  LC_ASSERT_OK_AND_ASSIGN(auto leads, read->ListLeads("", FirstPage()));
  EXPECT_THAT(Ids(leads), ElementsAre("lead-1", "lead-2"));
  EXPECT_THAT(leads.items[0], EqualsProto(FullLead("lead-1")));
}

TEST_P(StoreTest, ReadOnlyTransactionCannotWrite) {
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
    EXPECT_THAT(tx->CreateTeam(MakeNamed<v1::Team>("team-1")), Not(IsOk()));
    // Whatever the backend did with the transaction, committing stores
    // nothing.
    tx->Commit().IgnoreError();
  }
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Read());
  EXPECT_THAT(tx->GetTeam("team-1"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreTest, LockIdentitySucceedsInWriteTransactions) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
  LC_EXPECT_OK(tx->LockIdentity("ann@example.org"));
  LC_EXPECT_OK(tx->LockIdentity("+49301234567"));
  LC_EXPECT_OK(tx->LockIdentity("ann@example.org"));
  LC_EXPECT_OK(tx->Commit());
}

// -- Concurrency ------------------------------------------------------------

// What a capture with duplicate check does: find the lead of this e-mail
// key, create it if missing, commit.
absl::Status FindOrCreateLead(Store& store, const std::string& email,
                              const std::string& new_id) {
  LC_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx,
                      store.Begin(TransactionMode::kReadWrite));
  const std::string key = EmailKey(email);
  LC_RETURN_IF_ERROR(tx->LockIdentity(key));
  LC_ASSIGN_OR_RETURN(std::optional<v1::Lead> found,
                      tx->FindLeadByEmailKey(key));
  if (!found.has_value()) {
    LC_RETURN_IF_ERROR(tx->CreateLead(MakeLead(new_id, email, "", Time(0))));
  }
  return tx->Commit();
}

constexpr int kRaceEmails = 20;

// Runs FindOrCreateLead on `threads` threads, thread i on stores[i % n], all
// released at once; each goes through the same kRaceEmails addresses (in
// differing letter case), so that they race on each one.
void RaceFindOrCreate(const std::vector<Store*>& stores, int threads) {
  absl::Notification start;
  std::vector<absl::Status> results(threads);
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      start.WaitForNotification();
      for (int e = 0; e < kRaceEmails && results[i].ok(); ++e) {
        std::string email =
            absl::StrCat(i % 2 == 0 ? "Race" : "race", e, "@Example.org");
        results[i] = FindOrCreateLead(*stores[i % stores.size()], email,
                                      absl::StrCat("lead-", i, "-", e));
      }
    });
  }
  start.Notify();
  for (std::thread& worker : workers) worker.join();
  for (const absl::Status& result : results) EXPECT_THAT(result, IsOk());
}

// Expects exactly one lead for each address of RaceFindOrCreate.
void ExpectOneLeadPerEmail(Store& store) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, store.Begin(TransactionMode::kReadOnly));
  LC_ASSERT_OK_AND_ASSIGN(auto leads, tx->ListLeads("", FirstPage()));
  std::set<std::string> keys;
  for (const v1::Lead& lead : leads.items) {
    keys.insert(EmailKey(lead.email_address()));
  }
  EXPECT_THAT(leads.items, SizeIs(kRaceEmails));
  EXPECT_THAT(keys, SizeIs(kRaceEmails));
}

TEST_P(StoreTest, ConcurrentFindOrCreateOfOneEmailMakesOneLead) {
  RaceFindOrCreate({store_.get()}, 8);

  ExpectOneLeadPerEmail(*store_);
}

// As several processes would, each with its own Store.
TEST_P(StoreTest, SeveralStoresOnOneDatabaseMakeOneLead) {
  std::vector<std::unique_ptr<Store>> others;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::unique_ptr<Store>> other = backend_->Open();
    if (absl::IsUnimplemented(other.status())) {
      GTEST_SKIP() << "the backend cannot open its database twice";
    }
    ASSERT_THAT(other, IsOk());
    others.push_back(std::move(other).value());
  }
  std::vector<Store*> stores = {store_.get()};
  for (auto& other : others) stores.push_back(other.get());

  RaceFindOrCreate(stores, 8);

  for (Store* store : stores) ExpectOneLeadPerEmail(*store);
}

TEST_P(StoreTest, CommitIsVisibleThroughAnotherStore) {
  absl::StatusOr<std::unique_ptr<Store>> second = backend_->Open();
  if (absl::IsUnimplemented(second.status())) {
    GTEST_SKIP() << "the backend cannot open its database twice";
  }
  ASSERT_THAT(second, IsOk());
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, Write());
    LC_ASSERT_OK(tx->CreateLead(FullLead("lead-1")));
    LC_ASSERT_OK(tx->Commit());
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx,
                          (*second)->Begin(TransactionMode::kReadOnly));
  EXPECT_THAT(tx->GetLead("lead-1"),
              IsOkAndHolds(EqualsProto(FullLead("lead-1"))));
}

// -- Outbox claims racing ---------------------------------------------------

constexpr int kRaceMessages = 40;

// Enqueues kRaceMessages due messages through `store`.
void EnqueueRaceMessages(Store& store) {
  LC_ASSERT_OK_AND_ASSIGN(auto tx, store.Begin(TransactionMode::kReadWrite));
  for (int i = 0; i < kRaceMessages; ++i) {
    const std::string id = absl::StrCat("mail-", i);
    LC_ASSERT_OK(
        tx->EnqueueOutboxMessage(MakeOutboxMessage(id, i), MailContent(id)));
  }
  LC_ASSERT_OK(tx->Commit());
}

// What a mail worker does until nothing is due: claim a few messages with a
// lease that outlasts the test, commit, then mark each one sent. Appends the
// ids it claimed to *claimed.
absl::Status ClaimUntilEmpty(Store& store, std::vector<std::string>* claimed) {
  const absl::Time now = ToTime(Time(kRaceMessages));
  while (true) {
    std::vector<OutboxItem> items;
    {
      LC_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx,
                          store.Begin(TransactionMode::kReadWrite));
      LC_ASSIGN_OR_RETURN(
          items, tx->ClaimOutboxMessages(now, now + absl::Hours(1), 3));
      LC_RETURN_IF_ERROR(tx->Commit());
    }
    if (items.empty()) return absl::OkStatus();
    for (const OutboxItem& item : items) {
      if (item.content != MailContent(item.message.id())) {
        return absl::InternalError(
            absl::StrCat("wrong content for ", item.message.id()));
      }
      claimed->push_back(item.message.id());
      LC_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx,
                          store.Begin(TransactionMode::kReadWrite));
      LC_RETURN_IF_ERROR(tx->MarkOutboxMessageSent(item.message.id(), now));
      LC_RETURN_IF_ERROR(tx->Commit());
    }
  }
}

// Runs ClaimUntilEmpty on `threads` threads, thread i on stores[i % n], all
// released at once, and expects every message claimed exactly once, then
// all of them SENT.
void RaceClaims(const std::vector<Store*>& stores, int threads) {
  absl::Notification start;
  std::vector<absl::Status> results(threads);
  std::vector<std::vector<std::string>> claimed(threads);
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      start.WaitForNotification();
      results[i] = ClaimUntilEmpty(*stores[i % stores.size()], &claimed[i]);
    });
  }
  start.Notify();
  for (std::thread& worker : workers) worker.join();
  for (const absl::Status& result : results) EXPECT_THAT(result, IsOk());

  std::multiset<std::string> all;
  for (const auto& ids : claimed) all.insert(ids.begin(), ids.end());
  EXPECT_THAT(all, SizeIs(kRaceMessages));
  for (int i = 0; i < kRaceMessages; ++i) {
    EXPECT_EQ(all.count(absl::StrCat("mail-", i)), 1) << "mail-" << i;
  }
  LC_ASSERT_OK_AND_ASSIGN(auto tx,
                          stores[0]->Begin(TransactionMode::kReadOnly));
  LC_ASSERT_OK_AND_ASSIGN(auto page, tx->ListOutboxMessages(FirstPage()));
  ASSERT_THAT(page.items, SizeIs(kRaceMessages));
  for (const v1::OutboxMessage& m : page.items) {
    EXPECT_EQ(m.status(), v1::SENT) << m.id();
    EXPECT_EQ(m.attempts(), 1) << m.id();
  }
}

TEST_P(StoreTest, ConcurrentClaimsGetEveryMessageExactlyOnce) {
  EnqueueRaceMessages(*store_);

  RaceClaims({store_.get()}, 4);
}

// As two mail workers in two processes would, each with its own Store.
TEST_P(StoreTest, ClaimsThroughTwoStoresGetEveryMessageExactlyOnce) {
  absl::StatusOr<std::unique_ptr<Store>> second = backend_->Open();
  if (absl::IsUnimplemented(second.status())) {
    GTEST_SKIP() << "the backend cannot open its database twice";
  }
  ASSERT_THAT(second, IsOk());
  EnqueueRaceMessages(*store_);

  RaceClaims({store_.get(), second->get()}, 4);
}

}  // namespace
}  // namespace leadcapture::storage
