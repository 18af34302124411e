#include "services/validators.h"

#include <phonenumbers/phonenumberutil.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace leadcapture {
namespace {

using ::i18n::phonenumbers::PhoneNumber;
using ::i18n::phonenumbers::PhoneNumberUtil;

bool IsAsciiSpaceOrControl(unsigned char c) { return c <= 0x20 || c == 0x7f; }

// A domain name: labels of letters, digits, '-' or UTF-8 bytes, at most 63
// bytes each, not starting or ending with '-', at least two labels.
bool IsValidDomain(absl::string_view domain) {
  if (domain.empty() || domain.size() > 253) return false;
  std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (labels.size() < 2) return false;
  for (absl::string_view label : labels) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (unsigned char c : label) {
      if (c >= 0x80) continue;
      if (!absl::ascii_isalnum(c) && c != '-') return false;
    }
  }
  return true;
}

bool IsValidIpv4(absl::string_view host) {
  std::vector<absl::string_view> parts = absl::StrSplit(host, '.');
  if (parts.size() != 4) return false;
  for (absl::string_view part : parts) {
    if (part.empty() || part.size() > 3) return false;
    int value = 0;
    for (char c : part) {
      if (!absl::ascii_isdigit(c)) return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255) return false;
  }
  return true;
}

}  // namespace

std::size_t Utf8Length(absl::string_view text) {
  std::size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xc0) != 0x80) ++count;
  }
  return count;
}

bool HasControlCharacter(absl::string_view text, bool allow_line_breaks) {
  for (unsigned char c : text) {
    if (c >= 0x20 && c != 0x7f) continue;
    if (allow_line_breaks && (c == '\n' || c == '\r' || c == '\t')) continue;
    return true;
  }
  return false;
}

bool IsValidEmail(absl::string_view address) {
  if (address.size() > 254) return false;
  const std::size_t at = address.rfind('@');
  if (at == absl::string_view::npos || at == 0) return false;
  absl::string_view local = address.substr(0, at);
  absl::string_view domain = address.substr(at + 1);
  if (local.size() > 64) return false;
  if (local.front() == '.' || local.back() == '.') return false;
  if (absl::StrContains(local, "..")) return false;
  for (unsigned char c : local) {
    if (IsAsciiSpaceOrControl(c)) return false;
    if (c < 0x80 && absl::string_view("\"(),:;<>@[\\]").find(c) !=
                        absl::string_view::npos) {
      return false;
    }
  }
  return IsValidDomain(domain);
}

bool IsValidUrl(absl::string_view url) {
  if (url.empty() || url.size() > 2048) return false;
  for (unsigned char c : url) {
    if (IsAsciiSpaceOrControl(c)) return false;
  }
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://") &&
      !absl::ConsumePrefix(&rest, "http://") &&
      absl::StrContains(rest, "://")) {
    return false;
  }
  const std::size_t end = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, end);
  if (absl::StrContains(authority, '@')) return false;
  absl::string_view host = authority;
  const std::size_t colon = authority.rfind(':');
  if (colon != absl::string_view::npos) {
    host = authority.substr(0, colon);
    absl::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port) {
      if (!absl::ascii_isdigit(c)) return false;
    }
  }
  if (absl::EqualsIgnoreCase(host, "localhost")) return true;
  return IsValidIpv4(host) || IsValidDomain(host);
}

bool IsPhoneCountry(absl::string_view country) {
  if (country.size() != 2) return false;
  return PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(
             std::string(country)) != 0;
}

absl::StatusOr<std::string> NormalizePhone(absl::string_view text,
                                           absl::string_view default_country) {
  // libphonenumber reads at most 250 characters; refuse longer input before
  // it gets there.
  if (text.size() > 64) {
    return absl::InvalidArgumentError("too long for a phone number");
  }
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  const std::string region =
      default_country.empty() ? "ZZ" : std::string(default_country);
  PhoneNumber number;
  if (util->Parse(std::string(text), region, &number) !=
      PhoneNumberUtil::NO_PARSING_ERROR) {
    return absl::InvalidArgumentError("not a phone number");
  }
  if (!util->IsPossibleNumber(number)) {
    return absl::InvalidArgumentError("not a possible phone number");
  }
  std::string e164;
  util->Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

}  // namespace leadcapture
