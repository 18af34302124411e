#include "services/mail/mime.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/mime_reader.h"

namespace leadcapture::mail {
namespace {

using ::leadcapture::mail::testing::DecodeHeader;
using ::leadcapture::mail::testing::DecodeQuotedPrintable;
using ::leadcapture::mail::testing::MimeEntity;
using ::leadcapture::mail::testing::MultipartParts;
using ::leadcapture::mail::testing::Parameter;
using ::leadcapture::mail::testing::ParseEntity;
using ::leadcapture::mail::testing::ToLf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

// U+1F389 PARTY POPPER and U+1F600 GRINNING FACE: 4 bytes each in UTF-8.
constexpr char kParty[] = "\xF0\x9F\x8E\x89";
constexpr char kGrin[] = "\xF0\x9F\x98\x80";

MailMessage TextMessage() {
  MailMessage message;
  message.from_address = "news@example.com";
  message.from_name = "Example News";
  message.to_address = "anna@example.org";
  message.subject = "Please confirm your subscription";
  message.text_body = "Hello Anna,\nplease confirm.\n";
  message.date = absl::FromCivil(absl::CivilSecond(2026, 3, 1, 9, 5, 7),
                                 absl::UTCTimeZone());
  message.message_id = "<0123456789abcdef@example.com>";
  return message;
}

bool IsValidUtf8(absl::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80             ? 1
                         : (lead & 0xE0) == 0xC0 ? 2
                         : (lead & 0xF0) == 0xE0 ? 3
                         : (lead & 0xF8) == 0xF0 ? 4
                                                 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
        return false;
      }
    }
    i += length;
  }
  return true;
}

// The encoded-words of a raw (folded) header value.
std::vector<std::string> EncodedWordsOf(absl::string_view raw) {
  std::vector<std::string> words;
  for (absl::string_view token :
       absl::StrSplit(raw, absl::ByAnyChar(" \r\n"), absl::SkipEmpty())) {
    if (absl::StartsWith(token, "=?")) words.emplace_back(token);
  }
  return words;
}

// The raw lines of the header block named `name`, continuation lines
// included.
std::string RawHeader(absl::string_view mime, absl::string_view name) {
  const std::string head(mime.substr(0, mime.find("\r\n\r\n")));
  std::string raw;
  bool inside = false;
  for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (inside) absl::StrAppend(&raw, "\r\n", line);
      continue;
    }
    inside = absl::StartsWith(line, absl::StrCat(name, ":"));
    if (inside) raw = std::string(line);
  }
  return raw;
}

