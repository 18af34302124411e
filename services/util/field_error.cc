#include "services/util/field_error.h"

#include "absl/strings/cord.h"

namespace leadcapture {
namespace {

constexpr absl::string_view kFieldPayloadUrl = "leadcapture.v1/field";
constexpr absl::string_view kRulePayloadUrl = "leadcapture.v1/rule";

std::string PayloadText(const absl::Status& status, absl::string_view url) {
  auto payload = status.GetPayload(url);
  return payload.has_value() ? std::string(*payload) : std::string();
}

}  // namespace

absl::Status FieldError(absl::string_view field, absl::string_view rule,
                        absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  if (!field.empty()) status.SetPayload(kFieldPayloadUrl, absl::Cord(field));
  status.SetPayload(kRulePayloadUrl, absl::Cord(rule));
  return status;
}

std::string ErrorField(const absl::Status& status) {
  return PayloadText(status, kFieldPayloadUrl);
}

std::string ErrorRule(const absl::Status& status) {
  return PayloadText(status, kRulePayloadUrl);
}

}  // namespace leadcapture
