// The HTML pages of the double opt-in confirmation routes (SPEC section 6):
// small HTML5 documents without scripts, in which every dynamic text is
// escaped. Only a success message from leadcaptured, which it made safe
// from Markdown, is embedded as it is.
#ifndef LEADCAPTURE_GATEWAY_PAGES_H_
#define LEADCAPTURE_GATEWAY_PAGES_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace leadcapture::gateway {

// A page and how it is sent.
struct HtmlPage {
  int status = 200;
  // The whole document.
  std::string html;
  // For a 303: the Location header. Empty otherwise.
  std::string location;
  // Seconds for Retry-After; 0: no such header.
  int retry_after_seconds = 0;
};

// The headers every page is sent with: the content type, no caching, no
// referrer (the URL holds the token), no sniffing, no framing, and a
// Content-Security-Policy that allows no scripts.
const std::vector<std::pair<std::string, std::string>>& PageHeaders();

// `text` with & < > " ' as character references, for element content and
// quoted attribute values. Invalid UTF-8 becomes U+FFFD.
std::string EscapeHtml(absl::string_view text);

// The page of a pending token whose entry point asks for a button press:
// a form that POSTs `token` (a hidden field) to `form_action`. 200.
HtmlPage ConfirmButtonPage(absl::string_view token,
                           absl::string_view form_action);

// The page after a confirmation: `success_html` as it is (it must be safe
// HTML), or a default thank-you text when it is empty. 200.
HtmlPage SuccessPage(absl::string_view success_html);

// A 303 to `url` with a small page that links there, or nullopt when `url`
// is not an absolute http or https URL. Bytes that may not stand in a URL
// (controls, spaces, non-ASCII, quotes, angle brackets...) are
// percent-encoded in the Location.
std::optional<HtmlPage> RedirectPage(absl::string_view url);

// "The confirmation link has expired". 410.
HtmlPage ExpiredPage();

// "Unknown or expired link". 404.
HtmlPage UnknownLinkPage();

// The backend cannot be reached. 503.
HtmlPage UnavailablePage();

// Any other error with HTTP status `status` (4xx or 5xx), with a short
// fixed text for it.
HtmlPage ErrorPage(int status);

}  // namespace leadcapture::gateway

#endif  // LEADCAPTURE_GATEWAY_PAGES_H_
