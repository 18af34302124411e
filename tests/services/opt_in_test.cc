#include "services/opt_in.h"

#include <cctype>
#include <memory>
#include <regex>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/capture.h"
#include "services/entry_points.h"
#include "services/util/field_error.h"
#include "services/util/random.h"
#include "storage/store.h"
#include "tests/services/capture_fixture.h"

namespace leadcapture {
namespace {

using storage::TransactionMode;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// Undoes quoted-printable: soft line breaks and =XX escapes.
std::string DecodeQuotedPrintable(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out.push_back(text[i]);
    } else if (text.compare(i + 1, 2, "\r\n") == 0) {
      i += 2;
    } else if (i + 2 < text.size() && std::isxdigit(text[i + 1]) &&
               std::isxdigit(text[i + 2])) {
      out.push_back(
          static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back('=');
    }
  }
  return out;
}

class OptInProcessorTest : public testing::CaptureFixture {
 protected:
  void SetUp() override {
    CaptureFixture::SetUp();
    OptInOptions options;
    options.public_url = "https://leads.example/";
    options.mail_from = "news@leads.example";
    opt_in_ = std::make_unique<OptInProcessor>(
        *store_, clock_, *processor_, options, [this] { ++notified_; });
    processor_->set_opt_in_step(opt_in_.get());
  }

  // An entry point with double opt-in on and no team, changed by `edit`.
  v1::EntryPoint MakeEntryPoint(
      const std::function<void(v1::EntryPoint&)>& edit = {}) {
    return CaptureFixture::MakeEntryPoint([&edit](v1::EntryPoint& e) {
      e.set_name("Newsletter sign-up");
      e.clear_target_team_id();
      e.clear_phone_country();
      e.set_opt_in(true);
      e.set_opt_in_success_message("**Thanks!** <script>x</script>");
      if (edit) edit(e);
    });
  }

  // Takes every queued mail from the outbox and returns the tokens of
  // their links, oldest first.
  std::vector<std::string> TakeMailedTokens() {
    auto tx = Begin();
    auto items = tx->ClaimOutboxMessages(clock_.Now(),
                                         clock_.Now() + absl::Hours(1), 100);
    EXPECT_TRUE(items.ok()) << items.status();
    std::vector<std::string> tokens;
    for (const auto& item : *items) {
      const std::string text = DecodeQuotedPrintable(item.content);
      std::smatch match;
      const std::regex link(
          "https://leads\\.example/optin/confirm\\?token=([A-Za-z0-9_-]+)");
      EXPECT_TRUE(std::regex_search(text, match, link)) << text;
      if (!match.empty()) tokens.push_back(match[1]);
      EXPECT_TRUE(
          tx->MarkOutboxMessageSent(item.message.id(), clock_.Now()).ok());
    }
    EXPECT_TRUE(tx->Commit().ok());
    return tokens;
  }

  absl::StatusOr<v1::ConfirmResponse> Confirm(const std::string& token) {
    v1::ConfirmRequest request;
    request.set_token(token);
    request.set_client_ip("198.51.100.9");
    request.set_user_agent("mail client");
    return opt_in_->Confirm(request);
  }

  std::vector<v1::OptInRequest> Requests() {
    auto tx = Begin();
    auto page = tx->ListOptInRequests("", {1000, ""});
    EXPECT_TRUE(page.ok()) << page.status();
    return page->items;
  }

