// Double opt-in end to end (SPEC section 6): captures through the gateway,
// confirmation mail delivered by leadcaptured to a real SMTP server, the
// mail read back from its Maildir and its link opened through the gateway.
// Expiry needs a clock the test controls and is covered by the OptIn
// service tests; the daylight-saving rendering of dates by the mail
// rendering tests.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/integration/mailbox.h"
#include "tests/testing/mime_reader.h"
#include "tests/testing/smtp_server.h"

namespace leadcapture::testing {
namespace {

using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;

constexpr char kMailFrom[] = "news@leadcapture.example";
// How long a mail may take on a busy test machine; on an idle one it takes
// milliseconds.
constexpr absl::Duration kMailTimeout = absl::Seconds(15);
constexpr char kFormType[] = "application/x-www-form-urlencoded";

// `text` percent-encoded for a query or form value.
std::string PercentEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

// The confirmation links in `text`: <base>/optin/confirm?token=<token>.
std::vector<std::string> LinksIn(const std::string& text) {
  static const std::regex kLink(
      R"(https?://[^\s"<>]+/optin/confirm\?token=[A-Za-z0-9_-]+)");
  std::vector<std::string> links;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kLink);
       it != std::sregex_iterator(); ++it) {
    links.push_back(it->str());
  }
  return links;
}

std::string TokenOf(const std::string& link) {
  const std::size_t at = link.find("token=");
  return at == std::string::npos ? "" : link.substr(at + 6);
}

// Every rendering of `format` in `zone` of the minutes from `from` to `to`:
// the submit time lies between them.
std::set<std::string> RenderingsBetween(const std::string& format,
                                        absl::Time from, absl::Time to,
                                        absl::TimeZone zone) {
  std::set<std::string> out;
  for (absl::Time t =
           absl::FromUnixSeconds(absl::ToUnixSeconds(from) / 60 * 60);
       t <= to; t += absl::Minutes(1)) {
    out.insert(absl::FormatTime(format, t, zone));
  }
  return out;
}

AssertionResult IsOneOf(const std::string& value,
                        const std::set<std::string>& allowed) {
  if (allowed.count(value) > 0) return AssertionSuccess();
  AssertionResult failure = AssertionFailure();
  failure << "\"" << value << "\" is none of:";
  for (const std::string& a : allowed) failure << " \"" << a << "\"";
  return failure;
}

// Whether `result` is an HTML page with `status` whose body holds `text`.
AssertionResult IsPage(const httplib::Result& result, int status,
                       const std::string& text) {
  if (!result) {
    return AssertionFailure()
           << "no answer: " << httplib::to_string(result.error());
  }
  if (result->status != status ||
      !absl::StartsWith(result->get_header_value("Content-Type"),
                        "text/html") ||
      !absl::StrContains(result->body, text)) {
    return AssertionFailure()
           << "expected a " << status << " HTML page with \"" << text
           << "\", got " << result->status << " "
           << result->get_header_value("Content-Type") << ":\n"
           << result->body;
  }
  return AssertionSuccess();
}

AssertionResult IsSuccessPage(const httplib::Result& result) {
  return IsPage(result, 200, "Subscription confirmed");
}

AssertionResult IsUnknownLinkPage(const httplib::Result& result) {
  return IsPage(result, 404, "unknown or expired link");
}

// The end-to-end servers with leadcaptured sending to the suite's SMTP
// server, a target list and a campaign.
class OptInTest : public DeploymentTest {
 protected:
  // leadcaptured flags of a test besides the SMTP ones.
  virtual std::vector<std::string> ExtraDaemonFlags() const { return {}; }

  // Sets smtp_url_, where leadcaptured sends mail: the suite's SMTP server.
  virtual void ChooseSmtpServer() {
    absl::StatusOr<TestMailServer*> server = TestMailServer::Get();
    ASSERT_TRUE(server.ok()) << server.status();
    mail_server_ = *server;
    smtp_url_ = mail_server_->url();
  }

  Deployment::Options DeploymentOptions() const override {
    Deployment::Options options;
    options.daemon_flags = {
        absl::StrCat("--smtp_url=", smtp_url_),
        absl::StrCat("--mail_from=", kMailFrom),
        "--mail_initial_backoff=200ms",
        "--mail_max_backoff=1s",
    };
    for (const std::string& flag : ExtraDaemonFlags()) {
      options.daemon_flags.push_back(flag);
    }
    return options;
  }

  void SetUp() override {
    ChooseSmtpServer();
    if (HasFatalFailure()) return;
    DeploymentTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    target_list_id_ = CreateTargetList();
    campaign_id_ = CreateCampaign();
  }

  // An entry point with opt-in on, the target list and the campaign, and
  // `flags`.
  json CreateOptInEntryPoint(const std::vector<std::string>& flags = {}) {
    std::vector<std::string> all = {"--target-list", target_list_id_,
                                    "--campaign", campaign_id_,
                                    "--opt-in=true"};
    all.insert(all.end(), flags.begin(), flags.end());
    return CreateEntryPoint(all);
  }

