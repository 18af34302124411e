#include "gateway/json_payload.h"

#include <gtest/gtest.h>

#include <string>

#include "services/util/field_error.h"

namespace leadcapture::gateway {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

std::string Nested(int depth) {
  std::string body;
  for (int i = 0; i < depth; ++i) body += "{\"a\":";
  body += "1";
  for (int i = 0; i < depth; ++i) body += "}";
  return body;
}

void ExpectJsonError(absl::string_view body, absl::string_view fragment) {
  absl::StatusOr<Struct> payload = ParseJsonPayload(body);
  ASSERT_FALSE(payload.ok()) << body;
  EXPECT_EQ(payload.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorRule(payload.status()), "json");
  EXPECT_NE(payload.status().message().find(fragment), absl::string_view::npos)
      << payload.status();
}

// Verifies that integers a double cannot hold keep every digit.
TEST(ParseJsonPayloadTest, LargeIntegersKeepEveryDigit) {
  absl::StatusOr<Struct> payload = ParseJsonPayload(
      R"({"exact":9007199254740992,"over":12345678901234567,)"
      R"("under":-12345678901234567})");
  ASSERT_TRUE(payload.ok()) << payload.status();
  const auto& fields = payload->fields();
  EXPECT_EQ(fields.at("exact").number_value(), 9007199254740992.0);
  EXPECT_EQ(fields.at("over").string_value(), "12345678901234567");
  EXPECT_EQ(fields.at("under").string_value(), "-12345678901234567");
}

TEST(ParseJsonPayloadTest, ConvertsEveryJsonType) {
  absl::StatusOr<Struct> payload = ParseJsonPayload(
      R"({"s":"x","i":42,"neg":-3,"f":1.5,"big":18446744073709551615,)"
      R"("t":true,"n":null,"o":{"k":"v"},"a":[1,"two",null,[]]})");
  ASSERT_TRUE(payload.ok()) << payload.status();
  const auto& fields = payload->fields();
  EXPECT_EQ(fields.at("s").string_value(), "x");
  EXPECT_EQ(fields.at("i").number_value(), 42.0);
  EXPECT_EQ(fields.at("neg").number_value(), -3.0);
  EXPECT_EQ(fields.at("f").number_value(), 1.5);
  EXPECT_EQ(fields.at("big").string_value(), "18446744073709551615");
  EXPECT_TRUE(fields.at("t").bool_value());
  EXPECT_EQ(fields.at("n").kind_case(), Value::kNullValue);
  EXPECT_EQ(fields.at("o").struct_value().fields().at("k").string_value(), "v");
  const auto& list = fields.at("a").list_value();
  ASSERT_EQ(list.values_size(), 4);
  EXPECT_EQ(list.values(0).number_value(), 1.0);
  EXPECT_EQ(list.values(1).string_value(), "two");
  EXPECT_EQ(list.values(2).kind_case(), Value::kNullValue);
  EXPECT_EQ(list.values(3).list_value().values_size(), 0);
}

TEST(ParseJsonPayloadTest, KeepsUnicodeByteForByte) {
  absl::StatusOr<Struct> payload = ParseJsonPayload(
      "{\"firstName\":\"Zo\xC3\xAB \xF0\x9F\x98\x80\","
      "\"lastName\":\"\\ud83d\\ude00\"}");
  ASSERT_TRUE(payload.ok()) << payload.status();
  EXPECT_EQ(payload->fields().at("firstName").string_value(),
            "Zo\xC3\xAB \xF0\x9F\x98\x80");
  EXPECT_EQ(payload->fields().at("lastName").string_value(),
            "\xF0\x9F\x98\x80");
}

TEST(ParseJsonPayloadTest, AcceptsEmptyObject) {
  absl::StatusOr<Struct> payload = ParseJsonPayload(" {} ");
  ASSERT_TRUE(payload.ok()) << payload.status();
  EXPECT_TRUE(payload->fields().empty());
}

TEST(ParseJsonPayloadTest, RepeatedKeyTakesTheLastValue) {
  absl::StatusOr<Struct> payload =
      ParseJsonPayload(R"({"a":{"x":1},"a":{"y":2}})");
  ASSERT_TRUE(payload.ok()) << payload.status();
  const auto& a = payload->fields().at("a").struct_value().fields();
  EXPECT_EQ(a.count("x"), 0u);
  EXPECT_EQ(a.at("y").number_value(), 2.0);
}

TEST(ParseJsonPayloadTest, RejectsMalformedJson) {
  for (const char* body : {"", "{", "{\"a\":}", "{'a':1}", "{\"a\":1} x",
                           "{\"a\":1,}", "{\"a\":NaN}", "nul"}) {
    ExpectJsonError(body, "not valid JSON");
  }
}

TEST(ParseJsonPayloadTest, RejectsInvalidUtf8) {
  ExpectJsonError("{\"firstName\":\"\xFF\"}", "not valid JSON");
  ExpectJsonError("{\"\xC0\xAF\":1}", "not valid JSON");
  ExpectJsonError("{\"a\":\"\\ud800\"}", "not valid JSON");
}

TEST(ParseJsonPayloadTest, RejectsBodiesThatAreNotObjects) {
  for (const char* body :
       {"[]", "[{\"a\":1}]", "\"text\"", "42", "null", "true"}) {
    ExpectJsonError(body, "must be a JSON object");
  }
}

TEST(ParseJsonPayloadTest, AcceptsNestingUpToTheLimit) {
  EXPECT_TRUE(ParseJsonPayload(Nested(kMaxJsonDepth)).ok());
}

TEST(ParseJsonPayloadTest, RejectsNestingBeyondTheLimit) {
  ExpectJsonError(Nested(kMaxJsonDepth + 1), "nesting");
  ExpectJsonError("{\"a\":" + std::string(kMaxJsonDepth, '[') +
                      std::string(kMaxJsonDepth, ']') + "}",
                  "nesting");
}

TEST(ParseJsonPayloadTest, RejectsHugeNestingWithoutRecursing) {
  ExpectJsonError(std::string(1000000, '['), "nesting");
}

}  // namespace
}  // namespace leadcapture::gateway
