// Cleaning and validation of a posted payload against an entry point's
// settings (SPEC section 3, steps 2 and 3).
#ifndef LEADCAPTURE_SERVICES_PAYLOAD_H_
#define LEADCAPTURE_SERVICES_PAYLOAD_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"
#include "leadcapture/v1/resources.pb.h"

namespace leadcapture {

// A payload after clean-up: the accepted fields, in the entry point's
// payload_fields order, each with its value or none. Phone numbers are in
// E.164; a `name` is split into firstName and lastName when both are absent.
class CleanPayload {
 public:
  // The value of a field; nullptr when it is absent or has no value.
  const std::string* Find(absl::string_view field) const;

  // Whether any field has a value.
  bool HasAnyValue() const;

  // The payload as a JSON object text, fields in order, null for none.
  std::string ToJson() const;

  // Reads back what ToJson() wrote. INTERNAL for anything else.
  static absl::StatusOr<CleanPayload> FromJson(absl::string_view json);

  // Copies every value onto the lead's field of the same name.
  void ApplyTo(v1::Lead* lead) const;

  // Sets a field, replacing an earlier value. For the cleaner.
  void Set(absl::string_view field, std::optional<std::string> value);

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> fields_;
};

// Cleans and validates `payload` for `entry_point`. Keys outside the
// payload fields are ignored. INVALID_ARGUMENT (a FieldError naming the
// field and rule) at the first field that fails, in payload_fields order,
// or with rule "empty" when no accepted field has a value.
absl::StatusOr<CleanPayload> CleanAndValidate(
    const v1::EntryPoint& entry_point, const google::protobuf::Struct& payload);

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_PAYLOAD_H_