  std::string CreateTemplate(const std::string& subject,
                             const std::string& body, bool html) {
    return Str(MustLeadctl({"email-templates", "create", "--name", "Confirm",
                            "--subject", subject, "--body", body,
                            absl::StrCat("--html=", html ? "true" : "false")}),
               "id");
  }

  // Posts the seed's payload and expects it accepted.
  void Submit(const std::string& api_key, const std::string& email_address,
              const std::string& first_name = "Ann") {
    EXPECT_TRUE(IsAccepted(
        PostCapture(api_key, SeedPayload(first_name, "Lee", email_address))));
  }

  // The mails to `address` once there are `count`; a test failure when
  // they do not come.
  std::vector<ReceivedMail> WaitForMails(const std::string& address,
                                         std::size_t count) {
    std::vector<ReceivedMail> mails =
        WaitForMailsTo(mail_server_->maildir(), address, count, kMailTimeout);
    EXPECT_EQ(mails.size(), count) << "mails to " << address;
    return mails;
  }

  // The `n`th mail (1-based) to `address`, once it is there; an empty
  // mail after a test failure.
  ReceivedMail WaitForMail(const std::string& address, std::size_t n = 1) {
    std::vector<ReceivedMail> mails = WaitForMails(address, n);
    return mails.size() >= n ? mails[n - 1] : ReceivedMail();
  }

  // The one confirmation link in the text part of `mail`, checked to point
  // at the gateway.
  std::string LinkIn(const ReceivedMail& mail) {
    std::vector<std::string> links = LinksIn(mail.text);
    std::set<std::string> distinct(links.begin(), links.end());
    EXPECT_EQ(distinct.size(), 1u) << "links in:\n" << mail.text;
    if (distinct.empty()) return "";
    const std::string link = *distinct.begin();
    EXPECT_TRUE(absl::StartsWith(link, PublicUrl() + "/optin/confirm?token="))
        << link;
    EXPECT_EQ(TokenOf(link).size(), 22u) << link;
    return link;
  }

  // Captures once for `address` and returns the link of the mail that
  // comes for it (the `n`th to that address).
  std::string SubmitAndGetLink(const std::string& api_key,
                               const std::string& address, std::size_t n = 1) {
    Submit(api_key, address);
    return LinkIn(WaitForMail(address, n));
  }

  std::string PublicUrl() {
    return absl::StrCat("http://127.0.0.1:", deployment().http_port());
  }

  // GETs `link` (an absolute URL of the gateway) through the gateway; no
  // answer, and a test failure, for any other link.
  httplib::Result Open(const std::string& link) {
    const std::string base = PublicUrl();
    if (!absl::StartsWith(link, base + "/")) {
      ADD_FAILURE() << "not a link to the gateway: \"" << link << "\"";
      return httplib::Result(nullptr, httplib::Error::Unknown);
    }
    return deployment().Http()->Get(link.substr(base.size()));
  }

  httplib::Result PostConfirm(const std::string& body) {
    return deployment().Http()->Post("/optin/confirm", body, kFormType);
  }

  json OptInRequests(const std::string& entry_point_id = "") {
    std::vector<std::string> args = {"opt-in-requests", "list"};
    if (!entry_point_id.empty()) {
      args.insert(args.end(), {"--entry-point", entry_point_id});
    }
    return Field(MustLeadctl(args), "optInRequests", json::array());
  }

  json Outbox() { return Field(MustLeadctl({"outbox", "list"}), "messages"); }

  // The outbox messages to `address`.
  json OutboxTo(const std::string& address) {
    return Where(Outbox(), "recipient", address);
  }

  // Everything the store holds about leads and subscriptions, to show that
  // a step changed nothing.
  json Snapshot() {
    return json{{"leads", Leads()},
                {"members", Members(target_list_id_)},
                {"campaignLogs", CampaignLogs(campaign_id_)}};
  }

  // Unset when a test uses an SMTP server of its own.
  TestMailServer* mail_server_ = nullptr;
  std::string smtp_url_;
  std::string target_list_id_;
  std::string campaign_id_;
};

// == The whole flow with the built-in template ==