TEST(MimeTest, TextMailHasEveryRequiredHeaderOnce) {
  const std::string mime = BuildMime(TextMessage());
  const MimeEntity entity = ParseEntity(mime);

  for (const char* name :
       {"From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
        "Auto-Submitted", "Content-Type", "Content-Transfer-Encoding"}) {
    EXPECT_EQ(entity.HeaderCount(name), 1) << name;
  }
  EXPECT_EQ(entity.Header("From"), "\"Example News\" <news@example.com>");
  EXPECT_EQ(entity.Header("To"), "anna@example.org");
  EXPECT_EQ(entity.Header("Subject"), "Please confirm your subscription");
  EXPECT_EQ(entity.Header("Date"), "Sun, 01 Mar 2026 09:05:07 +0000");
  EXPECT_EQ(entity.Header("Message-ID"), "<0123456789abcdef@example.com>");
  EXPECT_EQ(entity.Header("MIME-Version"), "1.0");
  EXPECT_EQ(entity.Header("Auto-Submitted"), "auto-generated");
  EXPECT_EQ(entity.Header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(entity.Header("Content-Transfer-Encoding"), "quoted-printable");
}

TEST(MimeTest, EveryLineEndsWithCrlfAndIsSevenBitAndShort) {
  MailMessage message = TextMessage();
  message.subject = absl::StrCat("Bitte best\xC3\xA4tigen ", kParty);
  message.text_body = absl::StrCat(std::string(300, 'x'), "\n\xC3\xBC\r", kGrin,
                                   "\r\n", std::string(100, ' '), "\n");
  message.html_body =
      "<p>Gr\xC3\xBC\xC3\x9F"
      "e</p>\n";
  const std::string mime = BuildMime(message);

  ASSERT_TRUE(absl::EndsWith(mime, "\r\n"));
  for (std::size_t i = 0; i < mime.size(); ++i) {
    if (mime[i] == '\n') {
      ASSERT_TRUE(i > 0 && mime[i - 1] == '\r') << i;
    }
    if (mime[i] == '\r') {
      ASSERT_EQ(mime[i + 1], '\n') << i;
    }
    ASSERT_LT(static_cast<unsigned char>(mime[i]), 0x80) << i;
  }
  for (absl::string_view line : absl::StrSplit(mime, "\r\n")) {
    EXPECT_LE(line.size(), 78u) << line;
  }
}

TEST(MimeTest, DateIsRfc5322InUtcWhateverTheInputZone) {
  MailMessage message = TextMessage();
  message.date = absl::FromCivil(absl::CivilSecond(2024, 12, 31, 23, 59, 59),
                                 absl::FixedTimeZone(-5 * 3600));
  const MimeEntity entity = ParseEntity(BuildMime(message));

  EXPECT_EQ(entity.Header("Date"), "Wed, 01 Jan 2025 04:59:59 +0000");
  EXPECT_EQ(FormatMailDate(absl::FromUnixSeconds(0)),
            "Thu, 01 Jan 1970 00:00:00 +0000");
}

TEST(MimeTest, EmojiSubjectIsEncodedAndDecodesBack) {
  MailMessage message = TextMessage();
  message.subject = absl::StrCat("Willkommen ", kParty, " bei M\xC3\xBCller");
  const std::string mime = BuildMime(message);

  const std::string raw = RawHeader(mime, "Subject");
  EXPECT_THAT(raw, StartsWith("Subject: =?UTF-8?B?"));
  EXPECT_EQ(DecodeHeader(ParseEntity(mime).Header("Subject")), message.subject);
}

TEST(MimeTest, UmlautFromNameIsEncodedAndAddressStaysPlain) {
  MailMessage message = TextMessage();
  message.from_name = "J\xC3\xBCrgen M\xC3\xBCller GmbH";
  const MimeEntity entity = ParseEntity(BuildMime(message));

  const std::string from = entity.Header("From");
  EXPECT_THAT(from, StartsWith("=?UTF-8?B?"));
  EXPECT_THAT(from, HasSubstr("<news@example.com>"));
  EXPECT_EQ(DecodeHeader(from),
            "J\xC3\xBCrgen M\xC3\xBCller GmbH <news@example.com>");
}

TEST(MimeTest, LongSubjectIsSplitIntoShortWordsOfWholeCharacters) {
  MailMessage message = TextMessage();
  for (int i = 0; i < 40; ++i) {
    absl::StrAppend(&message.subject, kGrin, "\xC3\xA4", "a");
  }
  const std::string mime = BuildMime(message);

  const std::vector<std::string> words =
      EncodedWordsOf(RawHeader(mime, "Subject"));
  ASSERT_GT(words.size(), 3u);
  for (const std::string& word : words) {
    EXPECT_LE(word.size(), 75u) << word;
    ASSERT_THAT(word, MatchesRegex("=\\?UTF-8\\?B\\?[A-Za-z0-9+/=]+\\?="));
    std::string decoded;
    ASSERT_TRUE(
        absl::Base64Unescape(word.substr(10, word.size() - 12), &decoded));
    EXPECT_TRUE(IsValidUtf8(decoded)) << word;
  }
  EXPECT_EQ(DecodeHeader(ParseEntity(mime).Header("Subject")), message.subject);
}

TEST(MimeTest, LongAsciiSubjectDecodesBackUnchanged) {
  MailMessage message = TextMessage();
  message.subject = std::string(120, 'a') + " and " + std::string(50, 'b');
  const std::string mime = BuildMime(message);

  EXPECT_EQ(DecodeHeader(ParseEntity(mime).Header("Subject")), message.subject);
}

TEST(MimeTest, SubjectThatLooksLikeAnEncodedWordIsKeptLiterally) {
  MailMessage message = TextMessage();
  message.subject = "=?UTF-8?B?SGFja2Vk?=";
  const MimeEntity entity = ParseEntity(BuildMime(message));

  EXPECT_EQ(DecodeHeader(entity.Header("Subject")), "=?UTF-8?B?SGFja2Vk?=");
}

TEST(MimeTest, NameWithSpecialCharactersIsAQuotedString) {
  MailMessage message = TextMessage();
  message.from_name = "Acme \"Sales\", Inc. \\ Co";
  const MimeEntity entity = ParseEntity(BuildMime(message));

  EXPECT_EQ(entity.Header("From"),
            "\"Acme \\\"Sales\\\", Inc. \\\\ Co\" <news@example.com>");
}

TEST(MimeTest, NameThatIsEmptyOnceCleanedIsLeftOut) {
  MailMessage message = TextMessage();
  message.from_name = "\r\n";
  const MimeEntity entity = ParseEntity(BuildMime(message));

  EXPECT_EQ(entity.Header("From"), "news@example.com");
}

TEST(MimeTest, LineBreaksInHeaderValuesCannotAddHeaders) {
  MailMessage message = TextMessage();
  message.subject = "Hi\r\nBcc: victim@example.net";
  message.from_name = "Evil\nX-Injected: yes";
  message.to_address = "anna@example.org\r\nBcc: other@example.net";
  message.message_id = "<id@example.com>\r\nX-Injected: yes";
  const std::string mime = BuildMime(message);
  const MimeEntity entity = ParseEntity(mime);

  EXPECT_EQ(entity.HeaderCount("Bcc"), 0);
  EXPECT_EQ(entity.HeaderCount("X-Injected"), 0);
  EXPECT_THAT(mime, Not(HasSubstr("\r\nBcc:")));
  EXPECT_EQ(entity.Header("To"), "anna@example.orgBcc: other@example.net");
  EXPECT_EQ(DecodeHeader(entity.Header("Subject")),
            "HiBcc: victim@example.net");
}

TEST(MimeTest, InvalidUtf8InHeaderBecomesReplacementCharacter) {
  MailMessage message = TextMessage();
  message.subject = "caf\xC3 \xFF ok";
  const MimeEntity entity = ParseEntity(BuildMime(message));

  EXPECT_EQ(DecodeHeader(entity.Header("Subject")),
            "caf\xEF\xBF\xBD \xEF\xBF\xBD ok");
}

TEST(MimeTest, TextBodyDecodesToTheExactUtf8) {
  MailMessage message = TextMessage();
  message.text_body = absl::StrCat(
      "Gr\xC3\xBC\xC3\x9F"
      "e ",
      kParty, kGrin, " = 100%\n", ".\n", "..two dots\n", "trailing spaces   \n",
      "tab\tinside and at end\t\n", std::string(200, 'y'), "\n",
      std::string(40, '='), "\n",
      "https://example.com/optin/confirm?token=abc_DEF-123&x=1\n",
      "From the start\n");
  const std::string mime = BuildMime(message);

  const MimeEntity entity = ParseEntity(mime);
  EXPECT_EQ(DecodeQuotedPrintable(entity.body), message.text_body);
  for (absl::string_view line : absl::StrSplit(ToLf(entity.body), '\n')) {
    EXPECT_LE(line.size(), 76u) << line;
    EXPECT_FALSE(absl::EndsWith(line, " ")) << line;
  }
  // The lone "." line is left to the SMTP client's dot-stuffing.
  EXPECT_THAT(mime, HasSubstr("\r\n.\r\n"));
}

TEST(MimeTest, BodyWithoutFinalLineBreakGetsOne) {
  MailMessage message = TextMessage();
  message.text_body = "no line break at the end";
  const std::string mime = BuildMime(message);

  EXPECT_TRUE(absl::EndsWith(mime, "\r\nno line break at the end\r\n"));
}

TEST(MimeTest, HtmlMailIsMultipartAlternativeWithBothPartsExact) {
  MailMessage message = TextMessage();
  message.text_body = absl::StrCat("Hi ", kParty, "\nConfirm: https://x/y\n");
  message.html_body =
      absl::StrCat("<p style=\"color: red\">Hi ", kParty, "</p>\n",
                   "<a href=\"https://x/y?a=1&amp;b=2\">Confirm Opt-In</a>\n");
  const std::string mime = BuildMime(message);
  const MimeEntity entity = ParseEntity(mime);

  const std::string content_type = entity.Header("Content-Type");
  EXPECT_THAT(content_type, StartsWith("multipart/alternative;"));
  const std::string boundary = Parameter(content_type, "boundary");
  ASSERT_FALSE(boundary.empty());
  EXPECT_THAT(mime, HasSubstr(absl::StrCat("\r\n--", boundary, "--\r\n")));

  const std::vector<MimeEntity> parts = MultipartParts(entity);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].Header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(parts[1].Header("Content-Type"), "text/html; charset=UTF-8");
  for (const MimeEntity& part : parts) {
    EXPECT_EQ(part.Header("Content-Transfer-Encoding"), "quoted-printable");
    EXPECT_THAT(part.body, Not(HasSubstr(boundary)));
  }
  EXPECT_EQ(DecodeQuotedPrintable(parts[0].body), message.text_body);
  EXPECT_EQ(DecodeQuotedPrintable(parts[1].body), message.html_body);
  EXPECT_EQ(entity.Header("Auto-Submitted"), "auto-generated");
}