  std::unique_ptr<OptInProcessor> opt_in_;
  int notified_ = 0;
};

TEST(OptInTokenTest, TokensAre22Base64UrlCharacters) {
  const std::string token = NewOptInToken();
  EXPECT_THAT(token, SizeIs(22));
  EXPECT_TRUE(IsWellFormedOptInToken(token));
  EXPECT_NE(NewOptInToken(), token);
  EXPECT_FALSE(IsWellFormedOptInToken(""));
  EXPECT_FALSE(IsWellFormedOptInToken(token + "A"));
  EXPECT_FALSE(IsWellFormedOptInToken("' OR 1=1; --xxxxxxxxxx"));
  EXPECT_THAT(OptInTokenHash(token), SizeIs(64));
}

// Verifies the whole double opt-in: no lead until the link is followed,
// then the lead, its list membership and both campaign log rows.
TEST_F(OptInProcessorTest, CaptureWaitsForConfirmation) {
  const v1::EntryPoint entry_point = MakeEntryPoint();
  auto log = Capture(entry_point, R"({"firstName": "Ann",
                                     "emailAddress": "ann@example.com"})");
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->outcome(), v1::PENDING_OPT_IN);
  EXPECT_EQ(notified_, 1);
  EXPECT_THAT(Leads(), SizeIs(0));
  ASSERT_THAT(Requests(), SizeIs(1));

  std::vector<std::string> tokens = TakeMailedTokens();
  ASSERT_THAT(tokens, SizeIs(1));
  auto inspected = opt_in_->Inspect(tokens[0]);
  ASSERT_TRUE(inspected.ok());
  EXPECT_EQ(inspected->state(), v1::PENDING);

  auto confirmed = Confirm(tokens[0]);
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();
  EXPECT_EQ(confirmed->state(), v1::CONFIRMED);
  EXPECT_THAT(confirmed->success_html(), HasSubstr("<strong>Thanks!</strong>"));
  EXPECT_THAT(confirmed->success_html(), ::testing::Not(HasSubstr("<script>")));

  auto leads = Leads();
  ASSERT_THAT(leads, SizeIs(1));
  EXPECT_EQ(leads[0].first_name(), "Ann");
  ASSERT_THAT(Members(), SizeIs(1));
  EXPECT_THAT(CampaignActions(), ElementsAre("Lead Created", "Opted In"));
  auto requests = Requests();
  EXPECT_TRUE(requests[0].has_confirmed_at());
  EXPECT_EQ(requests[0].confirm_ip(), "198.51.100.9");
  EXPECT_EQ(requests[0].client_ip(), "203.0.113.7");
  EXPECT_EQ(requests[0].lead_id(), leads[0].id());

  // Again, even after expiry: the same success, nothing changes.
  clock_.Advance(absl::Hours(100));
  auto again = Confirm(tokens[0]);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state(), v1::CONFIRMED);
  EXPECT_THAT(Leads(), SizeIs(1));
  EXPECT_THAT(CampaignActions(), ElementsAre("Lead Created", "Opted In"));
}

TEST_F(OptInProcessorTest, OptInNeedsAnEmailAddress) {
  const v1::EntryPoint entry_point = MakeEntryPoint([](v1::EntryPoint& e) {
    e.add_payload_fields("phoneNumber");
    e.set_phone_country("DE");
  });
  auto log = Capture(entry_point, R"({"phoneNumber": "030 1234567"})");
  EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(log.status()), "emailAddress");
  EXPECT_EQ(ErrorRule(log.status()), "required");
  EXPECT_THAT(Requests(), SizeIs(0));
}

// Verifies that an expired link stores nothing and a new submission sends a
// new link that works.
TEST_F(OptInProcessorTest, ExpiredLinkStoresNothing) {
  const v1::EntryPoint entry_point =
      MakeEntryPoint([](v1::EntryPoint& e) { e.set_opt_in_lifetime_hours(2); });
  ASSERT_TRUE(
      Capture(entry_point, R"({"emailAddress": "e@example.com"})").ok());
  const std::string old_token = TakeMailedTokens().at(0);
  clock_.Advance(absl::Hours(2));
  auto expired = Confirm(old_token);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(expired->state(), v1::EXPIRED);
  EXPECT_EQ(opt_in_->Inspect(old_token)->state(), v1::EXPIRED);
  EXPECT_THAT(Leads(), SizeIs(0));

  ASSERT_TRUE(
      Capture(entry_point, R"({"emailAddress": "e@example.com"})").ok());
  const std::string new_token = TakeMailedTokens().at(0);
  EXPECT_EQ(Confirm(new_token)->state(), v1::CONFIRMED);
  EXPECT_THAT(Leads(), SizeIs(1));
}

