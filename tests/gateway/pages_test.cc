#include "gateway/pages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace leadcapture::gateway {
namespace {

using ::testing::AllOf;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::vector<HtmlPage> AllPages() {
  return {ConfirmButtonPage("tok_EN-1", "confirm"),
          SuccessPage(""),
          SuccessPage("<p>Welcome <em>aboard</em></p>"),
          *RedirectPage("https://shop.example/thanks"),
          ExpiredPage(),
          UnknownLinkPage(),
          UnavailablePage(),
          ErrorPage(404),
          ErrorPage(405),
          ErrorPage(413),
          ErrorPage(415),
          ErrorPage(429),
          ErrorPage(500),
          ErrorPage(400)};
}

// Verifies the escaping of every character that matters in element
// content and quoted attributes.
TEST(EscapeHtmlTest, EscapesMarkupAndQuotes) {
  EXPECT_EQ(EscapeHtml(R"(<a href="x" title='y'>&amp;</a>)"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a"
            "&gt;");
  EXPECT_EQ(EscapeHtml("plain text"), "plain text");
  EXPECT_EQ(EscapeHtml(""), "");
}

TEST(EscapeHtmlTest, KeepsUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(EscapeHtml("Zo\xC3\xAB \xF0\x9F\x98\x80"),
            "Zo\xC3\xAB \xF0\x9F\x98\x80");
  EXPECT_EQ(EscapeHtml("a\xFF<"), "a\xEF\xBF\xBD&lt;");
}

TEST(PagesTest, EveryPageIsAWholeHtml5DocumentWithoutScripts) {
  for (const HtmlPage& page : AllPages()) {
    EXPECT_THAT(page.html, StartsWith("<!DOCTYPE html>\n<html lang=\"en\">"));
    EXPECT_THAT(page.html, AllOf(HasSubstr("<meta charset=\"utf-8\">"),
                                 HasSubstr("<meta name=\"viewport\" "
                                           "content=\"width=device-width, "
                                           "initial-scale=1\">"),
                                 HasSubstr("<style>"), HasSubstr("<main>"),
                                 HasSubstr("</main>"), EndsWith("</html>\n")));
    EXPECT_THAT(page.html, HasSubstr("<title>"));
    EXPECT_THAT(page.html, Not(HasSubstr("<script")));
    EXPECT_THAT(page.html, Not(HasSubstr("http-equiv")));
  }
}

TEST(PagesTest, HeadersForbidScriptsReferrerCachingAndFraming) {
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : PageHeaders()) headers[name] = value;
  EXPECT_EQ(headers["Cache-Control"], "no-store");
  EXPECT_EQ(headers["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(headers["X-Frame-Options"], "DENY");
  const std::string& csp = headers["Content-Security-Policy"];
  EXPECT_THAT(csp, StartsWith("default-src 'none'; "));
  EXPECT_THAT(csp, HasSubstr("style-src 'unsafe-inline'"));
  EXPECT_THAT(csp, HasSubstr("form-action 'self'"));
  EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(csp, Not(HasSubstr("script-src")));
}

TEST(PagesTest, ButtonPagePostsTheTokenInAHiddenField) {
  HtmlPage page = ConfirmButtonPage("AbC_d-9", "optin/confirm");
  EXPECT_EQ(page.status, 200);
  EXPECT_TRUE(page.location.empty());
  EXPECT_THAT(page.html,
              HasSubstr("<form method=\"post\" action=\"optin/confirm\">"));
  EXPECT_THAT(page.html, HasSubstr("<input type=\"hidden\" name=\"token\" "
                                   "value=\"AbC_d-9\">"));
  EXPECT_THAT(page.html, HasSubstr("<button type=\"submit\">Confirm</button>"));
}

TEST(PagesTest, ButtonPageEscapesTokenAndAction) {
  HtmlPage page = ConfirmButtonPage("\"><script>x</script>", "a\"b");
  EXPECT_THAT(page.html, Not(HasSubstr("<script")));
  EXPECT_THAT(page.html,
              HasSubstr("value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""));
  EXPECT_THAT(page.html, HasSubstr("action=\"a&quot;b\""));
}

TEST(PagesTest, SuccessPageEmbedsTheSuccessHtmlAsItIs) {
  HtmlPage page = SuccessPage(
      "<h2>Danke!</h2>\n<p>Bis bald &amp; tsch\xC3\xBC"
      "ss.</p>");
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.html, HasSubstr("<main>\n<h2>Danke!</h2>\n<p>Bis bald "
                                   "&amp; tsch\xC3\xBCss.</p>\n</main>"));
  EXPECT_THAT(page.html, Not(HasSubstr("your subscription is confirmed")));
}

TEST(PagesTest, SuccessPageWithoutMessageThanksByDefault) {
  for (const char* empty : {"", " \n\t"}) {
    HtmlPage page = SuccessPage(empty);
    EXPECT_EQ(page.status, 200);
    EXPECT_THAT(page.html, HasSubstr("<p>Thank you \xE2\x80\x94 your "
                                     "subscription is confirmed.</p>"));
  }
}

TEST(PagesTest, RedirectPageIs303ToTheUrlWithALinkThere) {
  std::optional<HtmlPage> page =
      RedirectPage("https://shop.example/thanks?a=1&b=2");
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->status, 303);
  EXPECT_EQ(page->location, "https://shop.example/thanks?a=1&b=2");
  EXPECT_THAT(
      page->html,
      HasSubstr("<a href=\"https://shop.example/thanks?a=1&amp;b=2\">"));

  std::optional<HtmlPage> plain = RedirectPage(" HTTP://Shop.example/ ");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->location, "HTTP://Shop.example/");
}

TEST(PagesTest, RedirectPageEncodesTheLocationAndEscapesTheLink) {
  std::optional<HtmlPage> page = RedirectPage(
      "https://shop.example/t?n=\"><script>alert(1)</script>&x=a b\r\nX: 1"
      "&z=\xC3\xBC");
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->location,
            "https://shop.example/t?n=%22%3E%3Cscript%3Ealert(1)%3C/script%3E"
            "&x=a%20b%0D%0AX:%201&z=%C3%BC");
  EXPECT_THAT(page->html, Not(HasSubstr("<script")));
  EXPECT_THAT(page->html, HasSubstr("href=\"https://shop.example/t?n=%22%3E"
                                    "%3Cscript%3Ealert(1)%3C/script%3E&amp;"));
}

TEST(PagesTest, RedirectPageRefusesAnythingButHttpAndHttps) {
  for (const char* url :
       {"", "javascript:alert(1)", "JavaScript://%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>", "//evil.example/",
        "/relative", "ftp://files.example/", "http:///no-host",
        "https:/\\evil.example", "https://", "shop.example/thanks"}) {
    EXPECT_FALSE(RedirectPage(url).has_value()) << url;
  }
}

TEST(PagesTest, ExpiredPageIs410AndSaysTheLinkHasExpired) {
  HtmlPage page = ExpiredPage();
  EXPECT_EQ(page.status, 410);
  EXPECT_THAT(page.html, HasSubstr("the confirmation link has expired"));
}

TEST(PagesTest, UnknownLinkPageIs404AndSaysUnknownOrExpired) {
  HtmlPage page = UnknownLinkPage();
  EXPECT_EQ(page.status, 404);
  EXPECT_THAT(page.html, HasSubstr("unknown or expired link"));
}

TEST(PagesTest, UnavailablePageIs503) {
  HtmlPage page = UnavailablePage();
  EXPECT_EQ(page.status, 503);
  EXPECT_THAT(page.html, HasSubstr("unavailable"));
}

TEST(PagesTest, ErrorPageKeepsItsStatus) {
  for (int status : {400, 404, 405, 413, 415, 429, 500, 502}) {
    HtmlPage page = ErrorPage(status);
    EXPECT_EQ(page.status, status);
    EXPECT_TRUE(page.location.empty());
  }
  EXPECT_THAT(ErrorPage(500).html, HasSubstr("Something went wrong"));
  EXPECT_THAT(ErrorPage(413).html, HasSubstr("too large"));
}

}  // namespace
}  // namespace leadcapture::gateway