TEST_F(OptInTest, CaptureAnswersTrueStoresNoLeadAndSendsOneMimeMail) {
  json entry_point = CreateOptInEntryPoint();
  const std::string address = UniqueAddress("ann");

  httplib::Result result = PostCapture(Str(entry_point, "apiKey"),
                                       SeedPayload("Ann", "Lee", address));
  const absl::Time answered = absl::Now();
  ASSERT_TRUE(IsAccepted(result));
  std::vector<ReceivedMail> mails =
      WaitForMailsTo(mail_server_->maildir(), address, 1, kMailTimeout);
  const absl::Duration delivery = absl::Now() - answered;
  ASSERT_EQ(mails.size(), 1u);
  std::cout << "[ MEASURED ] capture answered -> mail stored: "
            << absl::FormatDuration(delivery) << std::endl;
  RecordProperty("capture_to_mail_ms",
                 static_cast<int>(absl::ToInt64Milliseconds(delivery)));
  EXPECT_LT(delivery, absl::Seconds(5));

  EXPECT_EQ(Leads().size(), 0u);
  EXPECT_EQ(Members(target_list_id_).size(), 0u);
  json logs = CaptureLogs();
  ASSERT_EQ(logs.size(), 1u) << logs.dump();
  EXPECT_EQ(Str(logs[0], "outcome"), "PENDING_OPT_IN");
  json requests = OptInRequests(Str(entry_point, "id"));
  ASSERT_EQ(requests.size(), 1u) << requests.dump();
  EXPECT_EQ(Str(requests[0], "state"), "PENDING");
  EXPECT_EQ(Str(requests[0], "emailAddress"), address);
  EXPECT_EQ(Str(requests[0], "clientIp"), "127.0.0.1");

  const ReceivedMail& mail = mails[0];
  const auto& message = mail.message;
  EXPECT_TRUE(absl::StrContains(message.Header("From"), kMailFrom))
      << message.Header("From");
  EXPECT_TRUE(absl::StrContains(message.Header("To"), address))
      << message.Header("To");
  EXPECT_EQ(mail.subject, "Please confirm your subscription");
  EXPECT_EQ(message.Header("Auto-Submitted"), "auto-generated");
  EXPECT_EQ(message.Header("MIME-Version"), "1.0");
  EXPECT_FALSE(message.Header("Date").empty());
  EXPECT_FALSE(message.Header("Message-ID").empty());
  EXPECT_TRUE(absl::StartsWithIgnoreCase(message.Header("Content-Type"),
                                         "text/plain; charset=utf-8"))
      << message.Header("Content-Type");
  EXPECT_EQ(message.Header("Content-Transfer-Encoding"), "quoted-printable");
  // The link stands quoted-printable in the raw mail.
  EXPECT_TRUE(absl::StrContains(mail.raw, "token=3D")) << mail.raw;
  EXPECT_TRUE(absl::StrContains(mail.text, "Hello Ann")) << mail.text;
  LinkIn(mail);
}

TEST_F(OptInTest, LinkConfirmsIntoTargetListWithCampaignLog) {
  json entry_point = CreateOptInEntryPoint();
  const std::string address = UniqueAddress("ann");
  const std::string link =
      SubmitAndGetLink(Str(entry_point, "apiKey"), address);
  ASSERT_FALSE(link.empty());

  EXPECT_TRUE(IsSuccessPage(Open(link)));

  json leads = Leads();
  ASSERT_EQ(leads.size(), 1u) << leads.dump();
  const std::string lead_id = Str(leads[0], "id");
  EXPECT_EQ(Str(leads[0], "firstName"), "Ann");
  EXPECT_EQ(Str(leads[0], "lastName"), "Lee");
  EXPECT_EQ(Str(leads[0], "emailAddress"), address);
  json members = Members(target_list_id_);
  ASSERT_EQ(members.size(), 1u) << members.dump();
  EXPECT_EQ(Str(members[0], "id"), lead_id);
  json entries = CampaignLogs(campaign_id_);
  json created = Where(entries, "action", "Lead Created");
  json opted_in = Where(entries, "action", "Opted In");
  ASSERT_EQ(created.size(), 1u) << entries.dump();
  ASSERT_EQ(opted_in.size(), 1u) << entries.dump();
  EXPECT_EQ(Str(created[0], "parentId"), lead_id);
  EXPECT_EQ(Str(opted_in[0], "parentId"), lead_id);

  json requests = OptInRequests();
  ASSERT_EQ(requests.size(), 1u) << requests.dump();
  EXPECT_EQ(Str(requests[0], "state"), "CONFIRMED");
  EXPECT_EQ(Str(requests[0], "leadId"), lead_id);
  EXPECT_EQ(Str(requests[0], "confirmIp"), "127.0.0.1");
  EXPECT_FALSE(Str(requests[0], "confirmedAt").empty());
}

TEST_F(OptInTest, SecondOpeningShowsSuccessAndChangesNothing) {
  json entry_point = CreateOptInEntryPoint();
  const std::string link =
      SubmitAndGetLink(Str(entry_point, "apiKey"), UniqueAddress("ann"));
  ASSERT_TRUE(IsSuccessPage(Open(link)));
  const json before = Snapshot();
  const json requests_before = OptInRequests();

  EXPECT_TRUE(IsSuccessPage(Open(link)));

  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(OptInRequests(), requests_before);
}

TEST_F(OptInTest, EspoCrmLinkShapeConfirms) {
  json entry_point = CreateOptInEntryPoint();
  const std::string link =
      SubmitAndGetLink(Str(entry_point, "apiKey"), UniqueAddress("ann"));
  ASSERT_FALSE(link.empty());

  EXPECT_TRUE(IsSuccessPage(deployment().Http()->Get(
      "/?entryPoint=confirmOptIn&id=" + TokenOf(link))));

  EXPECT_EQ(Leads().size(), 1u);
  EXPECT_EQ(Members(target_list_id_).size(), 1u);
  EXPECT_TRUE(IsSuccessPage(Open(link)));
  EXPECT_EQ(Leads().size(), 1u);
}

