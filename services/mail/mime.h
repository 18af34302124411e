// Internet mail messages as text: the MIME form of an outgoing mail.
#ifndef LEADCAPTURE_SERVICES_MAIL_MIME_H_
#define LEADCAPTURE_SERVICES_MAIL_MIME_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace leadcapture::mail {

// An outgoing mail. All text is UTF-8.
struct MailMessage {
  // The sender's address (an addr-spec: "news@example.com").
  std::string from_address;
  // The sender's display name; empty for none.
  std::string from_name;
  // The recipient's address.
  std::string to_address;
  std::string subject;
  std::string text_body;
  // The HTML alternative of text_body; empty for a text-only mail.
  std::string html_body;
  // The Date header.
  absl::Time date;
  // The Message-ID header, angle brackets included (see NewMessageId).
  std::string message_id;
};

// The whole message (RFC 5322 headers, a blank line, the body) with CRLF
// line ends, ready for SMTP DATA.
//
// Headers: From, To, Subject, Date (in UTC), Message-ID, MIME-Version and
// Auto-Submitted: auto-generated. CR, LF and other control characters in a
// header value are dropped, so a value can never start a new header. Text
// that is not plain ASCII (and text too long for one line) is written as
// RFC 2047 encoded-words (UTF-8, "B" encoding), each at most 75 characters
// and each holding whole characters; bytes that are not valid UTF-8 become
// U+FFFD.
//
// Body: text/plain; charset=UTF-8, or, when html_body is set,
// multipart/alternative with a text/plain and a text/html part under a
// random boundary. Every part is quoted-printable, so any byte sequence
// (4-byte emoji included) survives 7-bit transport; each line break of the
// input (CRLF, LF or CR) becomes one CRLF. Lines that start with "." are
// left to the SMTP client's dot-stuffing.
std::string BuildMime(const MailMessage& message);

// A new globally unique Message-ID, "<128 random bits in hex@domain>".
// Characters that may not appear there are dropped from `domain`;
// "localhost" stands in for an empty one.
std::string NewMessageId(absl::string_view domain);

// The RFC 5322 date-time of `time` in UTC: "Fri, 04 Dec 2026 16:05:20
// +0000". Independent of the process locale.
std::string FormatMailDate(absl::Time time);

}  // namespace leadcapture::mail

#endif  // LEADCAPTURE_SERVICES_MAIL_MIME_H_
