// Checks of single values: e-mail addresses, URLs, phone numbers, text.
// Thread-safe; no state.
#ifndef LEADCAPTURE_SERVICES_VALIDATORS_H_
#define LEADCAPTURE_SERVICES_VALIDATORS_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace leadcapture {

// The number of Unicode characters in valid UTF-8 text.
std::size_t Utf8Length(absl::string_view text);

// Whether the text has a control character (C0, DEL). `allow_line_breaks`
// lets CR, LF and TAB through, for multi-line text.
bool HasControlCharacter(absl::string_view text, bool allow_line_breaks);

// Whether `address` is a syntactically valid e-mail address: one '@', a
// dot-atom local part of at most 64 bytes, a domain of labels with a dot,
// no white space or control characters (so no header injection).
// Internationalised (UTF-8) local parts and domains are accepted.
bool IsValidEmail(absl::string_view address);

// Whether `url` is an http(s) web address, with or without the scheme
// ("example.com/page" is accepted, as web forms send it).
bool IsValidUrl(absl::string_view url);

// Whether `country` is an ISO 3166 alpha-2 region libphonenumber knows.
bool IsPhoneCountry(absl::string_view country);

// Reads a phone number (national numbers in `default_country`, which may be
// empty) and returns it in E.164. INVALID_ARGUMENT when it does not parse or
// is not a possible number.
absl::StatusOr<std::string> NormalizePhone(absl::string_view text,
                                           absl::string_view default_country);

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_VALIDATORS_H_
