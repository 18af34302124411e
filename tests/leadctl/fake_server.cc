#include "tests/leadctl/fake_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/byte_buffer.h"

namespace leadcapture::leadctl {
namespace {

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

std::string ToString(const grpc::string_ref& text) {
  return std::string(text.data(), text.size());
}

}  // namespace

std::string AdminMethod(const std::string& name) {
  return absl::StrCat("/leadcapture.v1.AdminService/", name);
}

// Answers one call: reads the request, then writes the answer and ends.
class FakeServer::Reactor : public grpc::ServerGenericBidiReactor {
 public:
  Reactor(FakeServer* server, grpc::GenericCallbackServerContext* context)
      : server_(server), context_(context) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
      return;
    }
    Call call;
    call.method = context_->method();
    for (const auto& [key, value] : context_->client_metadata()) {
      call.metadata.emplace(ToString(key), ToString(value));
    }
    call.request = Flatten(request_);

    Reply reply = server_->Answer(std::move(call));
    for (const auto& [key, value] : reply.trailers) {
      context_->AddTrailingMetadata(key, value);
    }
    if (!reply.status.ok()) {
      Finish(reply.status);
      return;
    }
    grpc::Slice slice(reply.bytes);
    response_ = grpc::ByteBuffer(&slice, 1);
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }

  void OnDone() override { delete this; }

 private:
  FakeServer* const server_;
  grpc::GenericCallbackServerContext* const context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

class FakeServer::Service : public grpc::CallbackGenericService {
 public:
  explicit Service(FakeServer* server) : server_(server) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new Reactor(server_, context);
  }

 private:
  FakeServer* const server_;
};

FakeServer::FakeServer() : service_(std::make_unique<Service>(this)) {
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterCallbackGenericService(service_.get());
  server_ = builder.BuildAndStart();
  address_ = absl::StrCat("127.0.0.1:", port);
}

FakeServer::~FakeServer() { server_->Shutdown(); }

void FakeServer::AddReply(const std::string& method,
                          const google::protobuf::Message& reply) {
  absl::MutexLock lock(&mu_);
  replies_[method].push_back({grpc::Status::OK, reply.SerializeAsString(), {}});
}

void FakeServer::AddError(
    const std::string& method, const grpc::Status& status,
    const std::multimap<std::string, std::string>& trailers) {
  absl::MutexLock lock(&mu_);
  replies_[method].push_back({status, "", trailers});
}

std::vector<FakeServer::Call> FakeServer::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

bool FakeServer::Request(size_t index,
                         google::protobuf::Message& request) const {
  absl::MutexLock lock(&mu_);
  return index < calls_.size() &&
         request.ParseFromString(calls_[index].request);
}

FakeServer::Reply FakeServer::Answer(Call call) {
  absl::MutexLock lock(&mu_);
  std::deque<Reply>& queue = replies_[call.method];
  calls_.push_back(std::move(call));
  if (queue.empty()) {
    return {grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no canned reply"),
            "",
            {}};
  }
  Reply reply = std::move(queue.front());
  queue.pop_front();
  return reply;
}

}  // namespace leadcapture::leadctl
