#include "services/capture_service.h"

#include "services/grpc_status.h"

namespace leadcapture {

grpc::Status LeadCaptureServiceImpl::Capture(grpc::ServerContext* context,
                                             const v1::CaptureRequest* request,
                                             v1::CaptureResponse*) {
  // The reply stays empty whatever happened: the outcome is only in the
  // capture log.
  return ToGrpcStatus(processor_.Capture(*request).status(), context,
                      "Capture");
}

grpc::Status LeadCaptureServiceImpl::GetPolicy(
    grpc::ServerContext* context, const v1::GetPolicyRequest* request,
    v1::Policy* response) {
  auto policy = processor_.GetPolicy(request->api_key());
  if (policy.ok()) *response = *std::move(policy);
  return ToGrpcStatus(policy.status(), context, "GetPolicy");
}

}  // namespace leadcapture