TEST_F(OptInTest, CaptureWithoutEmailAddressIsRefusedAndStoresNothing) {
  json entry_point = CreateOptInEntryPoint();

  httplib::Result result =
      PostCapture(Str(entry_point, "apiKey"), SeedPayload("Ann", "Lee", ""));

  EXPECT_TRUE(IsErrorAnswer(result, 400, "invalid_argument", "emailAddress",
                            "required"));
  EXPECT_EQ(Leads().size(), 0u);
  EXPECT_EQ(CaptureLogs().size(), 0u);
  EXPECT_EQ(OptInRequests().size(), 0u);
  EXPECT_EQ(Outbox().size(), 0u);
}

// == Templates and placeholders ==

TEST_F(OptInTest, TextTemplateReplacesEveryPlaceholder) {
  const std::string all =
      "url={optInUrl} link={optInLink} date={optInDate} time={optInTime} "
      "datetime={optInDateTime} lead={Lead.firstName} "
      "person={Person.lastName}";
  const std::string template_id =
      CreateTemplate("S " + all, "B " + all + "\n", /*html=*/false);
  json entry_point = CreateOptInEntryPoint({"--opt-in-template", template_id});
  const std::string address = UniqueAddress("ann");

  const absl::Time before = absl::Now();
  Submit(Str(entry_point, "apiKey"), address);
  const ReceivedMail mail = WaitForMail(address);
  const absl::Time after = absl::Now();
  const std::string link = LinkIn(mail);
  ASSERT_FALSE(link.empty());

  // The text part is the only one, and the link is a plain URL in both.
  EXPECT_TRUE(mail.html.empty());
  std::smatch m;
  const std::regex rendered(
      R"(url=(\S+) link=(\S+) date=(\S+) time=(\S+) datetime=(\S+ \S+) )"
      R"(lead=(\S+) person=(\S+))");
  for (const std::string& text : {mail.subject, mail.text}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(absl::StrContains(text, "{"));
    ASSERT_TRUE(std::regex_search(text, m, rendered));
    EXPECT_EQ(m[1], link);
    EXPECT_EQ(m[2], link);
    const absl::TimeZone utc = absl::UTCTimeZone();
    EXPECT_TRUE(
        IsOneOf(m[3], RenderingsBetween("%Y-%m-%d", before, after, utc)));
    EXPECT_TRUE(IsOneOf(m[4], RenderingsBetween("%H:%M", before, after, utc)));
    EXPECT_EQ(m[5], absl::StrCat(m[3].str(), " ", m[4].str()));
    EXPECT_EQ(m[6], "Ann");
    EXPECT_EQ(m[7], "Lee");
  }
  EXPECT_TRUE(absl::StartsWith(mail.subject, "S url="));
  EXPECT_TRUE(IsSuccessPage(Open(link)));
}

TEST_F(OptInTest, HtmlTemplateReplacesEveryPlaceholderEscaped) {
  const std::string template_id = CreateTemplate(
      "Hi {Lead.firstName} {Person.lastName} {optInDateTime} {optInUrl}",
      "<p>Hello {Lead.firstName} {Person.lastName},</p>\n"
      "<p>{optInLink}</p>\n"
      "<p>Or paste {optInUrl}</p>\n"
      "<p>Sent {optInDate} at {optInTime} ({optInDateTime}).</p>",
      /*html=*/true);
  json entry_point =
      CreateOptInEntryPoint({"--opt-in-template", template_id, "--mail-from",
                             "events@leadcapture.example"});
  const std::string address = UniqueAddress("ann");

  const absl::Time before = absl::Now();
  Submit(Str(entry_point, "apiKey"), address);
  const ReceivedMail mail = WaitForMail(address);
  const absl::Time after = absl::Now();
  const std::string link = LinkIn(mail);
  ASSERT_FALSE(link.empty());

  EXPECT_TRUE(absl::StartsWithIgnoreCase(mail.message.Header("Content-Type"),
                                         "multipart/alternative"))
      << mail.message.Header("Content-Type");
  EXPECT_TRUE(absl::StrContains(mail.message.Header("From"),
                                "events@leadcapture.example"));
  EXPECT_FALSE(absl::StrContains(mail.subject, "{"));
  EXPECT_FALSE(absl::StrContains(mail.html, "{"));
  EXPECT_TRUE(absl::StartsWith(mail.subject, "Hi Ann Lee ")) << mail.subject;
  EXPECT_TRUE(absl::EndsWith(mail.subject, " " + link)) << mail.subject;
  EXPECT_TRUE(absl::StrContains(mail.html, "<p>Hello Ann Lee,</p>"))
      << mail.html;
  EXPECT_TRUE(absl::StrContains(
      mail.html,
      absl::StrCat("<p><a href=\"", link, "\">Confirm Opt-In</a></p>")))
      << mail.html;
  EXPECT_TRUE(absl::StrContains(mail.html, "<p>Or paste " + link + "</p>"))
      << mail.html;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      mail.html, m,
      std::regex(R"(<p>Sent (\S+) at (\S+) \((\S+ \S+)\)\.</p>)")))
      << mail.html;
  const absl::TimeZone utc = absl::UTCTimeZone();
  EXPECT_TRUE(IsOneOf(m[1], RenderingsBetween("%Y-%m-%d", before, after, utc)));
  EXPECT_TRUE(IsOneOf(m[2], RenderingsBetween("%H:%M", before, after, utc)));
  EXPECT_EQ(m[3], absl::StrCat(m[1].str(), " ", m[2].str()));
  EXPECT_TRUE(absl::StrContains(mail.text, "Hello Ann Lee,")) << mail.text;
  EXPECT_TRUE(IsSuccessPage(Open(link)));
}

