#include "services/grpc_status.h"

#include <string>

#include "services/util/field_error.h"
#include "services/util/log.h"

namespace leadcapture {

grpc::Status ToGrpcStatus(const absl::Status& status,
                          grpc::ServerContext* context,
                          absl::string_view method) {
  if (status.ok()) return grpc::Status::OK;

  const std::string field = ErrorField(status);
  const std::string rule = ErrorRule(status);
  if (context != nullptr && !field.empty()) {
    context->AddTrailingMetadata(kFieldMetadataKey, field);
  }
  if (context != nullptr && !rule.empty()) {
    context->AddTrailingMetadata(kRuleMetadataKey, rule);
  }

  // absl and gRPC share the canonical code numbers.
  const auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      LogError("%s failed: %s", method, status.ToString());
      message = "internal error";
      break;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      LogError("%s failed: %s", method, status.ToString());
      break;
    default:
      break;
  }
  return grpc::Status(code, message);
}

}  // namespace leadcapture
