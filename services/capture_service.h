// LeadCaptureService and OptInService over gRPC.
#ifndef LEADCAPTURE_SERVICES_CAPTURE_SERVICE_H_
#define LEADCAPTURE_SERVICES_CAPTURE_SERVICE_H_

#include "leadcapture/v1/capture_service.grpc.pb.h"
#include "leadcapture/v1/opt_in_service.grpc.pb.h"
#include "services/capture.h"
#include "services/opt_in.h"

namespace leadcapture {

// The public capture calls. Thread-safe; `processor` must outlive it.
class LeadCaptureServiceImpl final : public v1::LeadCaptureService::Service {
 public:
  explicit LeadCaptureServiceImpl(CaptureProcessor& processor)
      : processor_(processor) {}

  grpc::Status Capture(grpc::ServerContext* context,
                       const v1::CaptureRequest* request,
                       v1::CaptureResponse* response) override;
  grpc::Status GetPolicy(grpc::ServerContext* context,
                         const v1::GetPolicyRequest* request,
                         v1::Policy* response) override;

 private:
  CaptureProcessor& processor_;
};

// The double opt-in calls. Thread-safe; `processor` must outlive it.
class OptInServiceImpl final : public v1::OptInService::Service {
 public:
  explicit OptInServiceImpl(OptInProcessor& processor)
      : processor_(processor) {}

  grpc::Status Confirm(grpc::ServerContext* context,
                       const v1::ConfirmRequest* request,
                       v1::ConfirmResponse* response) override;
  grpc::Status Inspect(grpc::ServerContext* context,
                       const v1::InspectRequest* request,
                       v1::InspectResponse* response) override;
  grpc::Status Resend(grpc::ServerContext* context,
                      const v1::ResendRequest* request,
                      v1::ResendResponse* response) override;

 private:
  OptInProcessor& processor_;
};

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_CAPTURE_SERVICE_H_
