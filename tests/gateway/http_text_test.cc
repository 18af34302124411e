#include "gateway/http_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

TEST(IsFormContentTypeTest, AcceptsFormEncodingWithAnyCaseAndParameters) {
  EXPECT_TRUE(IsFormContentType("application/x-www-form-urlencoded"));
  EXPECT_TRUE(
      IsFormContentType("Application/X-WWW-Form-URLEncoded; charset=UTF-8"));
  EXPECT_FALSE(IsFormContentType(""));
  EXPECT_FALSE(IsFormContentType("application/json"));
  EXPECT_FALSE(IsFormContentType("multipart/form-data; boundary=x"));
}

TEST(FormFieldValuesTest, FindsEveryValueOfTheField) {
  EXPECT_EQ(FormFieldValues("token=abc", "token"),
            std::vector<std::string>{"abc"});
  EXPECT_EQ(FormFieldValues("a=1&token=x&b&token=&token", "token"),
            (std::vector<std::string>{"x", "", ""}));
  EXPECT_TRUE(FormFieldValues("tokens=abc&Token=x", "token").empty());
  EXPECT_TRUE(FormFieldValues("", "token").empty());
}

TEST(FormFieldValuesTest, DecodesPercentEscapesAndPlus) {
  EXPECT_EQ(FormFieldValues("t%6Fken=a%2Bb+c%3C%e2%80%94", "token"),
            std::vector<std::string>{"a+b c<\xE2\x80\x94"});
}

TEST(FormFieldValuesTest, KeepsMalformedEscapes) {
  EXPECT_EQ(FormFieldValues("token=%G1%4%", "token"),
            std::vector<std::string>{"%G1%4%"});
  EXPECT_EQ(FormFieldValues("token=a%00b", "token"),
            std::vector<std::string>{std::string("a\0b", 3)});
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
