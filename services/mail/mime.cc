#include "services/mail/mime.h"

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "services/util/random.h"

namespace leadcapture::mail {
namespace {

constexpr absl::string_view kCrlf = "\r\n";

// RFC 5322 asks for header lines of at most 78 characters, RFC 2047 for at
// most 76 on a line that holds an encoded-word.
constexpr std::size_t kMaxHeaderLine = 76;

// "=?UTF-8?B?" + base64 + "?=" is 12 + 4 * ceil(n / 3) characters for n
// bytes. 39 bytes give 64 characters: with "Subject: " in front the line
// stays within 76, and every word well within RFC 2047's 75.
constexpr std::size_t kMaxEncodedWordBytes = 39;

// Quoted-printable lines are at most 76 characters: 75 plus the "=" of a
// soft line break.
constexpr std::size_t kMaxQuotedPrintableLine = 75;

constexpr absl::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// The length of the valid UTF-8 sequence that starts at text[i], or 0 when
// the bytes there are not one (overlong forms, surrogates and code points
// past U+10FFFF included).
std::size_t Utf8SequenceLength(absl::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) -> unsigned {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u;
  };
  const auto continuation = [&](std::size_t k) {
    return (byte(k) & 0xC0u) == 0x80u;
  };
  const unsigned lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const unsigned second = byte(1);
    const bool second_ok = lead == 0xE0   ? second >= 0xA0 && second <= 0xBF
                           : lead == 0xED ? second >= 0x80 && second <= 0x9F
                                          : continuation(1);
    return second_ok && continuation(2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const unsigned second = byte(1);
    const bool second_ok = lead == 0xF0   ? second >= 0x90 && second <= 0xBF
                           : lead == 0xF4 ? second >= 0x80 && second <= 0x8F
                                          : continuation(1);
    return second_ok && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

// Splits `text` into its characters, each a valid UTF-8 sequence; a byte
// that starts none becomes U+FFFD.
std::vector<std::string> Utf8Characters(absl::string_view text) {
  std::vector<std::string> characters;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      characters.emplace_back(kReplacementCharacter);
      ++i;
    } else {
      characters.emplace_back(text.substr(i, length));
      i += length;
    }
  }
  return characters;
}

// Header text made safe to write: valid UTF-8, with tabs as spaces and every
// other control character (CR and LF included) dropped.
std::string CleanHeaderText(absl::string_view text) {
  std::string clean;
  for (const std::string& character : Utf8Characters(text)) {
    if (character.size() == 1) {
      const unsigned char c = static_cast<unsigned char>(character[0]);
      if (c == '\t') {
        clean.push_back(' ');
        continue;
      }
      if (c < 0x20 || c == 0x7F) continue;
    }
    clean += character;
  }
  return clean;
}

bool IsPrintableAscii(absl::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// RFC 2047 encoded-words for `text` (already clean), never splitting a
// character between two words.
std::vector<std::string> EncodedWords(absl::string_view text) {
  std::vector<std::string> words;
  std::string chunk;
  const auto flush = [&] {
    if (chunk.empty()) return;
    words.push_back(
        absl::StrCat("=?UTF-8?B?", absl::Base64Escape(chunk), "?="));
    chunk.clear();
  };
  for (const std::string& character : Utf8Characters(text)) {
    if (chunk.size() + character.size() > kMaxEncodedWordBytes) flush();
    chunk += character;
  }
  flush();
  return words;
}

// Writes "Name: token token ..." and folds it (CRLF and a space) between
// tokens where a line would pass kMaxHeaderLine. Tokens are never split.
std::string FoldedHeader(absl::string_view name,
                         const std::vector<std::string>& tokens) {
  std::string header = absl::StrCat(name, ":");
  std::size_t line_length = header.size();
  for (const std::string& token : tokens) {
    if (line_length + 1 + token.size() > kMaxHeaderLine &&
        line_length > name.size() + 1) {
      absl::StrAppend(&header, kCrlf);
      line_length = 0;
    }
    header += ' ';
    header += token;
    line_length += 1 + token.size();
  }
  absl::StrAppend(&header, kCrlf);
  return header;
}

// Unstructured text (a subject): as it is when it is printable ASCII that
// fits on the line and cannot be mistaken for an encoded-word, else
// encoded-words.
std::vector<std::string> UnstructuredTokens(absl::string_view name,
                                            absl::string_view text) {
  const std::string clean = CleanHeaderText(text);
  if (IsPrintableAscii(clean) && !absl::StrContains(clean, "=?") &&
      name.size() + 2 + clean.size() <= kMaxHeaderLine) {
    return {clean};
  }
  return EncodedWords(clean);
}

// A display name: a quoted-string when it is printable ASCII that fits,
// else encoded-words; nothing when it is empty once cleaned.
std::vector<std::string> DisplayNameTokens(absl::string_view name) {
  const std::string clean = CleanHeaderText(name);
  if (clean.empty()) return {};
  if (IsPrintableAscii(clean) && !absl::StrContains(clean, "=?")) {
    std::string quoted = "\"";
    for (char c : clean) {
      if (c == '"' || c == '\\') quoted.push_back('\\');
      quoted.push_back(c);
    }
    quoted.push_back('"');
    if (quoted.size() + 8 <= kMaxHeaderLine) return {quoted};
  }
  return EncodedWords(clean);
}

std::string AddressHeader(absl::string_view name, absl::string_view address,
                          absl::string_view display_name) {
  const std::string clean_address = CleanHeaderText(address);
  std::vector<std::string> tokens = DisplayNameTokens(display_name);
  if (tokens.empty()) {
    tokens.push_back(clean_address);
  } else {
    tokens.push_back(absl::StrCat("<", clean_address, ">"));
  }
  return FoldedHeader(name, tokens);
}

// Splits text into lines on CRLF, LF or a lone CR.
std::vector<absl::string_view> Lines(absl::string_view text) {
  std::vector<absl::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r' && text[i] != '\n') continue;
    lines.push_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  lines.push_back(text.substr(start));
  return lines;
}

// RFC 2045 quoted-printable with CRLF hard line breaks.
std::string QuotedPrintable(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  const std::vector<absl::string_view> lines = Lines(text);
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const absl::string_view line = lines[n];
    std::size_t length = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(line[i]);
      const bool last = i + 1 == line.size();
      // White space at the end of a line would be lost in transport.
      const bool literal = (c >= 33 && c <= 126 && c != '=') ||
                           ((c == ' ' || c == '\t') && !last);
      std::string token;
      if (literal) {
        token.push_back(static_cast<char>(c));
      } else {
        token = {'=', kHex[c >> 4], kHex[c & 0xF]};
      }
      if (length + token.size() > kMaxQuotedPrintableLine) {
        out += "=\r\n";
        length = 0;
      }
      out += token;
      length += token.size();
    }
    if (n + 1 < lines.size()) absl::StrAppend(&out, kCrlf);
  }
  return out;
}

