#include "services/opt_in_mail.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace leadcapture {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUrl[] =
    "https://leads.example/optin/confirm?token=abcdefghijklmnopqrstuv";

CleanPayload Payload(const std::string& first_name) {
  CleanPayload payload;
  payload.Set("firstName", first_name);
  payload.Set("lastName", "Lee");
  payload.Set("emailAddress", "ann@example.com");
  return payload;
}

v1::EmailTemplate Template(const std::string& subject, const std::string& body,
                           bool html) {
  v1::EmailTemplate email_template;
  email_template.set_name("t");
  email_template.set_subject(subject);
  email_template.set_body(body);
  email_template.set_is_html(html);
  return email_template;
}

const absl::Time kSubmitted = absl::FromUnixSeconds(1767225600);  // 2026-01-01

// Verifies every placeholder in subject and body of a text template.
TEST(OptInMailTest, ReplacesEveryPlaceholderInText) {
  RenderedMail mail = RenderOptInMail(
      Template("{Person.firstName}, confirm on {optInDate}",
               "Hi {Lead.firstName} {Person.lastName} <{Lead.emailAddress}>\n"
               "{optInUrl}\n{optInLink}\n{optInDate}|{optInTime}|"
               "{optInDateTime}\n{Person.unknownField}|{notAPlaceholder}",
               false),
      Payload("Ann"), kUrl, kSubmitted, MailTimeFormat());
  EXPECT_EQ(mail.subject, "Ann, confirm on 2026-01-01");
  EXPECT_EQ(mail.text_body,
            std::string("Hi Ann Lee <ann@example.com>\n") + kUrl + "\n" + kUrl +
                "\n2026-01-01|00:00|2026-01-01 00:00\n|" + "{notAPlaceholder}");
  EXPECT_EQ(mail.html_body, "");
}

// Verifies that the text version keeps the URL plain, with no &amp;.
TEST(OptInMailTest, TextUrlIsPlain) {
  const std::string url = "https://leads.example/x?a=1&token=t";
  RenderedMail mail =
      RenderOptInMail(Template("s", "{optInUrl}", false), Payload("Ann"), url,
                      kSubmitted, MailTimeFormat());
  EXPECT_EQ(mail.text_body, url);
}

// Verifies escaping of every inserted value in an HTML template, and the
// anchor of {optInLink}.
TEST(OptInMailTest, EscapesValuesInHtml) {
  RenderedMail mail = RenderOptInMail(
      Template("Hello {Person.firstName}",
               "<p>Hello {Person.firstName}</p><p>{optInLink}</p>", true),
      Payload("<script>alert(1)</script>"),
      "https://leads.example/c?a=1&token=t", kSubmitted, MailTimeFormat());
  EXPECT_THAT(mail.html_body,
              HasSubstr("Hello &lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(mail.html_body, Not(HasSubstr("<script>")));
  EXPECT_THAT(mail.html_body,
              HasSubstr("<a href=\"https://leads.example/c?a=1&amp;token=t\">"
                        "Confirm Opt-In</a>"));
  // The subject is a header, not HTML: the value stays as written.
  EXPECT_EQ(mail.subject, "Hello <script>alert(1)</script>");
  // The text alternative reads like text.
  EXPECT_THAT(mail.text_body, HasSubstr("Hello <script>alert(1)</script>"));
  EXPECT_THAT(mail.text_body, HasSubstr("https://leads.example/c?a=1&token=t"));
}

// Verifies that a body without a URL placeholder gets the link appended.
TEST(OptInMailTest, AppendsTheLinkWhenMissing) {
  RenderedMail text =
      RenderOptInMail(Template("s", "Thanks!", false), Payload("Ann"), kUrl,
                      kSubmitted, MailTimeFormat());
  EXPECT_EQ(text.text_body, std::string("Thanks!\n\n") + kUrl);

  RenderedMail html =
      RenderOptInMail(Template("s", "<p>Thanks!</p>", true), Payload("Ann"),
                      kUrl, kSubmitted, MailTimeFormat());
  EXPECT_THAT(html.html_body, EndsWith(std::string("<p><a href=\"") + kUrl +
                                       "\">Confirm Opt-In</a></p>"));
  EXPECT_THAT(html.text_body, HasSubstr(kUrl));
}

// Verifies that dates follow the configured zone across a daylight-saving
// change (Europe/Berlin: CET +1 before 29 March 2026, CEST +2 after).
TEST(OptInMailTest, DatesFollowTheZoneAcrossDaylightSaving) {
  MailTimeFormat format;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &format.zone));
  format.date_format = "%d.%m.%Y";
  format.time_format = "%H:%M %Z";
  const v1::EmailTemplate email_template =
      Template("s", "{optInDateTime}", false);

  // 2026-03-29 00:30 UTC is 01:30 CET; 01:30 UTC is 03:30 CEST.
  const absl::Time before = absl::FromUnixSeconds(1774744200);
  const absl::Time after = before + absl::Hours(1);
  EXPECT_THAT(
      RenderOptInMail(email_template, Payload("Ann"), kUrl, before, format)
          .text_body,
      ::testing::StartsWith("29.03.2026 01:30 CET"));
  EXPECT_THAT(
      RenderOptInMail(email_template, Payload("Ann"), kUrl, after, format)
          .text_body,
      ::testing::StartsWith("29.03.2026 03:30 CEST"));
}

TEST(OptInMailTest, SubjectStaysOneLine) {
  RenderedMail mail =
      RenderOptInMail(Template("a\r\nBcc: x{optInDate}", "b", false),
                      Payload("Ann"), kUrl, kSubmitted, MailTimeFormat());
  EXPECT_THAT(mail.subject, Not(HasSubstr("\n")));
  EXPECT_THAT(mail.subject, Not(HasSubstr("\r")));
}

TEST(OptInMailTest, DefaultTemplateCarriesTheLink) {
  RenderedMail mail = RenderOptInMail(DefaultOptInTemplate(), Payload("Ann"),
                                      kUrl, kSubmitted, MailTimeFormat());
  EXPECT_THAT(mail.text_body, HasSubstr("Hello Ann,"));
  EXPECT_THAT(mail.text_body, HasSubstr(kUrl));
  EXPECT_EQ(mail.subject, "Please confirm your subscription");
}

}  // namespace
}  // namespace leadcapture
