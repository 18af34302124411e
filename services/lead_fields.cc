#include "services/lead_fields.h"

namespace leadcapture {
namespace {

// Person names are capped at 100 characters, other single-line fields at
// 255, as EspoCRM does; the description is long text.
const std::vector<FieldSpec>& Catalogue() {
  static const auto* const kCatalogue = new std::vector<FieldSpec>{
      {"salutationName",
       FieldType::kEnum,
       255,
       false,
       {"Mr.", "Ms.", "Mrs.", "Dr."}},
      {"firstName", FieldType::kVarchar, 100, true, {}},
      {"middleName", FieldType::kVarchar, 100, true, {}},
      {"lastName", FieldType::kVarchar, 100, true, {}},
      {std::string(kNameField), FieldType::kVarchar, 201, true, {}},
      {"title", FieldType::kVarchar, 255, false, {}},
      {"accountName", FieldType::kVarchar, 255, false, {}},
      {"emailAddress", FieldType::kEmail, 255, false, {}},
      {"phoneNumber", FieldType::kPhone, 64, false, {}},
      {"website", FieldType::kUrl, 255, false, {}},
      {"addressStreet", FieldType::kText, 255, false, {}},
      {"addressCity", FieldType::kVarchar, 255, false, {}},
      {"addressState", FieldType::kVarchar, 255, false, {}},
      {"addressCountry", FieldType::kVarchar, 255, false, {}},
      {"addressPostalCode", FieldType::kVarchar, 255, false, {}},
      {"description", FieldType::kText, 65535, false, {}},
  };
  return *kCatalogue;
}

}  // namespace

const FieldSpec* FindFieldSpec(absl::string_view name) {
  for (const FieldSpec& spec : Catalogue()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::vector<std::string> AllFieldNames() {
  std::vector<std::string> names;
  for (const FieldSpec& spec : Catalogue()) names.push_back(spec.name);
  return names;
}

std::vector<std::string> DefaultPayloadFields() {
  return {"firstName", "lastName", "emailAddress"};
}

}  // namespace leadcapture
