#include "tests/testing/mime_reader.h"

#include <cstddef>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace leadcapture::mail::testing {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes one encoded-word ("=?charset?enc?text?="); false if it is none.
bool DecodeWord(absl::string_view word, std::string* out) {
  if (!absl::ConsumePrefix(&word, "=?") || !absl::ConsumeSuffix(&word, "?="))
    return false;
  std::vector<std::string> fields = absl::StrSplit(word, '?');
  if (fields.size() != 3) return false;
  const std::string encoding = absl::AsciiStrToUpper(fields[1]);
  if (encoding == "B") {
    return absl::Base64Unescape(fields[2], out);
  }
  if (encoding == "Q") {
    const std::string& text = fields[2];
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '_') {
        out->push_back(' ');
      } else if (text[i] == '=' && i + 2 < text.size()) {
        out->push_back(static_cast<char>(HexValue(text[i + 1]) * 16 +
                                         HexValue(text[i + 2])));
        i += 2;
      } else {
        out->push_back(text[i]);
      }
    }
    return true;
  }
  return false;
}

}  // namespace

std::string MimeEntity::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

int MimeEntity::HeaderCount(absl::string_view name) const {
  int count = 0;
  for (const auto& header : headers) {
    if (absl::EqualsIgnoreCase(header.first, name)) ++count;
  }
  return count;
}

std::string ToLf(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\r\n", "\n"}});
}

MimeEntity ParseEntity(absl::string_view text) {
  const std::string lf = ToLf(text);
  MimeEntity entity;
  std::size_t end = lf.find("\n\n");
  absl::string_view head = absl::string_view(lf).substr(0, end);
  if (end != std::string::npos) entity.body = lf.substr(end + 2);
  for (absl::string_view line : absl::StrSplit(head, '\n')) {
    if (line.empty()) continue;
    if ((line[0] == ' ' || line[0] == '\t') && !entity.headers.empty()) {
      entity.headers.back().second += std::string(line);
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    entity.headers.emplace_back(
        std::string(line.substr(0, colon)),
        std::string(absl::StripLeadingAsciiWhitespace(line.substr(colon + 1))));
  }
  return entity;
}

std::string DecodeHeader(absl::string_view value) {
  std::string out;
  std::string pending_space;
  bool last_was_word = false;
  std::size_t i = 0;
  while (i < value.size()) {
    if (absl::StartsWith(value.substr(i), "=?")) {
      // An encoded-word ends at the first "?=" after its three "?" fields.
      std::size_t q1 = value.find('?', i + 2);
      std::size_t q2 =
          q1 == absl::string_view::npos ? q1 : value.find('?', q1 + 1);
      std::size_t close =
          q2 == absl::string_view::npos ? q2 : value.find("?=", q2 + 1);
      std::string decoded;
      if (close != absl::string_view::npos &&
          DecodeWord(value.substr(i, close + 2 - i), &decoded)) {
        if (!last_was_word) out += pending_space;
        pending_space.clear();
        out += decoded;
        last_was_word = true;
        i = close + 2;
        continue;
      }
    }
    if (value[i] == ' ' || value[i] == '\t') {
      pending_space.push_back(value[i]);
    } else {
      out += pending_space;
      pending_space.clear();
      out.push_back(value[i]);
      last_was_word = false;
    }
    ++i;
  }
  out += pending_space;
  return out;
}

std::string DecodeQuotedPrintable(absl::string_view text) {
  std::string out;
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  for (std::size_t n = 0; n < lines.size(); ++n) {
    absl::string_view line = absl::StripTrailingAsciiWhitespace(lines[n]);
    bool soft_break = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] != '=') {
        out.push_back(line[i]);
      } else if (i + 1 == line.size()) {
        soft_break = true;
      } else if (i + 2 < line.size() && HexValue(line[i + 1]) >= 0 &&
                 HexValue(line[i + 2]) >= 0) {
        out.push_back(static_cast<char>(HexValue(line[i + 1]) * 16 +
                                        HexValue(line[i + 2])));
        i += 2;
      } else {
        out.push_back('=');
      }
    }
    if (!soft_break && n + 1 < lines.size()) out.push_back('\n');
  }
  return out;
}

std::string Parameter(absl::string_view header_value, absl::string_view name) {
  for (absl::string_view field : absl::StrSplit(header_value, ';')) {
    field = absl::StripAsciiWhitespace(field);
    const std::size_t equals = field.find('=');
    if (equals == absl::string_view::npos) continue;
    if (!absl::EqualsIgnoreCase(
            absl::StripAsciiWhitespace(field.substr(0, equals)), name)) {
      continue;
    }
    absl::string_view value =
        absl::StripAsciiWhitespace(field.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return "";
}

std::vector<MimeEntity> MultipartParts(const MimeEntity& entity) {
  const std::string boundary =
      Parameter(entity.Header("Content-Type"), "boundary");
  std::vector<MimeEntity> parts;
  if (boundary.empty()) return parts;
  const std::string delimiter = "--" + boundary;
  // Each part runs from the line after a delimiter line to the line break
  // before the next one.
  std::string body = "\n" + entity.body;
  std::size_t start = body.find("\n" + delimiter);
  while (start != std::string::npos) {
    const std::size_t line_end = body.find('\n', start + 1);
    if (line_end == std::string::npos) break;
    if (body.compare(start + 1 + delimiter.size(), 2, "--") == 0) break;
    const std::size_t next = body.find("\n" + delimiter, line_end);
    if (next == std::string::npos) break;
    parts.push_back(
        ParseEntity(body.substr(line_end + 1, next - line_end - 1)));
    start = next;
  }
  return parts;
}

}  // namespace leadcapture::mail::testing
