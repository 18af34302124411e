// Captures that are accepted: what the answer is and what gets stored.
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace leadcapture::testing {
namespace {

// The seed's browser payload posted once to an entry point with a target
// list, a team and a campaign.
class SeedCaptureTest : public DeploymentTest {
 protected:
  void SetUp() override {
    DeploymentTest::SetUp();
    if (HasFatalFailure()) return;
    target_list_id_ = CreateTargetList();
    team_id_ = CreateTeam();
    campaign_id_ = CreateCampaign();
    json entry_point =
        CreateEntryPoint({"--target-list", target_list_id_, "--team", team_id_,
                          "--campaign", campaign_id_});
    entry_point_id_ = Str(entry_point, "id");
    httplib::Result result = PostCapture(
        Str(entry_point, "apiKey"), SeedPayload("Ann", "Lee", "ann@x.example"));
    ASSERT_TRUE(IsAccepted(result));
    response_ = *result;
    json leads = Leads();
    ASSERT_EQ(leads.size(), 1u) << leads.dump();
    lead_ = leads[0];
    lead_id_ = Str(lead_, "id");
  }

  std::string target_list_id_;
  std::string team_id_;
  std::string campaign_id_;
  std::string entry_point_id_;
  httplib::Response response_;
  json lead_;
  std::string lead_id_;
};

TEST_F(SeedCaptureTest, AnswersTrueAsJsonWithoutCaching) {
  EXPECT_EQ(response_.body, "true");
  EXPECT_TRUE(absl::StartsWith(response_.get_header_value("Content-Type"),
                               "application/json"))
      << response_.get_header_value("Content-Type");
  EXPECT_TRUE(
      absl::StrContains(response_.get_header_value("Cache-Control"), "no-"))
      << response_.get_header_value("Cache-Control");
}

TEST_F(SeedCaptureTest, StoresLeadWithSourceCampaignTeamAndEntryPoint) {
  EXPECT_EQ(Str(lead_, "firstName"), "Ann");
  EXPECT_EQ(Str(lead_, "lastName"), "Lee");
  EXPECT_EQ(Str(lead_, "emailAddress"), "ann@x.example");
  EXPECT_EQ(Str(lead_, "status"), "NEW");
  EXPECT_EQ(Str(lead_, "source"), "Web Site");
  EXPECT_EQ(Str(lead_, "campaignId"), campaign_id_);
  EXPECT_EQ(Field(lead_, "teamIds"), json::array({team_id_}));
  EXPECT_EQ(Str(lead_, "entryPointId"), entry_point_id_);
  EXPECT_EQ(Str(lead_, "assignedUserId"), "");
}

TEST_F(SeedCaptureTest, LeadIsSubscribedToTargetList) {
  json members = Members(target_list_id_);
  ASSERT_EQ(members.size(), 1u) << members.dump();
  EXPECT_EQ(Str(members[0], "type"), "lead");
  EXPECT_EQ(Str(members[0], "id"), lead_id_);
  EXPECT_EQ(Str(members[0], "emailAddress"), "ann@x.example");
  EXPECT_EQ(Field(members[0], "optedOut"), false);
}

TEST_F(SeedCaptureTest, CampaignLogHasLeadCreatedAndOptedIn) {
  json entries = CampaignLogs(campaign_id_);
  json created = Where(entries, "action", "Lead Created");
  json opted_in = Where(entries, "action", "Opted In");
  ASSERT_EQ(created.size(), 1u) << entries.dump();
  ASSERT_EQ(opted_in.size(), 1u) << entries.dump();
  EXPECT_EQ(Str(created[0], "parentId"), lead_id_);
  EXPECT_EQ(Str(created[0], "parentType"), "lead");
  EXPECT_EQ(Str(opted_in[0], "parentId"), lead_id_);
}

TEST_F(SeedCaptureTest, CaptureLogRecordsCreatedLead) {
  json logs = CaptureLogs();
  ASSERT_EQ(logs.size(), 1u) << logs.dump();
  EXPECT_EQ(Str(logs[0], "outcome"), "CREATED");
  EXPECT_EQ(Field(logs[0], "isCreated"), true);
  EXPECT_EQ(Str(logs[0], "targetId"), lead_id_);
  EXPECT_EQ(Str(logs[0], "targetType"), "lead");
  EXPECT_EQ(Str(logs[0], "entryPointId"), entry_point_id_);
  EXPECT_EQ(Str(logs[0], "clientIp"), "127.0.0.1");
}

class CaptureTest : public DeploymentTest {
 protected:
  // Creates an entry point with `flags`, posts `body` to it, expects it to
  // be accepted and returns the one lead there is then.
  json CaptureOne(const std::string& body,
                  const std::vector<std::string>& flags = {}) {
    json entry_point = CreateEntryPoint(flags);
    EXPECT_TRUE(IsAccepted(PostCapture(Str(entry_point, "apiKey"), body)));
    json leads = Leads();
    EXPECT_EQ(leads.size(), 1u) << leads.dump();
    return leads.empty() ? json::object() : leads[0];
  }
};

TEST_F(CaptureTest, NullValuesAreNoValue) {
  json lead = CaptureOne(
      R"({"firstName": null, "lastName": "Lee", "emailAddress": "a@x.ex"})");
  EXPECT_EQ(Str(lead, "firstName"), "");
  EXPECT_EQ(Str(lead, "lastName"), "Lee");
}

TEST_F(CaptureTest, EmptyAndBlankStringsAreNoValue) {
  json lead = CaptureOne(
      R"({"firstName": "", "lastName": "  ", "emailAddress": "a@x.example"})");
  EXPECT_EQ(Str(lead, "firstName"), "");
  EXPECT_EQ(Str(lead, "lastName"), "");
  EXPECT_EQ(Str(lead, "emailAddress"), "a@x.example");
}

TEST_F(CaptureTest, EmptyStringDoesNotFillRequiredField) {
  json entry_point = CreateEntryPoint({"--required", "firstName"});
  httplib::Result result = PostCapture(
      Str(entry_point, "apiKey"),
      R"({"firstName": "", "lastName": "Lee", "emailAddress": "a@x.example"})");
  EXPECT_TRUE(
      IsErrorAnswer(result, 400, "invalid_argument", "firstName", "required"));
  EXPECT_EQ(Leads().size(), 0u);
}

TEST_F(CaptureTest, KeysOutsidePayloadFieldsAreIgnored) {
  json lead = CaptureOne(
      R"({"firstName": "Ann", "emailAddress": "a@x.example",
          "status": "Dead", "assignedUserId": "someone", "id": "chosen-id",
          "description": "not a payload field", "source": "Elsewhere"})");
  EXPECT_EQ(Str(lead, "status"), "NEW");
  EXPECT_EQ(Str(lead, "assignedUserId"), "");
  EXPECT_NE(Str(lead, "id"), "chosen-id");
  EXPECT_EQ(Str(lead, "description"), "");
  EXPECT_EQ(Str(lead, "source"), "Web Site");
  EXPECT_EQ(Str(lead, "firstName"), "Ann");
}

TEST_F(CaptureTest, FourByteEmojiRoundTripsByteForByte) {
  const std::string first_name = "Zo\xC3\xAB \xF0\x9F\xA6\x8A";
  const std::string last_name = "\xF0\x9F\x98\x80\xF0\x9F\x98\x80";
  json lead = CaptureOne(SeedPayload(first_name, last_name, "emoji@x.example"));
  EXPECT_EQ(Str(lead, "firstName"), first_name);
  EXPECT_EQ(Str(lead, "lastName"), last_name);
}

TEST_F(CaptureTest, NameLengthCountsCharactersNotBytes) {
  std::string first_name;
  for (int i = 0; i < 100; ++i) first_name += "\xC3\xA9";  // 100 x U+00E9
  json lead = CaptureOne(SeedPayload(first_name, "Lee", "long@x.example"));
  EXPECT_EQ(Str(lead, "firstName"), first_name);
}

TEST_F(CaptureTest, ValuesAreTrimmed) {
  json lead = CaptureOne(SeedPayload("  Ann  ", "\tLee ", " a@x.example "));
  EXPECT_EQ(Str(lead, "firstName"), "Ann");
  EXPECT_EQ(Str(lead, "lastName"), "Lee");
  EXPECT_EQ(Str(lead, "emailAddress"), "a@x.example");
}

TEST_F(CaptureTest, NumberIsTakenAsItsDecimalText) {
  json lead = CaptureOne(
      R"({"firstName": 42, "lastName": "Lee", "emailAddress": "n@x.example"})");
  EXPECT_EQ(Str(lead, "firstName"), "42");
}

TEST_F(CaptureTest, NameIsSplitIntoFirstAndLastName) {
  json lead =
      CaptureOne(R"({"name": "Mary Ann Lee", "emailAddress": "m@x.example"})",
                 {"--payload-fields", "name,emailAddress"});
  EXPECT_EQ(Str(lead, "firstName"), "Mary Ann");
  EXPECT_EQ(Str(lead, "lastName"), "Lee");
}

TEST_F(CaptureTest, NationalPhoneIsStoredInE164) {
  json lead = CaptureOne(
      R"({"firstName": "Ann", "phoneNumber": "(030) 123 4567"})",
      {"--payload-fields", "firstName,phoneNumber", "--phone-country", "DE"});
  EXPECT_EQ(Str(lead, "phoneNumber"), "+49301234567");
}

TEST_F(CaptureTest, JsonWithCharsetParameterIsAccepted) {
  json entry_point = CreateEntryPoint();
  EXPECT_TRUE(IsAccepted(PostCapture(Str(entry_point, "apiKey"),
                                     SeedPayload("Ann", "Lee", "c@x.example"),
                                     {}, "application/json; charset=utf-8")));
  EXPECT_EQ(Leads().size(), 1u);
}

TEST_F(CaptureTest, CaptureLogKeepsUserAgentAndCleanedPayload) {
  json entry_point = CreateEntryPoint();
  ASSERT_TRUE(IsAccepted(PostCapture(
      Str(entry_point, "apiKey"),
      R"({"firstName": " Ann ", "emailAddress": "u@x.example", "x": 1})",
      {{"User-Agent", "integration-test/1.0"}})));
  json logs = CaptureLogs();
  ASSERT_EQ(logs.size(), 1u) << logs.dump();
  EXPECT_EQ(Str(logs[0], "userAgent"), "integration-test/1.0");
  json payload = json::parse(Str(logs[0], "payload"), nullptr, false);
  ASSERT_TRUE(payload.is_object()) << logs[0].dump();
  EXPECT_EQ(payload.value("firstName", json()), "Ann");
  EXPECT_FALSE(payload.contains("x")) << payload.dump();
}

}  // namespace
}  // namespace leadcapture::testing
