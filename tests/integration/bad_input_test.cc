// Captures that are refused: each gets its status and JSON error body from
// SPEC section 4, stores nothing, and the servers go on serving.
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace leadcapture::testing {
namespace {

struct BadInput {
  // The test's name suffix.
  std::string name;
  // Flags of `entry-points create` beyond the default payload fields.
  std::vector<std::string> entry_point_flags;
  std::string body;
  std::string content_type = "application/json";
  int status = 400;
  std::string code = "invalid_argument";
  std::string field;
  std::string rule;
};

void PrintTo(const BadInput& input, std::ostream* out) { *out << input.name; }

std::string WithFirstName(const std::string& first_name_json) {
  return R"({"firstName": )" + first_name_json +
         R"(, "lastName": "Lee", "emailAddress": "ann@x.example"})";
}

std::string WithEmail(const std::string& email_json) {
  return R"({"firstName": "Ann", "emailAddress": )" + email_json + "}";
}

// A payload that the capture refuses with INVALID_ARGUMENT (400).
BadInput Invalid(std::string name, std::string body, std::string field,
                 std::string rule, std::vector<std::string> flags = {}) {
  BadInput input;
  input.name = std::move(name);
  input.body = std::move(body);
  input.field = std::move(field);
  input.rule = std::move(rule);
  input.entry_point_flags = std::move(flags);
  return input;
}

// A request that the gateway refuses before any field is looked at.
BadInput Refused(std::string name, std::string body, std::string content_type,
                 int status, std::string code) {
  BadInput input;
  input.name = std::move(name);
  input.body = std::move(body);
  input.content_type = std::move(content_type);
  input.status = status;
  input.code = std::move(code);
  return input;
}

std::vector<BadInput> BadInputs() {
  const std::string json_type = "application/json";
  return {
      Invalid("MalformedJson", R"({"firstName": "Ann", "emailAddress": )", "",
              "json"),
      Invalid("JsonArray",
              R"([{"firstName": "Ann", "emailAddress": "ann@x.example"}])", "",
              ""),
      Invalid("JsonString", R"("ann@x.example")", "", ""),
      Invalid("EmptyBody", "", "", ""),
      Invalid("ObjectForName", WithFirstName(R"({"text": "Ann"})"), "firstName",
              "type"),
      Invalid("ArrayForName", WithFirstName(R"(["Ann"])"), "firstName", "type"),
      Invalid("BooleanForName", WithFirstName("true"), "firstName", "type"),
      Invalid("InvalidEmail", WithEmail(R"("not-an-address")"), "emailAddress",
              "email"),
      Invalid("EmailWithCrLf",
              WithEmail(R"("ann@x.example\r\nBcc: all@x.example")"),
              "emailAddress", "email"),
      Invalid("NameOverMaxLength",
              WithFirstName("\"" + std::string(101, 'a') + "\""), "firstName",
              "maxLength"),
      Invalid("NameWithAngleBrackets", WithFirstName(R"("<b>Ann</b>")"),
              "firstName", "pattern"),
      Invalid("EmptyObject", "{}", "", "empty"),
      Invalid("AllNull",
              R"({"firstName": null, "lastName": null, "emailAddress": null})",
              "", "empty"),
      Invalid("AllEmptyStrings",
              R"({"firstName": "", "lastName": " ", "emailAddress": ""})", "",
              "empty"),
      Invalid("OnlyUnknownKeys", R"({"status": "Dead", "company": "X"})", "",
              "empty"),
      Invalid("MissingRequiredField", R"({"firstName": "Ann"})", "emailAddress",
              "required", {"--required", "emailAddress"}),
      Invalid("InvalidPhone",
              R"({"firstName": "Ann", "phoneNumber": "call me"})",
              "phoneNumber", "phone",
              {"--payload-fields", "firstName,phoneNumber"}),
      Refused("TextPlainContentType", WithFirstName(R"("Ann")"), "text/plain",
              415, "unsupported_media_type"),
      Refused("FormContentType", "firstName=Ann&emailAddress=a%40x.example",
              "application/x-www-form-urlencoded", 415,
              "unsupported_media_type"),
      Refused("BodyOverLimit",
              WithFirstName("\"" + std::string(70 * 1024, 'a') + "\""),
              json_type, 413, "payload_too_large"),
  };
}

class BadInputTest : public DeploymentTest,
                     public ::testing::WithParamInterface<BadInput> {};

TEST_P(BadInputTest, IsRefusedStoresNothingAndServingGoesOn) {
  const BadInput& input = GetParam();
  json entry_point = CreateEntryPoint(input.entry_point_flags);
  const std::string api_key = Str(entry_point, "apiKey");

  httplib::Result result =
      PostCapture(api_key, input.body, {}, input.content_type);
  EXPECT_TRUE(
      IsErrorAnswer(result, input.status, input.code, input.field, input.rule));
  EXPECT_EQ(Leads().size(), 0u);
  EXPECT_EQ(CaptureLogs().size(), 0u);

  EXPECT_TRUE(IsAccepted(
      PostCapture(api_key, SeedPayload("Ann", "Lee", "a@x.example"))));
  EXPECT_EQ(Leads().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Payloads, BadInputTest,
                         ::testing::ValuesIn(BadInputs()),
                         [](const ::testing::TestParamInfo<BadInput>& info) {
                           return info.param.name;
                         });

class ApiKeyTest : public DeploymentTest {};

TEST_F(ApiKeyTest, UnknownKeyIsNotFound) {
  json entry_point = CreateEntryPoint();
  httplib::Result result = PostCapture(
      std::string(32, 'a'), SeedPayload("Ann", "Lee", "a@x.example"));
  EXPECT_TRUE(IsErrorAnswer(result, 404, "not_found"));
  EXPECT_EQ(CaptureLogs().size(), 0u);
  EXPECT_TRUE(IsAccepted(PostCapture(
      Str(entry_point, "apiKey"), SeedPayload("Ann", "Lee", "a@x.example"))));
}

TEST_F(ApiKeyTest, NotFoundAnswerDoesNotEchoTheKey) {
  const std::string api_key = "0123456789abcdef0123456789abcdef";
  httplib::Result result =
      PostCapture(api_key, SeedPayload("Ann", "Lee", "a@x.example"));
  ASSERT_TRUE(IsErrorAnswer(result, 404, "not_found"));
  EXPECT_EQ(result->body.find(api_key), std::string::npos) << result->body;
  EXPECT_EQ(result->get_header_value("X-Status-Reason").find(api_key),
            std::string::npos);
}

TEST_F(ApiKeyTest, MalformedKeyIsNotFound) {
  httplib::Result result =
      PostCapture("not-a-key", SeedPayload("Ann", "Lee", "a@x.example"));
  EXPECT_TRUE(IsErrorAnswer(result, 404, "not_found"));
}

TEST_F(ApiKeyTest, InactiveKeyIsNotFoundAndStoresNothing) {
  json entry_point = CreateEntryPoint();
  const std::string id = Str(entry_point, "id");
  const std::string api_key = Str(entry_point, "apiKey");
  MustLeadctl({"entry-points", "update", id, "--active=false"});

  httplib::Result result =
      PostCapture(api_key, SeedPayload("Ann", "Lee", "a@x.example"));
  EXPECT_TRUE(IsErrorAnswer(result, 404, "not_found"));
  EXPECT_EQ(Leads().size(), 0u);
  EXPECT_EQ(CaptureLogs().size(), 0u);

  json other = CreateEntryPoint();
  EXPECT_TRUE(IsAccepted(PostCapture(
      Str(other, "apiKey"), SeedPayload("Ann", "Lee", "a@x.example"))));
}

TEST_F(ApiKeyTest, InactiveAndUnknownKeysGiveTheSameAnswer) {
  json entry_point = CreateEntryPoint();
  MustLeadctl(
      {"entry-points", "update", Str(entry_point, "id"), "--active=false"});
  const std::string body = SeedPayload("Ann", "Lee", "a@x.example");
  httplib::Result inactive = PostCapture(Str(entry_point, "apiKey"), body);
  httplib::Result unknown = PostCapture(std::string(32, 'b'), body);
  ASSERT_TRUE(inactive);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(inactive->status, unknown->status);
  EXPECT_EQ(inactive->body, unknown->body);
}

TEST_F(ApiKeyTest, ReactivatedKeyCapturesAgain) {
  json entry_point = CreateEntryPoint();
  const std::string id = Str(entry_point, "id");
  MustLeadctl({"entry-points", "update", id, "--active=false"});
  MustLeadctl({"entry-points", "update", id, "--active=true"});
  EXPECT_TRUE(IsAccepted(PostCapture(
      Str(entry_point, "apiKey"), SeedPayload("Ann", "Lee", "a@x.example"))));
}

}  // namespace
}  // namespace leadcapture::testing
