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

grpc::Status OptInServiceImpl::Confirm(grpc::ServerContext* context,
                                       const v1::ConfirmRequest* request,
                                       v1::ConfirmResponse* response) {
  auto confirmed = processor_.Confirm(*request);
  if (confirmed.ok()) *response = *std::move(confirmed);
  return ToGrpcStatus(confirmed.status(), context, "Confirm");
}

grpc::Status OptInServiceImpl::Inspect(grpc::ServerContext* context,
                                       const v1::InspectRequest* request,
                                       v1::InspectResponse* response) {
  auto inspected = processor_.Inspect(request->token());
  if (inspected.ok()) *response = *std::move(inspected);
  return ToGrpcStatus(inspected.status(), context, "Inspect");
}

grpc::Status OptInServiceImpl::Resend(grpc::ServerContext* context,
                                      const v1::ResendRequest* request,
                                      v1::ResendResponse*) {
  return ToGrpcStatus(processor_.Resend(request->token()), context, "Resend");
}

}  // namespace leadcapture
