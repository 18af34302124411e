// The double opt-in confirmation mail: templates with placeholders, rendered
// for one request (SPEC section 6).
#ifndef LEADCAPTURE_SERVICES_OPT_IN_MAIL_H_
#define LEADCAPTURE_SERVICES_OPT_IN_MAIL_H_

#include <string>

#include "absl/time/time.h"
#include "leadcapture/v1/resources.pb.h"
#include "services/payload.h"

namespace leadcapture {

// How dates and times are written in mails.
struct MailTimeFormat {
  absl::TimeZone zone = absl::UTCTimeZone();
  std::string date_format = "%Y-%m-%d";
  std::string time_format = "%H:%M";
};

// A rendered mail, ready for MIME.
struct RenderedMail {
  std::string subject;
  std::string text_body;
  // Empty for a text template.
  std::string html_body;
};

// The template used when an entry point names none.
v1::EmailTemplate DefaultOptInTemplate();

// Renders `email_template` for a request submitted at `submitted` whose
// confirmation URL is `url`. Every placeholder is replaced in subject and
// body; in HTML every inserted value is escaped; the link is appended when
// the body has no URL placeholder. HTML templates also get a text version.
RenderedMail RenderOptInMail(const v1::EmailTemplate& email_template,
                             const CleanPayload& payload, absl::string_view url,
                             absl::Time submitted,
                             const MailTimeFormat& format);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string HtmlEscape(absl::string_view text);

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_OPT_IN_MAIL_H_
