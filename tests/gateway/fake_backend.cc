#include "tests/gateway/fake_backend.h"

#include <chrono>

#include "absl/strings/str_cat.h"

namespace leadcapture::gateway {

using leadcapture::v1::CaptureRequest;
using leadcapture::v1::CaptureResponse;
using leadcapture::v1::ConfirmRequest;
using leadcapture::v1::ConfirmResponse;
using leadcapture::v1::GetPolicyRequest;
using leadcapture::v1::InspectRequest;
using leadcapture::v1::InspectResponse;
using leadcapture::v1::Policy;

namespace {

// The scripted `answer`, with its trailers.
grpc::Status Scripted(grpc::ServerContext* context,
                      const FakeBackendState::Answer& answer) {
  for (const auto& [key, value] : answer.trailers) {
    context->AddTrailingMetadata(key, value);
  }
  return grpc::Status(answer.code, answer.message);
}

}  // namespace

void FakeBackendState::SetPolicy(const std::string& api_key,
                                 const Policy& policy) {
  absl::MutexLock lock(&mu_);
  policies_[api_key] = policy;
}

void FakeBackendState::SetCaptureAnswer(Answer answer) {
  absl::MutexLock lock(&mu_);
  answer_ = std::move(answer);
}

void FakeBackendState::SetOptInToken(const std::string& token,
                                     OptInToken opt_in) {
  absl::MutexLock lock(&mu_);
  opt_in_tokens_[token] = std::move(opt_in);
}

void FakeBackendState::SetOptInFailure(Answer answer) {
  absl::MutexLock lock(&mu_);
  opt_in_failure_ = std::move(answer);
}

void FakeBackendState::SetConfirmState(leadcapture::v1::OptInState state) {
  absl::MutexLock lock(&mu_);
  confirm_state_ = state;
}

std::vector<std::string> FakeBackendState::inspected_tokens() const {
  absl::MutexLock lock(&mu_);
  return inspected_tokens_;
}

std::vector<ConfirmRequest> FakeBackendState::confirms() const {
  absl::MutexLock lock(&mu_);
  return confirms_;
}

std::vector<CaptureRequest> FakeBackendState::captures() const {
  absl::MutexLock lock(&mu_);
  return captures_;
}

int FakeBackendState::policy_calls() const {
  absl::MutexLock lock(&mu_);
  return policy_calls_;
}

grpc::Status FakeBackendState::GetPolicy(const GetPolicyRequest& request,
                                         Policy* policy) {
  absl::MutexLock lock(&mu_);
  ++policy_calls_;
  auto it = policies_.find(request.api_key());
  if (it == policies_.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "unknown or inactive API key");
  }
  *policy = it->second;
  return grpc::Status::OK;
}

grpc::Status FakeBackendState::Capture(grpc::ServerContext* context,
                                       const CaptureRequest& request) {
  absl::MutexLock lock(&mu_);
  captures_.push_back(request);
  return Scripted(context, answer_);
}

grpc::Status FakeBackendState::Inspect(grpc::ServerContext* context,
                                       const InspectRequest& request,
                                       InspectResponse* response) {
  absl::MutexLock lock(&mu_);
  inspected_tokens_.push_back(request.token());
  if (opt_in_failure_.code != grpc::StatusCode::OK) {
    return Scripted(context, opt_in_failure_);
  }
  auto it = opt_in_tokens_.find(request.token());
  if (it == opt_in_tokens_.end()) {
    response->set_state(leadcapture::v1::UNKNOWN);
    return grpc::Status::OK;
  }
  response->set_state(it->second.state);
  response->set_confirm_with_button(it->second.confirm_with_button);
  return grpc::Status::OK;
}

grpc::Status FakeBackendState::Confirm(grpc::ServerContext* context,
                                       const ConfirmRequest& request,
                                       ConfirmResponse* response) {
  absl::MutexLock lock(&mu_);
  confirms_.push_back(request);
  if (opt_in_failure_.code != grpc::StatusCode::OK) {
    return Scripted(context, opt_in_failure_);
  }
  auto it = opt_in_tokens_.find(request.token());
  if (it == opt_in_tokens_.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown opt-in token");
  }
  OptInToken& opt_in = it->second;
  if (opt_in.state == leadcapture::v1::PENDING) {
    opt_in.state = leadcapture::v1::CONFIRMED;
  }
  response->set_state(confirm_state_ !=
                              leadcapture::v1::OPT_IN_STATE_UNSPECIFIED
                          ? confirm_state_
                          : opt_in.state);
  if (response->state() == leadcapture::v1::CONFIRMED) {
    response->set_success_html(opt_in.success_html);
    response->set_success_redirect_url(opt_in.success_redirect_url);
  }
  return grpc::Status::OK;
}

class FakeBackend::Service final
    : public leadcapture::v1::LeadCaptureService::Service {
 public:
  explicit Service(FakeBackendState* state) : state_(state) {}

  grpc::Status GetPolicy(grpc::ServerContext*, const GetPolicyRequest* request,
                         Policy* policy) override {
    return state_->GetPolicy(*request, policy);
  }
  grpc::Status Capture(grpc::ServerContext* context,
                       const CaptureRequest* request,
                       CaptureResponse*) override {
    return state_->Capture(context, *request);
  }

 private:
  FakeBackendState* state_;
};

class FakeBackend::OptInService final
    : public leadcapture::v1::OptInService::Service {
 public:
  explicit OptInService(FakeBackendState* state) : state_(state) {}

  grpc::Status Inspect(grpc::ServerContext* context,
                       const InspectRequest* request,
                       InspectResponse* response) override {
    return state_->Inspect(context, *request, response);
  }
  grpc::Status Confirm(grpc::ServerContext* context,
                       const ConfirmRequest* request,
                       ConfirmResponse* response) override {
    return state_->Confirm(context, *request, response);
  }

 private:
  FakeBackendState* state_;
};

std::unique_ptr<FakeBackend> FakeBackend::Start(FakeBackendState* state,
                                                int port) {
  grpc::EnableDefaultHealthCheckService(true);
  std::unique_ptr<FakeBackend> backend(new FakeBackend());
  backend->service_ = std::make_unique<Service>(state);
  backend->opt_in_service_ = std::make_unique<OptInService>(state);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat("127.0.0.1:", port),
                           grpc::InsecureServerCredentials(), &backend->port_);
  builder.RegisterService(backend->service_.get());
  builder.RegisterService(backend->opt_in_service_.get());
  backend->server_ = builder.BuildAndStart();
  if (backend->server_ == nullptr || backend->port_ == 0) return nullptr;
  return backend;
}

FakeBackend::~FakeBackend() { Stop(); }

void FakeBackend::Stop() {
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now());
  server_->Wait();
  server_.reset();
}

}  // namespace leadcapture::gateway
