#include "services/payload.h"

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/util/field_error.h"

namespace leadcapture {
namespace {

using ::testing::IsNull;
using ::testing::Pointee;

google::protobuf::Struct Json(const std::string& text) {
  google::protobuf::Struct payload;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text, &payload).ok());
  return payload;
}

v1::EntryPoint EntryPointWith(std::vector<std::string> fields,
                              std::vector<std::string> required = {}) {
  v1::EntryPoint entry_point;
  for (const auto& field : fields) entry_point.add_payload_fields(field);
  for (const auto& field : required) entry_point.add_required_fields(field);
  entry_point.set_phone_country("DE");
  return entry_point;
}

const v1::EntryPoint kSeedFields =
    EntryPointWith({"firstName", "lastName", "emailAddress"});

// Expects a FieldError for `field` and `rule`.
void ExpectFieldError(const absl::StatusOr<CleanPayload>& result,
                      const std::string& field, const std::string& rule) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(result.status()), field);
  EXPECT_EQ(ErrorRule(result.status()), rule);
}

// Verifies the seed's browser payload is taken as it is.
TEST(PayloadTest, TakesTheSeedPayload) {
  auto clean = CleanAndValidate(kSeedFields,
                                Json(R"({"firstName": "Ann", "lastName": "Lee",
                             "emailAddress": "ann@example.com"})"));
  ASSERT_TRUE(clean.ok()) << clean.status();
  EXPECT_THAT(clean->Find("firstName"), Pointee(std::string("Ann")));
  EXPECT_THAT(clean->Find("emailAddress"),
              Pointee(std::string("ann@example.com")));
  EXPECT_EQ(clean->ToJson(), R"({"firstName":"Ann","lastName":"Lee",)"
                             R"("emailAddress":"ann@example.com"})");
}

// Verifies that "" and white space mean no value, like null.
TEST(PayloadTest, EmptyStringsAreNull) {
  auto clean = CleanAndValidate(
      kSeedFields,
      Json(R"({"firstName": "", "lastName": "  ", "emailAddress": "a@b.cd"})"));
  ASSERT_TRUE(clean.ok());
  EXPECT_THAT(clean->Find("firstName"), IsNull());
  EXPECT_THAT(clean->Find("lastName"), IsNull());
}

// Verifies that keys outside the payload fields are dropped silently.
TEST(PayloadTest, IgnoresKeysOutsideThePayloadFields) {
  auto clean = CleanAndValidate(kSeedFields,
                                Json(R"({"lastName": "Lee", "status": "Dead",
                             "assignedUserId": "x", "id": "y"})"));
  ASSERT_TRUE(clean.ok());
  EXPECT_THAT(clean->Find("status"), IsNull());
  v1::Lead lead;
  clean->ApplyTo(&lead);
  EXPECT_EQ(lead.last_name(), "Lee");
  EXPECT_EQ(lead.status(), v1::LEAD_STATUS_UNSPECIFIED);
  EXPECT_EQ(lead.assigned_user_id(), "");
  EXPECT_EQ(lead.id(), "");
}

// Verifies that 4-byte characters are kept byte for byte.
TEST(PayloadTest, KeepsEmojiByteForByte) {
  auto clean = CleanAndValidate(kSeedFields, Json(R"({"firstName": "Zoë 😀"})"));
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(*clean->Find("firstName"), "Zo\xc3\xab \xf0\x9f\x98\x80");
}

// Verifies that numbers become their decimal text.
TEST(PayloadTest, NumbersBecomeText) {
  auto clean = CleanAndValidate(
      EntryPointWith({"addressPostalCode", "description", "phoneNumber"}),
      Json(R"({"addressPostalCode": 10115, "description": 1.5,
               "phoneNumber": 4930123456})"));
  ASSERT_TRUE(clean.ok()) << clean.status();
  EXPECT_EQ(*clean->Find("addressPostalCode"), "10115");
  EXPECT_EQ(*clean->Find("description"), "1.5");
  EXPECT_EQ(*clean->Find("phoneNumber"), "+4930123456");
}

TEST(PayloadTest, ObjectsArraysAndBooleansAreTypeErrors) {
  ExpectFieldError(
      CleanAndValidate(kSeedFields, Json(R"({"firstName": {"a": 1}})")),
      "firstName", "type");
  ExpectFieldError(
      CleanAndValidate(kSeedFields, Json(R"({"lastName": ["Lee"]})")),
      "lastName", "type");
  ExpectFieldError(
      CleanAndValidate(kSeedFields, Json(R"({"emailAddress": true})")),
      "emailAddress", "type");
}

