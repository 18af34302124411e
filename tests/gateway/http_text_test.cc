#include "gateway/http_text.h"

#include <gtest/gtest.h>

namespace leadcapture::gateway {
namespace {

TEST(IsJsonContentTypeTest, AcceptsJsonWithAnyCaseAndParameters) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("Application/JSON"));
  EXPECT_TRUE(IsJsonContentType("application/json; charset=utf-8"));
  EXPECT_TRUE(IsJsonContentType(" application/json ;charset=UTF-8"));
}

TEST(IsJsonContentTypeTest, RejectsOtherMediaTypes) {
  EXPECT_FALSE(IsJsonContentType(""));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType("application/x-www-form-urlencoded"));
  EXPECT_FALSE(IsJsonContentType("application/jsonx"));
  EXPECT_FALSE(IsJsonContentType("application/json-patch+json"));
  EXPECT_FALSE(IsJsonContentType("multipart/form-data; a=application/json"));
}

TEST(SafeHeaderValueTest, DropsLineBreaksAndControlBytes) {
  EXPECT_EQ(SafeHeaderValue("bad\r\nSet-Cookie: x=1"), "badSet-Cookie: x=1");
  EXPECT_EQ(SafeHeaderValue(std::string("a\0b\x7f\tc", 6)), "ab c");
}

TEST(SafeHeaderValueTest, DropsNonAsciiBytesAndCaps) {
  EXPECT_EQ(SafeHeaderValue("Zo\xC3\xAB"), "Zo");
  EXPECT_EQ(SafeHeaderValue(std::string(1000, 'x'), 10), "xxxxxxxxxx");
}

TEST(ToValidUtf8Test, KeepsValidTextIncludingEmoji) {
  const std::string text = "Zo\xC3\xAB \xF0\x9F\x98\x80";
  EXPECT_EQ(ToValidUtf8(text, 100), text);
}

TEST(ToValidUtf8Test, ReplacesInvalidBytes) {
  EXPECT_EQ(ToValidUtf8("a\xFF"
                        "b",
                        100),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(ToValidUtf8("\xC0\xAF", 100),
            "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80", 100),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(ToValidUtf8("\xF0\x9F\x98", 100),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // cut short
}

TEST(ToValidUtf8Test, NeverCutsACharacter) {
  EXPECT_EQ(ToValidUtf8("ab\xF0\x9F\x98\x80", 5), "ab");
}

TEST(RedactSecretTest, ReplacesEveryOccurrence) {
  EXPECT_EQ(RedactSecret("key k1 and k1", "k1"), "key *** and ***");
  EXPECT_EQ(RedactSecret("nothing", ""), "nothing");
}

}  // namespace
}  // namespace leadcapture::gateway