TEST_F(OptInTest, TemplatesWithoutUrlPlaceholderGetTheLinkAppended) {
  json text_entry_point = CreateOptInEntryPoint(
      {"--opt-in-template",
       CreateTemplate("Welcome", "Welcome {Person.firstName}!",
                      /*html=*/false)});
  json html_entry_point = CreateOptInEntryPoint(
      {"--opt-in-template",
       CreateTemplate("Welcome", "<p>Welcome {Person.firstName}!</p>",
                      /*html=*/true)});
  const std::string text_address = UniqueAddress("text");
  const std::string html_address = UniqueAddress("html");

  Submit(Str(text_entry_point, "apiKey"), text_address);
  Submit(Str(html_entry_point, "apiKey"), html_address);
  const ReceivedMail text_mail = WaitForMail(text_address);
  const ReceivedMail html_mail = WaitForMail(html_address);

  const std::string text_link = LinkIn(text_mail);
  EXPECT_EQ(absl::StripTrailingAsciiWhitespace(text_mail.text),
            "Welcome Ann!\n\n" + text_link)
      << text_mail.text;
  const std::string html_link = LinkIn(html_mail);
  EXPECT_TRUE(absl::StartsWith(html_mail.html, "<p>Welcome Ann!</p>"))
      << html_mail.html;
  EXPECT_TRUE(absl::StrContains(
      html_mail.html,
      absl::StrCat("<p><a href=\"", html_link, "\">Confirm Opt-In</a></p>")))
      << html_mail.html;
  EXPECT_TRUE(IsSuccessPage(Open(text_link)));
  EXPECT_TRUE(IsSuccessPage(Open(html_link)));
  EXPECT_EQ(Leads().size(), 2u);
}

TEST_F(OptInTest, SubmittedMarkupArrivesEscapedInHtmlPart) {
  json entry_point = CreateOptInEntryPoint(
      {"--payload-fields", "firstName,lastName,emailAddress,accountName",
       "--opt-in-template",
       CreateTemplate("Welcome",
                      "<p>Company: {Lead.accountName}</p>\n<p>{optInLink}</p>",
                      /*html=*/true)});
  const std::string address = UniqueAddress("ann");
  const json payload = {{"firstName", "Ann"},
                        {"emailAddress", address},
                        {"accountName", "<script>alert(1)</script>"}};

  ASSERT_TRUE(
      IsAccepted(PostCapture(Str(entry_point, "apiKey"), payload.dump())));
  const ReceivedMail mail = WaitForMail(address);

  EXPECT_TRUE(absl::StrContains(
      mail.html, "<p>Company: &lt;script&gt;alert(1)&lt;/script&gt;</p>"))
      << mail.html;
  EXPECT_FALSE(absl::StrContains(mail.html, "<script")) << mail.html;
  // The text part says it as text.
  EXPECT_TRUE(absl::StrContains(mail.text, "<script>alert(1)</script>"))
      << mail.text;
}

TEST_F(OptInTest, EmojiInFirstNameSurvivesIntoMailAndLead) {
  const std::string name = "Ann \xF0\x9F\x98\x80";  // U+1F600
  json entry_point = CreateOptInEntryPoint(
      {"--opt-in-template",
       CreateTemplate("Welcome {Person.firstName}",
                      "Hello {Person.firstName}, {optInUrl}",
                      /*html=*/false)});
  const std::string address = UniqueAddress("ann");

  Submit(Str(entry_point, "apiKey"), address, name);
  const ReceivedMail mail = WaitForMail(address);

  // Seven bits on the wire: an encoded-word subject, a quoted-printable
  // body.
  EXPECT_TRUE(std::all_of(mail.raw.begin(), mail.raw.end(),
                          [](char c) { return (c & 0x80) == 0; }));
  EXPECT_TRUE(absl::StrContains(mail.message.Header("Subject"), "=?"))
      << mail.message.Header("Subject");
  EXPECT_EQ(mail.subject, "Welcome " + name);
  EXPECT_TRUE(absl::StartsWith(mail.text, "Hello " + name + ", ")) << mail.text;

  ASSERT_TRUE(IsSuccessPage(Open(LinkIn(mail))));
  json leads = Leads();
  ASSERT_EQ(leads.size(), 1u);
  EXPECT_EQ(Str(leads[0], "firstName"), name);
}

