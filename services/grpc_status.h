// The one mapping from domain errors (absl::Status) to gRPC statuses.
#ifndef LEADCAPTURE_SERVICES_GRPC_STATUS_H_
#define LEADCAPTURE_SERVICES_GRPC_STATUS_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace leadcapture {

// Trailing metadata keys that name the failed payload field and rule.
inline constexpr char kFieldMetadataKey[] = "leadcapture-field";
inline constexpr char kRuleMetadataKey[] = "leadcapture-rule";

// Turns `status` into the gRPC status of the same code. A FieldError's field
// and rule go into the trailing metadata of `context`. INTERNAL and UNKNOWN
// lose their message (it may hold details no client should see) and are
// logged once here, as are UNAVAILABLE and DEADLINE_EXCEEDED, with
// `method` naming the call.
grpc::Status ToGrpcStatus(const absl::Status& status,
                          grpc::ServerContext* context,
                          absl::string_view method);

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_GRPC_STATUS_H_
