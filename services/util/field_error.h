// Validation errors that name the payload field and the rule that failed.
//
// They are INVALID_ARGUMENT statuses with two payloads attached, so that the
// gRPC layer can put the field and rule in trailing metadata and the gateway
// can show them in its JSON error body.
#ifndef LEADCAPTURE_SERVICES_UTIL_FIELD_ERROR_H_
#define LEADCAPTURE_SERVICES_UTIL_FIELD_ERROR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace leadcapture {

// Rule names, as the HTTP error body spells them (SPEC section 4).
inline constexpr absl::string_view kRuleRequired = "required";
inline constexpr absl::string_view kRuleType = "type";
inline constexpr absl::string_view kRuleMaxLength = "maxLength";
inline constexpr absl::string_view kRulePattern = "pattern";
inline constexpr absl::string_view kRuleEnum = "enum";
inline constexpr absl::string_view kRuleEmail = "email";
inline constexpr absl::string_view kRulePhone = "phone";
inline constexpr absl::string_view kRuleUrl = "url";
inline constexpr absl::string_view kRuleDate = "date";
inline constexpr absl::string_view kRuleDateTime = "datetime";
inline constexpr absl::string_view kRuleEmpty = "empty";
inline constexpr absl::string_view kRuleJson = "json";

// Returns an INVALID_ARGUMENT status whose message is `message` and which
// carries `field` (may be empty) and `rule`.
absl::Status FieldError(absl::string_view field, absl::string_view rule,
                        absl::string_view message);

// The field named by a FieldError status; empty for any other status.
std::string ErrorField(const absl::Status& status);

// The rule named by a FieldError status; empty for any other status.
std::string ErrorRule(const absl::Status& status);

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_UTIL_FIELD_ERROR_H_
