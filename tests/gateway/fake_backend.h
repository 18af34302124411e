// An in-process stand-in for leadcaptured: a real gRPC server on
// 127.0.0.1 serving LeadCaptureService and OptInService from scripted
// state, plus the standard health service.
#ifndef LEADCAPTURE_TESTS_GATEWAY_FAKE_BACKEND_H_
#define LEADCAPTURE_TESTS_GATEWAY_FAKE_BACKEND_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "leadcapture/v1/capture_service.grpc.pb.h"
#include "leadcapture/v1/opt_in_service.grpc.pb.h"

namespace leadcapture::gateway {

// What the fake knows and what it saw. Outlives the backends that serve it,
// so a backend can be stopped and another started on the same state.
// Thread-safe.
class FakeBackendState {
 public:
  // How the next Capture calls are answered.
  struct Answer {
    grpc::StatusCode code = grpc::StatusCode::OK;
    std::string message;
    std::vector<std::pair<std::string, std::string>> trailers;
  };

  // An opt-in token the fake knows.
  struct OptInToken {
    // PENDING, CONFIRMED or EXPIRED. Confirming a PENDING one makes it
    // CONFIRMED.
    leadcapture::v1::OptInState state = leadcapture::v1::PENDING;
    bool confirm_with_button = false;
    // What Confirm answers with CONFIRMED.
    std::string success_html;
    std::string success_redirect_url;
  };

  // Makes `api_key` known with `policy`.
  void SetPolicy(const std::string& api_key,
                 const leadcapture::v1::Policy& policy);
  void SetCaptureAnswer(Answer answer);
  void SetOptInToken(const std::string& token, OptInToken opt_in);
  // Unless OK: every Inspect and Confirm fails with this code and message
  // (and trailers) instead.
  void SetOptInFailure(Answer answer);
  // What Confirm answers for every known token instead of its own state
  // (OPT_IN_STATE_UNSPECIFIED: its own).
  void SetConfirmState(leadcapture::v1::OptInState state);

  std::vector<leadcapture::v1::CaptureRequest> captures() const;
  int policy_calls() const;
  // The tokens Inspect was asked about, in order.
  std::vector<std::string> inspected_tokens() const;
  std::vector<leadcapture::v1::ConfirmRequest> confirms() const;

  grpc::Status GetPolicy(const leadcapture::v1::GetPolicyRequest& request,
                         leadcapture::v1::Policy* policy);
  grpc::Status Capture(grpc::ServerContext* context,
                       const leadcapture::v1::CaptureRequest& request);
  grpc::Status Inspect(grpc::ServerContext* context,
                       const leadcapture::v1::InspectRequest& request,
                       leadcapture::v1::InspectResponse* response);
  grpc::Status Confirm(grpc::ServerContext* context,
                       const leadcapture::v1::ConfirmRequest& request,
                       leadcapture::v1::ConfirmResponse* response);

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, leadcapture::v1::Policy> policies_ ABSL_GUARDED_BY(mu_);
  Answer answer_ ABSL_GUARDED_BY(mu_);
  std::vector<leadcapture::v1::CaptureRequest> captures_ ABSL_GUARDED_BY(mu_);
  int policy_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, OptInToken> opt_in_tokens_ ABSL_GUARDED_BY(mu_);
  Answer opt_in_failure_ ABSL_GUARDED_BY(mu_);
  leadcapture::v1::OptInState confirm_state_ ABSL_GUARDED_BY(mu_) =
      leadcapture::v1::OPT_IN_STATE_UNSPECIFIED;
  std::vector<std::string> inspected_tokens_ ABSL_GUARDED_BY(mu_);
  std::vector<leadcapture::v1::ConfirmRequest> confirms_ ABSL_GUARDED_BY(mu_);
};

class FakeBackend {
 public:
  // Serves `state` (not owned) on 127.0.0.1:`port`; 0 takes a free port.
  // nullptr when the port cannot be bound.
  static std::unique_ptr<FakeBackend> Start(FakeBackendState* state,
                                            int port = 0);
  ~FakeBackend();

  int port() const { return port_; }
  grpc::Server* server() { return server_.get(); }
  // Shuts the server down at once; in-flight calls are cancelled.
  void Stop();

 private:
  class Service;
  class OptInService;

  FakeBackend() = default;

  std::unique_ptr<Service> service_;
  std::unique_ptr<OptInService> opt_in_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace leadcapture::gateway

#endif  // LEADCAPTURE_TESTS_GATEWAY_FAKE_BACKEND_H_
