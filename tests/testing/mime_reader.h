// A small reader of MIME text for tests that read mail: it undoes what
// BuildMime does (folding, encoded-words, quoted-printable, multipart)
// without sharing its code.
#ifndef LEADCAPTURE_TESTS_TESTING_MIME_READER_H_
#define LEADCAPTURE_TESTS_TESTING_MIME_READER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace leadcapture::mail::testing {

// A header block and a body. Line ends are LF.
struct MimeEntity {
  // Names as written, values unfolded (CRLF/LF before white space removed).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The value of the first header with this name (any case); "" if none.
  std::string Header(absl::string_view name) const;
  // How many headers have this name (any case).
  int HeaderCount(absl::string_view name) const;
};

// Text with every CRLF turned into LF.
std::string ToLf(absl::string_view text);

// Splits text (CRLF or LF line ends) at its first empty line.
MimeEntity ParseEntity(absl::string_view text);

// Decodes the RFC 2047 encoded-words ("B" and "Q", UTF-8) of a header
// value; white space between two adjacent encoded-words is dropped.
std::string DecodeHeader(absl::string_view value);

// Decodes quoted-printable text with LF line ends; hard line breaks come
// out as LF.
std::string DecodeQuotedPrintable(absl::string_view text);

// The value of parameter `name` of a header value such as a Content-Type
// ('multipart/alternative; boundary="x"' gives "x" for "boundary").
std::string Parameter(absl::string_view header_value, absl::string_view name);

// The parts of a multipart entity, split on its boundary.
std::vector<MimeEntity> MultipartParts(const MimeEntity& entity);

}  // namespace leadcapture::mail::testing

#endif  // LEADCAPTURE_TESTS_TESTING_MIME_READER_H_