TEST(MimeTest, BoundaryIsDifferentForEveryMail) {
  MailMessage message = TextMessage();
  message.html_body = "<p>x</p>";

  EXPECT_NE(Parameter(ParseEntity(BuildMime(message)).Header("Content-Type"),
                      "boundary"),
            Parameter(ParseEntity(BuildMime(message)).Header("Content-Type"),
                      "boundary"));
}

TEST(MimeTest, NewMessageIdIsUniqueAndWellFormed) {
  const std::string first = NewMessageId("example.com");
  const std::string second = NewMessageId("example.com");

  EXPECT_THAT(first, MatchesRegex("<[0-9a-f]{32}@example\\.com>"));
  EXPECT_NE(first, second);
  EXPECT_THAT(NewMessageId("exa mple\r\n.com>"),
              MatchesRegex("<[0-9a-f]{32}@example\\.com>"));
  EXPECT_THAT(NewMessageId(""), MatchesRegex("<[0-9a-f]{32}@localhost>"));
}

TEST(MimeTest, MissingMessageIdIsMadeFromTheSenderDomain) {
  MailMessage message = TextMessage();
  message.message_id.clear();
  const MimeEntity entity = ParseEntity(BuildMime(message));

  EXPECT_THAT(entity.Header("Message-ID"),
              MatchesRegex("<[0-9a-f]{32}@example\\.com>"));
}

}  // namespace
}  // namespace leadcapture::mail