std::string TextPart(absl::string_view subtype, absl::string_view body) {
  return absl::StrCat("Content-Type: text/", subtype, "; charset=UTF-8\r\n",
                      "Content-Transfer-Encoding: quoted-printable\r\n", "\r\n",
                      QuotedPrintable(body));
}

absl::string_view DomainOf(absl::string_view address) {
  const std::size_t at = address.rfind('@');
  return at == absl::string_view::npos ? absl::string_view()
                                       : address.substr(at + 1);
}

}  // namespace

std::string FormatMailDate(absl::Time time) {
  static constexpr const char* kWeekdays[] = {"Mon", "Tue", "Wed", "Thu",
                                              "Fri", "Sat", "Sun"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                            "May", "Jun", "Jul", "Aug",
                                            "Sep", "Oct", "Nov", "Dec"};
  const absl::CivilSecond civil =
      absl::ToCivilSecond(time, absl::UTCTimeZone());
  const int weekday = static_cast<int>(absl::GetWeekday(civil));
  return absl::StrFormat("%s, %02d %s %04d %02d:%02d:%02d +0000",
                         kWeekdays[weekday], civil.day(),
                         kMonths[civil.month() - 1], civil.year(), civil.hour(),
                         civil.minute(), civil.second());
}

std::string NewMessageId(absl::string_view domain) {
  std::string clean;
  for (char c : domain) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
        c == '-') {
      clean.push_back(c);
    }
  }
  if (clean.empty()) clean = "localhost";
  return absl::StrCat("<", RandomHex(16), "@", clean, ">");
}

std::string BuildMime(const MailMessage& message) {
  std::string message_id = CleanHeaderText(message.message_id);
  if (message_id.empty()) {
    message_id = NewMessageId(DomainOf(message.from_address));
  }

  std::string mime;
  mime += AddressHeader("From", message.from_address, message.from_name);
  mime += AddressHeader("To", message.to_address, "");
  mime +=
      FoldedHeader("Subject", UnstructuredTokens("Subject", message.subject));
  mime += absl::StrCat("Date: ", FormatMailDate(message.date), kCrlf);
  mime += absl::StrCat("Message-ID: ", message_id, kCrlf);
  mime += "MIME-Version: 1.0\r\n";
  mime += "Auto-Submitted: auto-generated\r\n";

  // A message ends with a line break (the SMTP end of data needs one); a
  // part's last line break belongs to the boundary line after it.
  if (message.html_body.empty()) {
    mime += TextPart("plain", message.text_body);
    if (!absl::EndsWith(mime, kCrlf)) absl::StrAppend(&mime, kCrlf);
    return mime;
  }

  // "=_" cannot occur in quoted-printable text, so the boundary cannot
  // occur in a part.
  const std::string boundary = absl::StrCat("=_lc_", RandomHex(16));
  absl::StrAppend(&mime, "Content-Type: multipart/alternative;\r\n",
                  " boundary=\"", boundary, "\"\r\n", "\r\n");
  absl::StrAppend(&mime, "--", boundary, kCrlf,
                  TextPart("plain", message.text_body), kCrlf);
  absl::StrAppend(&mime, "--", boundary, kCrlf,
                  TextPart("html", message.html_body), kCrlf);
  absl::StrAppend(&mime, "--", boundary, "--", kCrlf);
  return mime;
}

}  // namespace leadcapture::mail
