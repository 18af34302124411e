// The catalogue of Lead fields that a payload may carry, with their types and
// rules (SPEC section 2).
#ifndef LEADCAPTURE_SERVICES_LEAD_FIELDS_H_
#define LEADCAPTURE_SERVICES_LEAD_FIELDS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace leadcapture {

enum class FieldType { kVarchar, kText, kEmail, kPhone, kUrl, kEnum };

// How one payload field is read and checked.
struct FieldSpec {
  // The API name, as in payloads: "firstName".
  std::string name;
  FieldType type = FieldType::kVarchar;
  // The most Unicode characters a value may have.
  int max_length = 255;
  // A person's name: must not contain '<', '>' or '='.
  bool is_person_name = false;
  // For kEnum: the allowed values.
  std::vector<std::string> options;
};

// The pseudo field that is split into firstName and lastName.
inline constexpr absl::string_view kNameField = "name";

// The spec of a payload field, or nullptr when there is no such field.
const FieldSpec* FindFieldSpec(absl::string_view name);

// Every payload field name, in catalogue order.
std::vector<std::string> AllFieldNames();

// The payload fields an entry point takes when none are set.
std::vector<std::string> DefaultPayloadFields();

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_LEAD_FIELDS_H_
