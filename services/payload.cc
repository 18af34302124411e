#include "services/payload.h"

#include <charconv>
#include <cmath>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "nlohmann/json.hpp"
#include "services/lead_fields.h"
#include "services/util/field_error.h"
#include "services/util/status_macros.h"
#include "services/validators.h"

namespace leadcapture {
namespace {

using ::google::protobuf::Value;

// JSON numbers arrive as doubles; integral ones are written without a
// fraction, others in the shortest form that reads back the same.
std::string NumberText(double number) {
  if (std::isfinite(number) && std::floor(number) == number &&
      std::fabs(number) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(number));
  }
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), number);
  return std::string(buffer, result.ptr);
}

// Reads a field's raw value as text: strings and numbers are accepted, null
// is no value, anything else is a type error. White space around text is
// dropped; what is left empty is no value.
absl::StatusOr<std::optional<std::string>> ReadText(const FieldSpec& spec,
                                                    const Value& value) {
  std::string text;
  switch (value.kind_case()) {
    case Value::kNullValue:
    case Value::KIND_NOT_SET:
      return std::nullopt;
    case Value::kStringValue:
      text = value.string_value();
      break;
    case Value::kNumberValue:
      text = NumberText(value.number_value());
      break;
    default:
      return FieldError(spec.name, kRuleType,
                        absl::StrCat(spec.name, " must be a string or null"));
  }
  if (spec.type != FieldType::kText) {
    text = std::string(absl::StripAsciiWhitespace(text));
  }
  if (absl::StripAsciiWhitespace(text).empty()) return std::nullopt;
  return text;
}

// Checks one value against its field's rules; returns the value to store.
absl::StatusOr<std::string> CheckValue(const FieldSpec& spec,
                                       const v1::EntryPoint& entry_point,
                                       std::string text) {
  const std::string& name = spec.name;
  if (static_cast<int>(Utf8Length(text)) > spec.max_length) {
    return FieldError(
        name, kRuleMaxLength,
        absl::StrCat(name, " is longer than ", spec.max_length, " characters"));
  }
  const bool multi_line = spec.type == FieldType::kText;
  if (HasControlCharacter(text, multi_line)) {
    absl::string_view rule =
        spec.type == FieldType::kEmail ? kRuleEmail : kRulePattern;
    return FieldError(name, rule,
                      absl::StrCat(name, " contains a control character"));
  }
  if (spec.is_person_name && text.find_first_of("<>=") != std::string::npos) {
    return FieldError(name, kRulePattern,
                      absl::StrCat(name, " must not contain <, > or ="));
  }
  switch (spec.type) {
    case FieldType::kEmail:
      if (!IsValidEmail(text)) {
        return FieldError(name, kRuleEmail,
                          absl::StrCat(name, " is not a valid e-mail address"));
      }
      break;
    case FieldType::kUrl:
      if (!IsValidUrl(text)) {
        return FieldError(name, kRuleUrl,
                          absl::StrCat(name, " is not a valid web address"));
      }
      break;
    case FieldType::kEnum:
      if (!absl::c_linear_search(spec.options, text)) {
        return FieldError(name, kRuleEnum,
                          absl::StrCat(name, " must be one of ",
                                       absl::StrJoin(spec.options, ", ")));
      }
      break;
    case FieldType::kPhone: {
      auto e164 = NormalizePhone(text, entry_point.phone_country());
      if (!e164.ok()) {
        return FieldError(name, kRulePhone,
                          absl::StrCat(name, " is not a valid phone number"));
      }
      return *std::move(e164);
    }
    case FieldType::kVarchar:
    case FieldType::kText:
      break;
  }
  return text;
}