TEST(PayloadTest, RequiredFieldsNeedAValue) {
  const v1::EntryPoint entry_point = EntryPointWith(
      {"firstName", "lastName", "emailAddress"}, {"emailAddress"});
  ExpectFieldError(
      CleanAndValidate(entry_point, Json(R"({"firstName": "Ann"})")),
      "emailAddress", "required");
  ExpectFieldError(
      CleanAndValidate(entry_point, Json(R"({"emailAddress": " "})")),
      "emailAddress", "required");
}

// Verifies that lengths count characters: 100 emoji fit a name, 101 don't.
TEST(PayloadTest, MaxLengthCountsCharacters) {
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "😀";
  EXPECT_TRUE(CleanAndValidate(kSeedFields,
                               Json("{\"firstName\": \"" + hundred + "\"}"))
                  .ok());
  ExpectFieldError(CleanAndValidate(kSeedFields, Json("{\"firstName\": \"" +
                                                      hundred + "a\"}")),
                   "firstName", "maxLength");
}

TEST(PayloadTest, NamesMustNotContainMarkup) {
  ExpectFieldError(
      CleanAndValidate(kSeedFields, Json(R"({"lastName": "<script>"})")),
      "lastName", "pattern");
  ExpectFieldError(
      CleanAndValidate(kSeedFields, Json(R"({"firstName": "a=b"})")),
      "firstName", "pattern");
}

TEST(PayloadTest, RefusesBadEmailAddresses) {
  ExpectFieldError(
      CleanAndValidate(kSeedFields, Json(R"({"emailAddress": "nope"})")),
      "emailAddress", "email");
  ExpectFieldError(
      CleanAndValidate(kSeedFields,
                       Json(R"({"emailAddress": "a@b.cd\r\nBcc: c@d.ef"})")),
      "emailAddress", "email");
}

TEST(PayloadTest, ChecksPhoneUrlAndEnumFields) {
  const v1::EntryPoint entry_point =
      EntryPointWith({"salutationName", "phoneNumber", "website"});
  ExpectFieldError(
      CleanAndValidate(entry_point, Json(R"({"phoneNumber": "call me"})")),
      "phoneNumber", "phone");
  ExpectFieldError(
      CleanAndValidate(entry_point, Json(R"({"website": "not a url"})")),
      "website", "url");
  ExpectFieldError(
      CleanAndValidate(entry_point, Json(R"({"salutationName": "Sir"})")),
      "salutationName", "enum");
  auto clean = CleanAndValidate(entry_point, Json(R"({"salutationName": "Dr.",
                            "phoneNumber": "030 1234567"})"));
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(*clean->Find("phoneNumber"), "+49301234567");
}

// Verifies that the first failing field, in payload_fields order, is named.
TEST(PayloadTest, ReportsTheFirstFailureInFieldOrder) {
  ExpectFieldError(CleanAndValidate(kSeedFields, Json(R"({"emailAddress": "bad",
                                             "firstName": "<x>"})")),
                   "firstName", "pattern");
}

TEST(PayloadTest, AnEmptyPayloadIsRefused) {
  ExpectFieldError(CleanAndValidate(kSeedFields, Json("{}")), "", "empty");
  ExpectFieldError(
      CleanAndValidate(kSeedFields, Json(R"({"firstName": null, "lastName": "",
                                "emailAddress": null, "other": "x"})")),
      "", "empty");
}

// Verifies that `name` is split when first and last name are absent.
TEST(PayloadTest, SplitsNameIntoFirstAndLast) {
  const v1::EntryPoint entry_point =
      EntryPointWith({"name", "firstName", "lastName", "emailAddress"});
  auto clean =
      CleanAndValidate(entry_point, Json(R"({"name": "Ada King  Lovelace"})"));
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(*clean->Find("firstName"), "Ada King");
  EXPECT_EQ(*clean->Find("lastName"), "Lovelace");

  auto single = CleanAndValidate(entry_point, Json(R"({"name": "Cher"})"));
  ASSERT_TRUE(single.ok());
  EXPECT_THAT(single->Find("firstName"), IsNull());
  EXPECT_EQ(*single->Find("lastName"), "Cher");

  auto kept = CleanAndValidate(
      entry_point, Json(R"({"name": "Ada Lovelace", "lastName": "King"})"));
  ASSERT_TRUE(kept.ok());
  EXPECT_THAT(kept->Find("firstName"), IsNull());
  EXPECT_EQ(*kept->Find("lastName"), "King");
}

}  // namespace
}  // namespace leadcapture