// Dates and times in another zone and formats.
class OptInTimeZoneTest : public OptInTest {
 protected:
  std::vector<std::string> ExtraDaemonFlags() const override {
    return {"--time_zone=Europe/Berlin", "--date_format=%d.%m.%Y",
            "--time_format=%H:%M %Z"};
  }
};

TEST_F(OptInTimeZoneTest, DatesFollowConfiguredZoneAndFormats) {
  json entry_point = CreateOptInEntryPoint(
      {"--opt-in-template",
       CreateTemplate("On {optInDate}",
                      "date={optInDate}\ntime={optInTime}\n"
                      "both={optInDateTime}\n{optInUrl}",
                      /*html=*/false)});
  const std::string address = UniqueAddress("ann");
  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));

  const absl::Time before = absl::Now();
  Submit(Str(entry_point, "apiKey"), address);
  const ReceivedMail mail = WaitForMail(address);
  const absl::Time after = absl::Now();

  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      mail.text, m, std::regex("date=(.*)\ntime=(.*)\nboth=(.*)\n")))
      << mail.text;
  EXPECT_TRUE(
      IsOneOf(m[1], RenderingsBetween("%d.%m.%Y", before, after, berlin)));
  EXPECT_TRUE(
      IsOneOf(m[2], RenderingsBetween("%H:%M %Z", before, after, berlin)));
  EXPECT_TRUE(std::regex_match(m[2].str(), std::regex(R"(\d\d:\d\d CES?T)")))
      << m[2];
  EXPECT_EQ(m[3], absl::StrCat(m[1].str(), " ", m[2].str()));
  EXPECT_EQ(mail.subject, "On " + m[1].str());
}

// == Repeated submissions and the entry point's choices ==

TEST_F(OptInTest, SecondSubmissionSendsSecondMailAndSecondClickChangesNothing) {
  json entry_point = CreateOptInEntryPoint();
  const std::string api_key = Str(entry_point, "apiKey");
  const std::string address = UniqueAddress("ann");
  const std::string first = SubmitAndGetLink(api_key, address, 1);
  const std::string second = SubmitAndGetLink(api_key, address, 2);
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  EXPECT_NE(first, second);

  ASSERT_TRUE(IsSuccessPage(Open(first)));
  const json after_first = Snapshot();
  EXPECT_EQ(after_first["leads"].size(), 1u);
  EXPECT_EQ(after_first["members"].size(), 1u);

  EXPECT_TRUE(IsSuccessPage(Open(second)));
  EXPECT_EQ(Snapshot(), after_first);
  json requests = OptInRequests();
  ASSERT_EQ(requests.size(), 2u) << requests.dump();
  for (const json& request : requests) {
    EXPECT_EQ(Str(request, "state"), "CONFIRMED");
    EXPECT_EQ(Str(request, "leadId"), Str(after_first["leads"][0], "id"));
  }
}

TEST_F(OptInTest, NewSubmissionSendsNewLinkThatWorksAndOldOneStillShows) {
  json entry_point = CreateOptInEntryPoint();
  const std::string api_key = Str(entry_point, "apiKey");
  const std::string address = UniqueAddress("ann");
  const std::string old_link = SubmitAndGetLink(api_key, address, 1);
  const std::string new_link = SubmitAndGetLink(api_key, address, 2);
  ASSERT_FALSE(old_link.empty());
  ASSERT_FALSE(new_link.empty());

  ASSERT_TRUE(IsSuccessPage(Open(new_link)));
  const json after_new = Snapshot();
  EXPECT_EQ(after_new["leads"].size(), 1u);
  EXPECT_EQ(after_new["members"].size(), 1u);
  EXPECT_EQ(Where(after_new["campaignLogs"], "action", "Opted In").size(), 1u);

  EXPECT_TRUE(IsSuccessPage(Open(old_link)));
  EXPECT_EQ(Snapshot(), after_new);
}

TEST_F(OptInTest, CreateLeadBeforeConfirmationSubscribesOnlyOnClick) {
  json entry_point =
      CreateOptInEntryPoint({"--create-lead-before-confirmation=true"});
  const std::string address = UniqueAddress("ann");
  const std::string link =
      SubmitAndGetLink(Str(entry_point, "apiKey"), address);
  ASSERT_FALSE(link.empty());

  json leads = Leads();
  ASSERT_EQ(leads.size(), 1u) << leads.dump();
  const std::string lead_id = Str(leads[0], "id");
  EXPECT_EQ(Members(target_list_id_).size(), 0u);
  json entries = CampaignLogs(campaign_id_);
  EXPECT_EQ(Where(entries, "action", "Lead Created").size(), 1u);
  EXPECT_EQ(Where(entries, "action", "Opted In").size(), 0u);
  json logs = CaptureLogs();
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(Str(logs[0], "outcome"), "PENDING_OPT_IN");
  EXPECT_EQ(Str(logs[0], "targetId"), lead_id);

  ASSERT_TRUE(IsSuccessPage(Open(link)));

  leads = Leads();
  ASSERT_EQ(leads.size(), 1u) << leads.dump();
  EXPECT_EQ(Str(leads[0], "id"), lead_id);
  json members = Members(target_list_id_);
  ASSERT_EQ(members.size(), 1u) << members.dump();
  EXPECT_EQ(Str(members[0], "id"), lead_id);
  entries = CampaignLogs(campaign_id_);
  EXPECT_EQ(Where(entries, "action", "Lead Created").size(), 1u);
  EXPECT_EQ(Where(entries, "action", "Opted In").size(), 1u);
}

