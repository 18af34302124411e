#include "gateway/http_text.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace leadcapture::gateway {
namespace {

constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";

// The length of the well-formed UTF-8 sequence at the start of `text`
// (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF), or 0.
std::size_t Utf8SequenceLength(absl::string_view text) {
  const auto byte = [&](std::size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

bool HasMediaType(absl::string_view value, absl::string_view media_type) {
  return absl::EqualsIgnoreCase(
      absl::StripAsciiWhitespace(value.substr(0, value.find(';'))), media_type);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string DecodeFormComponent(absl::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      decoded.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() &&
               HexDigit(text[i + 1]) >= 0 && HexDigit(text[i + 2]) >= 0) {
      decoded.push_back(static_cast<char>(HexDigit(text[i + 1]) * 16 +
                                          HexDigit(text[i + 2])));
      i += 2;
    } else {
      decoded.push_back(text[i]);
    }
  }
  return decoded;
}

}  // namespace

bool IsJsonContentType(absl::string_view value) {
  return HasMediaType(value, "application/json");
}

bool IsFormContentType(absl::string_view value) {
  return HasMediaType(value, "application/x-www-form-urlencoded");
}

std::vector<std::string> FormFieldValues(absl::string_view body,
                                         absl::string_view name) {
  std::vector<std::string> values;
  for (absl::string_view pair : absl::StrSplit(body, '&')) {
    const std::size_t equals = pair.find('=');
    if (DecodeFormComponent(pair.substr(0, equals)) != name) continue;
    values.push_back(equals == absl::string_view::npos
                         ? std::string()
                         : DecodeFormComponent(pair.substr(equals + 1)));
  }
  return values;
}

std::string SafeHeaderValue(absl::string_view text, std::size_t max_bytes) {
  std::string safe;
  safe.reserve(std::min(text.size(), max_bytes));
  for (char c : text) {
    if (safe.size() >= max_bytes) break;
    if (c == '\t') c = ' ';
    if (c >= 0x20 && c <= 0x7e) safe.push_back(c);
  }
  return std::string(absl::StripAsciiWhitespace(safe));
}

std::string ToValidUtf8(absl::string_view text, std::size_t max_bytes) {
  std::string valid;
  while (!text.empty()) {
    std::size_t length = Utf8SequenceLength(text);
    absl::string_view piece =
        length == 0 ? kReplacement : text.substr(0, length);
    if (valid.size() + piece.size() > max_bytes) break;
    valid.append(piece.data(), piece.size());
    text.remove_prefix(length == 0 ? 1 : length);
  }
  return valid;
}

std::string RedactSecret(absl::string_view text, absl::string_view secret) {
  if (secret.empty()) return std::string(text);
  return absl::StrReplaceAll(text, {{secret, "***"}});
}

}  // namespace leadcapture::gateway
