#include "gateway/json_payload.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/util/field_error.h"

namespace leadcapture::gateway {
namespace {

using google::protobuf::Value;
using Json = nlohmann::json;

constexpr int64_t kMaxExactInteger = int64_t{1} << 53;

// Builds the protobuf Value tree straight from nlohmann's SAX events, with
// no intermediate DOM. Containers are filled through pointers that stay
// valid: protobuf Map values and RepeatedPtrField elements never move.
class StructBuilder : public nlohmann::json_sax<Json> {
 public:
  bool null() override {
    Slot()->set_null_value(google::protobuf::NULL_VALUE);
    return true;
  }
  bool boolean(bool value) override {
    Slot()->set_bool_value(value);
    return true;
  }
  // A double holds every integer up to 2^53 exactly; a larger one (a long
  // order number, say) travels as its decimal text so no digit changes.
  bool number_integer(number_integer_t value) override {
    if (value > kMaxExactInteger || value < -kMaxExactInteger) {
      Slot()->set_string_value(std::to_string(value));
    } else {
      Slot()->set_number_value(static_cast<double>(value));
    }
    return true;
  }
  bool number_unsigned(number_unsigned_t value) override {
    if (value > static_cast<number_unsigned_t>(kMaxExactInteger)) {
      Slot()->set_string_value(std::to_string(value));
    } else {
      Slot()->set_number_value(static_cast<double>(value));
    }
    return true;
  }
  bool number_float(number_float_t value, const string_t&) override {
    Slot()->set_number_value(value);
    return true;
  }
  bool string(string_t& value) override {
    Slot()->set_string_value(std::move(value));
    return true;
  }
  bool binary(binary_t&) override { return Fail("binary data"); }

  bool start_object(std::size_t) override {
    if (!Enter()) return false;
    Value* value = Slot();
    value->mutable_struct_value();
    open_.push_back(value);
    return true;
  }
  bool key(string_t& key) override {
    key_ = std::move(key);
    return true;
  }
  bool end_object() override {
    open_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    if (!Enter()) return false;
    Value* value = Slot();
    value->mutable_list_value();
    open_.push_back(value);
    return true;
  }
  bool end_array() override {
    open_.pop_back();
    return true;
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    error_ = absl::StrCat("the body is not valid JSON (error at byte ",
                          position, ")");
    return false;
  }

  // Empty after a successful parse.
  const std::string& error() const { return error_; }
  Value& root() { return root_; }

 private:
  // The Value the next event fills: the root, the next array element, or
  // the member named by the last key (a repeated key starts afresh).
  Value* Slot() {
    if (open_.empty()) return &root_;
    Value* parent = open_.back();
    if (parent->has_list_value()) {
      return parent->mutable_list_value()->add_values();
    }
    Value* member = &(*parent->mutable_struct_value()->mutable_fields())[key_];
    member->Clear();
    return member;
  }

  bool Enter() {
    if (static_cast<int>(open_.size()) >= kMaxJsonDepth) {
      return Fail(absl::StrCat("JSON nesting is deeper than ", kMaxJsonDepth));
    }
    return true;
  }

  bool Fail(absl::string_view message) {
    error_ = std::string(message);
    return false;
  }

  Value root_;
  std::vector<Value*> open_;
  std::string key_;
  std::string error_;
};

}  // namespace

absl::StatusOr<google::protobuf::Struct> ParseJsonPayload(
    absl::string_view body) {
  StructBuilder builder;
  const bool parsed = Json::sax_parse(body.begin(), body.end(), &builder,
                                      nlohmann::json::input_format_t::json,
                                      /*strict=*/true);
  if (!parsed || !builder.error().empty()) {
    std::string message = builder.error().empty() ? "the body is not valid JSON"
                                                  : builder.error();
    return FieldError("", kRuleJson, message);
  }
  if (!builder.root().has_struct_value()) {
    return FieldError("", kRuleJson, "the body must be a JSON object");
  }
  return std::move(*builder.root().mutable_struct_value());
}

}  // namespace leadcapture::gateway
