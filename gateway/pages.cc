#include "gateway/pages.h"

#include <cstddef>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/http_text.h"

namespace leadcapture::gateway {
namespace {

// No script may run. A form may go to this server, and also to where it
// redirects: browsers check form-action on the redirect after a form's
// POST, and the success redirect points to another site.
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self' http: https:; frame-ancestors 'none'; "
    "base-uri 'none'";

constexpr char kStyle[] =
    "body{margin:0;padding:2rem 1rem;background:#f4f5f7;color:#1d2129;"
    "font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}"
    "main{max-width:32rem;margin:0 auto;padding:1.5rem 2rem;"
    "background:#fff;border-radius:.5rem;"
    "box-shadow:0 1px 3px rgba(0,0,0,.12)}"
    "main>:first-child{margin-top:0}main>:last-child{margin-bottom:0}"
    "h1{font-size:1.4rem;margin:0 0 1rem}"
    "button{font:inherit;padding:.6rem 1.6rem;border:0;border-radius:.3rem;"
    "background:#1a6dd4;color:#fff;cursor:pointer}"
    "button:hover{background:#1559ad}"
    "a{color:#1a6dd4}";

constexpr char kThankYou[] =
    "Thank you \xE2\x80\x94 your subscription is confirmed.";

// A whole document; `title` is text, `body_html` markup.
std::string Document(absl::string_view title, absl::string_view body_html) {
  return absl::StrCat(
      "<!DOCTYPE html>\n"
      "<html lang=\"en\">\n"
      "<head>\n"
      "<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n"
      "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
      "<title>",
      EscapeHtml(title),
      "</title>\n"
      "<style>",
      kStyle,
      "</style>\n"
      "</head>\n"
      "<body>\n"
      "<main>\n",
      body_html,
      "\n</main>\n"
      "</body>\n"
      "</html>\n");
}

// A page with a heading and one paragraph, both text.
HtmlPage TextPage(int status, absl::string_view heading,
                  absl::string_view text) {
  HtmlPage page;
  page.status = status;
  page.html =
      Document(heading, absl::StrCat("<h1>", EscapeHtml(heading), "</h1>\n<p>",
                                     EscapeHtml(text), "</p>"));
  return page;
}

// Whether `c` may stand in a Location as it is. '%' may: the URL is taken
// as already encoded.
bool IsUrlByte(char c) {
  if (c < 0x21 || c > 0x7e) return false;
  return !absl::StrContains("\"<>\\^`{|}", c);
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& PageHeaders() {
  static const auto* const headers =
      new std::vector<std::pair<std::string, std::string>>{
          {"Cache-Control", "no-store"},
          {"Referrer-Policy", "no-referrer"},
          {"X-Content-Type-Options", "nosniff"},
          {"X-Frame-Options", "DENY"},
          {"Content-Security-Policy", kContentSecurityPolicy},
      };
  return *headers;
}

std::string EscapeHtml(absl::string_view text) {
  const std::string valid =
      ToValidUtf8(text, std::numeric_limits<std::size_t>::max());
  std::string escaped;
  escaped.reserve(valid.size());
  for (char c : valid) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped.push_back(c);
    }
  }
  return escaped;
}

HtmlPage ConfirmButtonPage(absl::string_view token,
                           absl::string_view form_action) {
  constexpr char kTitle[] = "Confirm your subscription";
  HtmlPage page;
  page.html = Document(
      kTitle,
      absl::StrCat(
          "<h1>", kTitle,
          "</h1>\n"
          "<p>Please press the button to confirm your subscription.</p>\n"
          "<form method=\"post\" action=\"",
          EscapeHtml(form_action),
          "\">\n"
          "<input type=\"hidden\" name=\"token\" value=\"",
          EscapeHtml(token),
          "\">\n"
          "<button type=\"submit\">Confirm</button>\n"
          "</form>"));
  return page;
}

HtmlPage SuccessPage(absl::string_view success_html) {
  if (absl::StripAsciiWhitespace(success_html).empty()) {
    return TextPage(200, "Subscription confirmed", kThankYou);
  }
  HtmlPage page;
  page.html = Document("Subscription confirmed", success_html);
  return page;
}

std::optional<HtmlPage> RedirectPage(absl::string_view url) {
  url = absl::StripAsciiWhitespace(url);
  if (!absl::StartsWithIgnoreCase(url, "http://") &&
      !absl::StartsWithIgnoreCase(url, "https://")) {
    return std::nullopt;
  }
  // An authority must follow; "http:///path" has none.
  const absl::string_view authority = url.substr(url.find("//") + 2);
  if (authority.empty() || authority[0] == '/' || authority[0] == '\\') {
    return std::nullopt;
  }

  HtmlPage page;
  page.status = 303;
  for (char c : url) {
    if (IsUrlByte(c)) {
      page.location.push_back(c);
    } else {
      absl::StrAppendFormat(&page.location, "%%%02X",
                            static_cast<unsigned char>(c));
    }
  }
  page.html =
      Document("Subscription confirmed",
               absl::StrCat("<h1>Subscription confirmed</h1>\n<p>", kThankYou,
                            " <a href=\"", EscapeHtml(page.location),
                            "\">Continue</a></p>"));
  return page;
}

HtmlPage ExpiredPage() {
  return TextPage(410, "Link expired",
                  "Sorry, the confirmation link has expired. Please submit "
                  "the form again to get a new link.");
}

HtmlPage UnknownLinkPage() {
  return TextPage(404, "Link not found",
                  "Sorry, this is an unknown or expired link.");
}

HtmlPage UnavailablePage() {
  return TextPage(503, "Service unavailable",
                  "The service is unavailable right now. Please open the "
                  "link again in a few minutes.");
}

HtmlPage ErrorPage(int status) {
  switch (status) {
    case 404:
      return TextPage(status, "Page not found", "There is no page here.");
    case 405:
      return TextPage(status, "Method not allowed",
                      "This page can only be opened or submitted.");
    case 413:
      return TextPage(status, "Request too large", "The request is too large.");
    case 415:
      return TextPage(status, "Unsupported request",
                      "The request must be a submitted form.");
    case 429:
      return TextPage(status, "Too many requests",
                      "Too many requests. Please try again in a minute.");
    default:
      break;
  }
  if (status >= 500) {
    return TextPage(status, "Something went wrong",
                    "Something went wrong on our side. Please try again "
                    "later.");
  }
  return TextPage(status, "Bad request", "The request could not be read.");
}

}  // namespace leadcapture::gateway