TEST_F(OptInProcessorTest, UnknownTokensAreNotFound) {
  for (const std::string& token : std::vector<std::string>{
           "", "short", "AAAAAAAAAAAAAAAAAAAAAA", "' OR 1=1; --xxxxxxxxxx",
           std::string(5000, 'a')}) {
    EXPECT_EQ(Confirm(token).status().code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(opt_in_->Inspect(token)->state(), v1::UNKNOWN);
    EXPECT_EQ(opt_in_->Resend(token).code(), absl::StatusCode::kNotFound);
  }
  EXPECT_THAT(Leads(), SizeIs(0));
}

// Verifies that each submission mails a working link, and that the second
// confirmation finds the first one's lead and changes nothing.
TEST_F(OptInProcessorTest, EveryLinkWorksAndTheSecondChangesNothing) {
  const v1::EntryPoint entry_point = MakeEntryPoint();
  ASSERT_TRUE(
      Capture(entry_point, R"({"emailAddress": "r@example.com"})").ok());
  clock_.Advance(absl::Minutes(5));
  ASSERT_TRUE(
      Capture(entry_point, R"({"emailAddress": "R@example.com"})").ok());
  std::vector<std::string> tokens = TakeMailedTokens();
  ASSERT_THAT(tokens, SizeIs(2));
  EXPECT_NE(tokens[0], tokens[1]);

  EXPECT_EQ(Confirm(tokens[1])->state(), v1::CONFIRMED);
  EXPECT_EQ(Confirm(tokens[0])->state(), v1::CONFIRMED);
  auto leads = Leads();
  ASSERT_THAT(leads, SizeIs(1));
  EXPECT_EQ(leads[0].email_address(), "R@example.com");
  EXPECT_THAT(Members(), SizeIs(1));
  EXPECT_THAT(CampaignActions(), ElementsAre("Lead Created", "Opted In"));
  for (const auto& request : Requests()) {
    EXPECT_EQ(request.lead_id(), leads[0].id());
  }
}

// Verifies the limit of three mails per address in any 24 hours.
TEST_F(OptInProcessorTest, AtMostThreeMailsPerAddressInADay) {
  const v1::EntryPoint entry_point = MakeEntryPoint();
  for (int i = 0; i < 3; ++i) {
    auto log = Capture(entry_point, R"({"emailAddress": "b@example.com"})");
    ASSERT_TRUE(log.ok());
    EXPECT_EQ(log->outcome(), v1::PENDING_OPT_IN);
    clock_.Advance(absl::Hours(1));
  }
  auto limited = Capture(entry_point, R"({"emailAddress": "B@example.com"})");
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->outcome(), v1::OPT_IN_MAIL_LIMITED);
  EXPECT_THAT(TakeMailedTokens(), SizeIs(3));
  // Another address is not limited.
  EXPECT_EQ(
      Capture(entry_point, R"({"emailAddress": "c@example.com"})")->outcome(),
      v1::PENDING_OPT_IN);
  // Just over a day after the first mail, one more may go.
  clock_.Advance(absl::Hours(21) + absl::Minutes(1));
  EXPECT_EQ(
      Capture(entry_point, R"({"emailAddress": "b@example.com"})")->outcome(),
      v1::PENDING_OPT_IN);
}

// Verifies create_lead_before_confirmation: the lead exists at once but
// joins the list only when confirmed.
TEST_F(OptInProcessorTest, LeadBeforeConfirmation) {
  const v1::EntryPoint entry_point = MakeEntryPoint(
      [](v1::EntryPoint& e) { e.set_create_lead_before_confirmation(true); });
  auto log = Capture(entry_point, R"({"emailAddress": "p@example.com"})");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->outcome(), v1::PENDING_OPT_IN);
  EXPECT_TRUE(log->is_created());
  auto leads = Leads();
  ASSERT_THAT(leads, SizeIs(1));
  EXPECT_EQ(log->target_id(), leads[0].id());
  EXPECT_THAT(Members(), SizeIs(0));
  EXPECT_THAT(CampaignActions(), ElementsAre("Lead Created"));

  EXPECT_EQ(Confirm(TakeMailedTokens().at(0))->state(), v1::CONFIRMED);
  EXPECT_THAT(Leads(), SizeIs(1));
  ASSERT_THAT(Members(), SizeIs(1));
  EXPECT_EQ(Members()[0].id(), leads[0].id());
  EXPECT_THAT(CampaignActions(), ElementsAre("Lead Created", "Opted In"));
}

