#include "tests/gateway/fake_backend.h"

#include <chrono>

#include "absl/strings/str_cat.h"

namespace leadcapture::gateway {

using leadcapture::v1::CaptureRequest;
using leadcapture::v1::CaptureResponse;
using leadcapture::v1::GetPolicyRequest;
using leadcapture::v1::Policy;

void FakeBackendState::SetPolicy(const std::string& api_key,
                                 const Policy& policy) {
  absl::MutexLock lock(&mu_);
  policies_[api_key] = policy;
}

void FakeBackendState::SetCaptureAnswer(Answer answer) {
  absl::MutexLock lock(&mu_);
  answer_ = std::move(answer);
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
  for (const auto& [key, value] : answer_.trailers) {
    context->AddTrailingMetadata(key, value);
  }
  return grpc::Status(answer_.code, answer_.message);
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

std::unique_ptr<FakeBackend> FakeBackend::Start(FakeBackendState* state,
                                                int port) {
  grpc::EnableDefaultHealthCheckService(true);
  std::unique_ptr<FakeBackend> backend(new FakeBackend());
  backend->service_ = std::make_unique<Service>(state);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat("127.0.0.1:", port),
                           grpc::InsecureServerCredentials(), &backend->port_);
  builder.RegisterService(backend->service_.get());
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