TEST_F(OptInTest, AlreadySubscribedIsSkippedWithoutMail) {
  json entry_point =
      CreateOptInEntryPoint({"--skip-confirmation-if-subscribed=true"});
  const std::string api_key = Str(entry_point, "apiKey");
  const std::string address = UniqueAddress("ann");
  ASSERT_TRUE(IsSuccessPage(Open(SubmitAndGetLink(api_key, address))));
  const json before = Snapshot();
  const std::size_t logs_before = CaptureLogs().size();

  Submit(api_key, address);

  // The outbox is written with the capture: no new item, no new mail.
  EXPECT_EQ(OutboxTo(address).size(), 1u);
  json logs = CaptureLogs();
  EXPECT_EQ(logs.size(), logs_before + 1) << logs.dump();
  json skipped = Where(logs, "outcome", "OPT_IN_SKIPPED_SUBSCRIBED");
  ASSERT_EQ(skipped.size(), 1u) << logs.dump();
  EXPECT_EQ(Str(skipped[0], "targetId"), Str(before["leads"][0], "id"));
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(OptInRequests().size(), 1u);
  EXPECT_EQ(MailsTo(mail_server_->maildir(), address).size(), 1u);
}

TEST_F(OptInTest, FourthSubmissionInADayIsAcceptedWithoutMail) {
  json entry_point = CreateOptInEntryPoint();
  const std::string api_key = Str(entry_point, "apiKey");
  const std::string address = UniqueAddress("ann");

  for (int i = 0; i < 4; ++i) Submit(api_key, address);

  json outbox = OutboxTo(address);
  EXPECT_EQ(outbox.size(), 3u) << outbox.dump();
  json logs = CaptureLogs();
  EXPECT_EQ(Where(logs, "outcome", "PENDING_OPT_IN").size(), 3u) << logs.dump();
  EXPECT_EQ(Where(logs, "outcome", "OPT_IN_MAIL_LIMITED").size(), 1u)
      << logs.dump();
  std::vector<ReceivedMail> mails = WaitForMails(address, 3);
  std::set<std::string> links;
  for (const ReceivedMail& mail : mails) links.insert(LinkIn(mail));
  EXPECT_EQ(links.size(), 3u);
}

// == Confirmation pages ==

TEST_F(OptInTest, ButtonFlowGetShowsFormAndOnlyPostConfirms) {
  json entry_point =
      CreateOptInEntryPoint({"--opt-in-confirm-with-button=true"});
  const std::string link =
      SubmitAndGetLink(Str(entry_point, "apiKey"), UniqueAddress("ann"));
  ASSERT_FALSE(link.empty());
  const std::string token = TokenOf(link);

  for (const std::string& path : {link.substr(PublicUrl().size()),
                                  "/?entryPoint=confirmOptIn&id=" + token}) {
    httplib::Result page = deployment().Http()->Get(path);
    EXPECT_TRUE(IsPage(page, 200, "<form method=\"post\""));
    if (!page) continue;
    EXPECT_TRUE(absl::StrContains(
        page->body, absl::StrCat("name=\"token\" value=\"", token, "\"")))
        << page->body;
    EXPECT_TRUE(absl::StrContains(page->body, "<button")) << page->body;
  }
  EXPECT_EQ(Leads().size(), 0u);
  EXPECT_EQ(Str(OptInRequests()[0], "state"), "PENDING");

  EXPECT_TRUE(IsSuccessPage(PostConfirm("token=" + token)));

  json leads = Leads();
  ASSERT_EQ(leads.size(), 1u);
  EXPECT_EQ(Members(target_list_id_).size(), 1u);
  EXPECT_EQ(Str(OptInRequests()[0], "state"), "CONFIRMED");
  // Once confirmed, the link shows success rather than the form.
  EXPECT_TRUE(IsSuccessPage(Open(link)));
}

TEST_F(OptInTest, SuccessRedirectUrlGives303ThereAfterConfirming) {
  json entry_point = CreateOptInEntryPoint(
      {"--opt-in-success-redirect-url", "https://example.com/thanks"});
  const std::string link =
      SubmitAndGetLink(Str(entry_point, "apiKey"), UniqueAddress("ann"));
  ASSERT_FALSE(link.empty());

  httplib::Result result = Open(link);

  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 303);
  EXPECT_EQ(result->get_header_value("Location"), "https://example.com/thanks");
  EXPECT_EQ(Leads().size(), 1u);
  EXPECT_EQ(Members(target_list_id_).size(), 1u);
}

