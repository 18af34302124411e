// Small text helpers for HTTP requests and answers.
#ifndef LEADCAPTURE_GATEWAY_HTTP_TEXT_H_
#define LEADCAPTURE_GATEWAY_HTTP_TEXT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace leadcapture::gateway {

// True when the media type of Content-Type `value` is application/json,
// compared case-insensitively; parameters such as charset are allowed.
bool IsJsonContentType(absl::string_view value);

// True when the media type of Content-Type `value` is
// application/x-www-form-urlencoded, compared case-insensitively;
// parameters are allowed.
bool IsFormContentType(absl::string_view value);

// The values of field `name` in an application/x-www-form-urlencoded
// `body`, in order, percent-decoded with '+' as a space. A malformed escape
// ("%G1", a cut "%4") is kept as it is.
std::vector<std::string> FormFieldValues(absl::string_view body,
                                         absl::string_view name);

// `text` made safe as an HTTP header value: only printable ASCII is kept
// (CR, LF, other control bytes and non-ASCII bytes are dropped; a tab
// becomes a space), at most `max_bytes` of it, trimmed.
std::string SafeHeaderValue(absl::string_view text,
                            std::size_t max_bytes = 512);

// `text` as valid UTF-8 of at most `max_bytes` bytes: each byte that does
// not start a well-formed sequence becomes U+FFFD, and a cut never splits a
// character. For header values passed on in proto3 strings, which must be
// UTF-8.
std::string ToValidUtf8(absl::string_view text, std::size_t max_bytes);

// `text` with every occurrence of `secret` replaced by "***". An empty
// secret changes nothing.
std::string RedactSecret(absl::string_view text, absl::string_view secret);

}  // namespace leadcapture::gateway

#endif  // LEADCAPTURE_GATEWAY_HTTP_TEXT_H_