// Verifies skip_confirmation_if_subscribed: no mail for someone already on
// the list; a mail for someone who opted out.
TEST_F(OptInProcessorTest, SkipsConfirmationForSubscribers) {
  const v1::EntryPoint plain =
      MakeEntryPoint([](v1::EntryPoint& e) { e.set_opt_in(false); });
  ASSERT_TRUE(Capture(plain, R"({"emailAddress": "s@example.com"})").ok());
  const v1::EntryPoint skipping = MakeEntryPoint(
      [](v1::EntryPoint& e) { e.set_skip_confirmation_if_subscribed(true); });
  auto log = Capture(skipping, R"({"emailAddress": "s@example.com"})");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->outcome(), v1::OPT_IN_SKIPPED_SUBSCRIBED);
  EXPECT_EQ(log->target_id(), Leads().at(0).id());
  EXPECT_THAT(TakeMailedTokens(), SizeIs(0));

  const std::string lead_id = Leads().at(0).id();
  {
    auto tx = Begin();
    ASSERT_TRUE(tx->PutMembership(list_id_, storage::MemberType::kLead, lead_id,
                                  true, clock_.Now())
                    .ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(
      Capture(skipping, R"({"emailAddress": "s@example.com"})")->outcome(),
      v1::PENDING_OPT_IN);
}

TEST_F(OptInProcessorTest, ResendMailsANewWorkingLink) {
  const v1::EntryPoint entry_point = MakeEntryPoint();
  ASSERT_TRUE(
      Capture(entry_point, R"({"emailAddress": "x@example.com"})").ok());
  const std::string first = TakeMailedTokens().at(0);
  ASSERT_TRUE(opt_in_->Resend(first).ok());
  const std::string second = TakeMailedTokens().at(0);
  EXPECT_NE(first, second);
  EXPECT_EQ(Confirm(second)->state(), v1::CONFIRMED);
  EXPECT_EQ(opt_in_->Resend(first).code(),
            absl::StatusCode::kFailedPrecondition);
}

// Verifies that a template's placeholders reach the queued mail.
TEST_F(OptInProcessorTest, UsesTheEntryPointTemplate) {
  v1::EmailTemplate email_template;
  email_template.set_id(NewId());
  email_template.set_name("Custom");
  email_template.set_subject("Welcome {Person.firstName} 😀");
  email_template.set_body("<p>Hi {Person.firstName}</p>{optInLink}");
  email_template.set_is_html(true);
  {
    auto tx = Begin();
    ASSERT_TRUE(tx->CreateEmailTemplate(email_template).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  const v1::EntryPoint entry_point = MakeEntryPoint([&](v1::EntryPoint& e) {
    e.set_opt_in_template_id(email_template.id());
  });
  ASSERT_TRUE(Capture(entry_point, R"({"firstName": "<b>Zoë</b>",
                                      "emailAddress": "z@example.com"})")
                  .status()
                  .code() == absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(Capture(entry_point, R"({"firstName": "Zoë",
                                      "emailAddress": "z@example.com"})")
                  .ok());
  auto tx = Begin();
  auto items =
      tx->ClaimOutboxMessages(clock_.Now(), clock_.Now() + absl::Hours(1), 10);
  ASSERT_TRUE(items.ok());
  ASSERT_THAT(*items, SizeIs(1));
  EXPECT_EQ((*items)[0].message.subject(), "Welcome Zoë 😀");
  EXPECT_EQ((*items)[0].message.recipient(), "z@example.com");
  EXPECT_EQ((*items)[0].message.sender(), "news@leads.example");
  const std::string text = DecodeQuotedPrintable((*items)[0].content);
  EXPECT_THAT(text, HasSubstr("<p>Hi Zoë</p>"));
  EXPECT_THAT(text, HasSubstr("Confirm Opt-In</a>"));
  EXPECT_THAT(text, HasSubstr("Auto-Submitted: auto-generated"));
}

}  // namespace
}  // namespace leadcapture