TEST_F(OptInTest, SuccessMessageIsRenderedMarkdown) {
  json entry_point = CreateOptInEntryPoint(
      {"--opt-in-success-message", "**Welcome** aboard <script>x()</script>"});
  const std::string link =
      SubmitAndGetLink(Str(entry_point, "apiKey"), UniqueAddress("ann"));
  ASSERT_FALSE(link.empty());

  httplib::Result result = Open(link);

  EXPECT_TRUE(IsPage(result, 200, "<strong>Welcome</strong> aboard"));
  if (result) EXPECT_FALSE(absl::StrContains(result->body, "<script"));
}

TEST_F(OptInTest, BadTokensGiveUnknownPageAndStoreNothing) {
  json entry_point = CreateOptInEntryPoint();
  const std::string address = UniqueAddress("ann");
  ASSERT_FALSE(SubmitAndGetLink(Str(entry_point, "apiKey"), address).empty());
  const json before = Snapshot();
  const json requests_before = OptInRequests();
  const json logs_before = CaptureLogs();

  const std::vector<std::string> tokens = {
      "",
      std::string(22, 'A'),  // well-formed, unknown
      std::string(23, 'A'),
      std::string(65, 'A'),
      std::string(4000, 'A'),
      "AAAAAAAAAAAAAAAAAAAA+/",
      "AAAAAAAAAAAAAAAAAAAAA=",
      "AAAAAAAAAAA AAAAAAAAAA",
      "' OR '1'='1",
      "x'; DROP TABLE opt_in_requests; --",
      "<script>alert(1)</script>",
      "%00",
      std::string(1, '\0'),
      "\xF0\x9F\x98\x80",
  };
  for (const std::string& token : tokens) {
    SCOPED_TRACE(token.substr(0, 40));
    const std::string encoded = PercentEncode(token);
    for (const std::string& path :
         {"/optin/confirm?token=" + encoded,
          "/?entryPoint=confirmOptIn&id=" + encoded}) {
      httplib::Result result = deployment().Http()->Get(path);
      EXPECT_TRUE(IsUnknownLinkPage(result));
      if (result) EXPECT_FALSE(absl::StrContains(result->body, "<script>"));
    }
    EXPECT_TRUE(IsUnknownLinkPage(PostConfirm("token=" + encoded)));
  }
  EXPECT_TRUE(IsUnknownLinkPage(deployment().Http()->Get("/optin/confirm")));

  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(OptInRequests(), requests_before);
  EXPECT_EQ(CaptureLogs(), logs_before);
  httplib::Result health = deployment().Http()->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(OutboxTo(address).size(), 1u);
}

// == Delivery ==

// leadcaptured sends to a port where no SMTP server listens until the test
// starts one there.
class OptInSmtpOutageTest : public OptInTest {
 protected:
  void ChooseSmtpServer() override {
    smtp_port_ = PickFreePort();
    smtp_url_ = absl::StrCat("smtp://127.0.0.1:", smtp_port_);
  }

  int smtp_port_ = 0;
};

TEST_F(OptInSmtpOutageTest, QueuedMailIsSentExactlyOnceAfterRecovery) {
  json entry_point = CreateOptInEntryPoint();
  std::vector<std::string> addresses;
  for (int i = 0; i < 3; ++i) {
    addresses.push_back(UniqueAddress(absl::StrCat("person", i)));
    Submit(Str(entry_point, "apiKey"), addresses.back());
  }

  // Every mail is tried and waits for a retry.
  json outbox;
  const absl::Time deadline = absl::Now() + kMailTimeout;
  while (absl::Now() < deadline) {
    outbox = Outbox();
    if (outbox.size() == 3 &&
        std::all_of(outbox.begin(), outbox.end(), [](const json& message) {
          return message.value("attempts", 0) >= 1;
        })) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(outbox.size(), 3u) << outbox.dump();
  for (const json& message : outbox) {
    EXPECT_EQ(Str(message, "status"), "QUEUED") << message.dump();
    EXPECT_GE(message.value("attempts", 0), 1) << message.dump();
    EXPECT_FALSE(Str(message, "lastError").empty()) << message.dump();
  }
  EXPECT_EQ(Leads().size(), 0u);

  auto dir = mail::testing::TempDir::Create();
  ASSERT_TRUE(dir.ok()) << dir.status();
  mail::testing::SmtpServerOptions options;
  options.port = smtp_port_;
  auto server = mail::testing::SmtpServer::Start((*dir)->path(), options);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string maildir = (*dir)->path() + "/maildir";

  ASSERT_TRUE((*server)->WaitForMails(3, kMailTimeout))
      << (*server)->MailFiles().size() << " mails";
  // Longer than the longest back-off: a mail sent twice would show now.
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ((*server)->MailFiles().size(), 3u);
  for (const std::string& address : addresses) {
    std::vector<ReceivedMail> mails = MailsTo(maildir, address);
    ASSERT_EQ(mails.size(), 1u) << address;
    EXPECT_TRUE(IsSuccessPage(Open(LinkIn(mails[0]))));
  }
  for (const json& message : Outbox()) {
    EXPECT_EQ(Str(message, "status"), "SENT") << message.dump();
  }
  EXPECT_EQ(Leads().size(), 3u);
}

}  // namespace
}  // namespace leadcapture::testing