// Splits "Ada King Lovelace" into firstName "Ada King" and lastName
// "Lovelace" when the payload has no first or last name.
absl::Status SplitName(CleanPayload& clean) {
  const std::string* full = clean.Find(kNameField);
  if (full == nullptr || clean.Find("firstName") != nullptr ||
      clean.Find("lastName") != nullptr) {
    return absl::OkStatus();
  }
  std::vector<absl::string_view> words =
      absl::StrSplit(*full, ' ', absl::SkipWhitespace());
  std::string last(words.back());
  words.pop_back();
  std::string first = absl::StrJoin(words, " ");
  for (const std::string* part : {&first, &last}) {
    if (Utf8Length(*part) > 100) {
      return FieldError(kNameField, kRuleMaxLength,
                        "each part of name must be at most 100 characters");
    }
  }
  clean.Set("firstName",
            first.empty() ? std::nullopt : std::optional<std::string>(first));
  clean.Set("lastName", last);
  return absl::OkStatus();
}

}  // namespace

const std::string* CleanPayload::Find(absl::string_view field) const {
  for (const auto& [name, value] : fields_) {
    if (name == field) return value.has_value() ? &*value : nullptr;
  }
  return nullptr;
}

bool CleanPayload::HasAnyValue() const {
  return absl::c_any_of(fields_,
                        [](const auto& field) { return field.second; });
}

std::string CleanPayload::ToJson() const {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  for (const auto& [name, value] : fields_) {
    if (value.has_value()) {
      json[name] = *value;
    } else {
      json[name] = nullptr;
    }
  }
  return json.dump();
}

absl::StatusOr<CleanPayload> CleanPayload::FromJson(absl::string_view json) {
  nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(
      json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    return absl::InternalError("a stored payload is not a JSON object");
  }
  CleanPayload payload;
  for (const auto& [name, value] : parsed.items()) {
    if (value.is_string()) {
      payload.Set(name, value.get<std::string>());
    } else if (value.is_null()) {
      payload.Set(name, std::nullopt);
    } else {
      return absl::InternalError("a stored payload has a non-text value");
    }
  }
  return payload;
}

void CleanPayload::ApplyTo(v1::Lead* lead) const {
  const google::protobuf::Descriptor* descriptor = lead->GetDescriptor();
  const google::protobuf::Reflection* reflection = lead->GetReflection();
  for (const auto& [name, value] : fields_) {
    if (!value.has_value()) continue;
    const google::protobuf::FieldDescriptor* field =
        descriptor->FindFieldByCamelcaseName(name);
    if (field == nullptr ||
        field->type() != google::protobuf::FieldDescriptor::TYPE_STRING ||
        field->is_repeated()) {
      continue;
    }
    reflection->SetString(lead, field, *value);
  }
}

void CleanPayload::Set(absl::string_view field,
                       std::optional<std::string> value) {
  for (auto& entry : fields_) {
    if (entry.first == field) {
      entry.second = std::move(value);
      return;
    }
  }
  fields_.emplace_back(std::string(field), std::move(value));
}

absl::StatusOr<CleanPayload> CleanAndValidate(
    const v1::EntryPoint& entry_point,
    const google::protobuf::Struct& payload) {
  CleanPayload clean;
  for (const std::string& name : entry_point.payload_fields()) {
    const FieldSpec* spec = FindFieldSpec(name);
    if (spec == nullptr) continue;
    std::optional<std::string> value;
    auto it = payload.fields().find(name);
    if (it != payload.fields().end()) {
      LC_ASSIGN_OR_RETURN(value, ReadText(*spec, it->second));
    }
    if (!value.has_value()) {
      if (absl::c_linear_search(entry_point.required_fields(), name)) {
        return FieldError(name, kRuleRequired,
                          absl::StrCat(name, " is required"));
      }
      clean.Set(name, std::nullopt);
      continue;
    }
    LC_ASSIGN_OR_RETURN(std::string checked,
                        CheckValue(*spec, entry_point, *std::move(value)));
    clean.Set(name, std::move(checked));
  }
  LC_RETURN_IF_ERROR(SplitName(clean));
  if (!clean.HasAnyValue()) {
    return FieldError("", kRuleEmpty,
                      "the payload has no value in any accepted field");
  }
  return clean;
}

}  // namespace leadcapture
