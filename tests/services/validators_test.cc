#include "services/validators.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace leadcapture {
namespace {

// Verifies that ordinary and internationalised addresses pass.
TEST(ValidatorsTest, AcceptsValidEmailAddresses) {
  EXPECT_TRUE(IsValidEmail("ann@example.com"));
  EXPECT_TRUE(IsValidEmail("Ann.Lee+news@mail.example.co.uk"));
  EXPECT_TRUE(IsValidEmail("jürgen@bücher.example"));
  EXPECT_TRUE(IsValidEmail("o'brien@example.ie"));
}

// Verifies that malformed addresses and header injection are refused.
TEST(ValidatorsTest, RefusesInvalidEmailAddresses) {
  EXPECT_FALSE(IsValidEmail(""));
  EXPECT_FALSE(IsValidEmail("plain"));
  EXPECT_FALSE(IsValidEmail("@example.com"));
  EXPECT_FALSE(IsValidEmail("ann@"));
  EXPECT_FALSE(IsValidEmail("ann@localhost"));
  EXPECT_FALSE(IsValidEmail("ann@@example.com"));
  EXPECT_FALSE(IsValidEmail("ann lee@example.com"));
  EXPECT_FALSE(IsValidEmail("ann@example.com\r\nBcc: x@example.com"));
  EXPECT_FALSE(IsValidEmail("ann@exa mple.com"));
  EXPECT_FALSE(IsValidEmail(".ann@example.com"));
  EXPECT_FALSE(IsValidEmail("an..n@example.com"));
  EXPECT_FALSE(IsValidEmail("ann@-example.com"));
  EXPECT_FALSE(IsValidEmail("<ann>@example.com"));
  EXPECT_FALSE(IsValidEmail(std::string(65, 'a') + "@example.com"));
}

// Verifies web addresses with and without a scheme.
TEST(ValidatorsTest, ChecksUrls) {
  EXPECT_TRUE(IsValidUrl("https://example.com"));
  EXPECT_TRUE(IsValidUrl("http://example.com:8080/a?b=c#d"));
  EXPECT_TRUE(IsValidUrl("example.com/page"));
  EXPECT_TRUE(IsValidUrl("http://localhost:3000"));
  EXPECT_TRUE(IsValidUrl("http://192.168.0.1/"));
  EXPECT_FALSE(IsValidUrl("javascript:alert(1)"));
  EXPECT_FALSE(IsValidUrl("ftp://example.com"));
  EXPECT_FALSE(IsValidUrl("http://exa mple.com"));
  EXPECT_FALSE(IsValidUrl("http://user@example.com"));
  EXPECT_FALSE(IsValidUrl("not a url"));
  EXPECT_FALSE(IsValidUrl("http://example.com:99999999"));
}

// Verifies that national numbers use the default country and every number
// comes out in E.164.
TEST(ValidatorsTest, NormalizesPhoneNumbersToE164) {
  EXPECT_EQ(*NormalizePhone("(030) 123 4567", "DE"), "+49301234567");
  EXPECT_EQ(*NormalizePhone("+49 30 1234567", ""), "+49301234567");
  EXPECT_EQ(*NormalizePhone("+1 555 010 0199", "DE"), "+15550100199");
  EXPECT_FALSE(NormalizePhone("030 1234567", "").ok());
  EXPECT_FALSE(NormalizePhone("call me", "DE").ok());
  EXPECT_FALSE(NormalizePhone("1", "DE").ok());
  EXPECT_FALSE(NormalizePhone(std::string(100, '1'), "DE").ok());
}

// Verifies that lengths count characters, not bytes.
TEST(ValidatorsTest, CountsUnicodeCharacters) {
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("Zoë"), 3u);
  EXPECT_EQ(Utf8Length("😀😀"), 2u);
}

TEST(ValidatorsTest, FindsControlCharacters) {
  EXPECT_TRUE(HasControlCharacter("a\nb", false));
  EXPECT_FALSE(HasControlCharacter("a\nb", true));
  EXPECT_TRUE(HasControlCharacter(std::string("a\0b", 3), true));
  EXPECT_TRUE(HasControlCharacter("a\x7f", true));
  EXPECT_FALSE(HasControlCharacter("Zoë 😀", false));
}

TEST(ValidatorsTest, KnowsPhoneCountries) {
  EXPECT_TRUE(IsPhoneCountry("DE"));
  EXPECT_TRUE(IsPhoneCountry("US"));
  EXPECT_FALSE(IsPhoneCountry("XX"));
  EXPECT_FALSE(IsPhoneCountry("DEU"));
}

}  // namespace
}  // namespace leadcapture
