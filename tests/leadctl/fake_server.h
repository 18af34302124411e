// A fake leadcaptured for leadctl's tests: a real gRPC server on a free
// loopback port that answers every method of every service generically. It
// records each call (method, client metadata, request bytes) and answers
// with the replies queued for that method, in order.
#ifndef LEADCAPTURE_TESTS_LEADCTL_FAKE_SERVER_H_
#define LEADCAPTURE_TESTS_LEADCTL_FAKE_SERVER_H_

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "google/protobuf/message.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/server.h"

namespace leadcapture::leadctl {

// The path of an AdminService method, for example
// AdminMethod("ListLeads") == "/leadcapture.v1.AdminService/ListLeads".
std::string AdminMethod(const std::string& name);

// Thread-safe.
class FakeServer {
 public:
  // One call as the server saw it.
  struct Call {
    std::string method;  // "/leadcapture.v1.AdminService/ListLeads"
    std::multimap<std::string, std::string> metadata;
    std::string request;  // the serialized request message
  };

  // Starts serving on 127.0.0.1 on a free port.
  FakeServer();
  // Stops serving.
  ~FakeServer();

  // "127.0.0.1:PORT".
  std::string address() const { return address_; }

  // Queues `reply` as the next answer to `method`.
  void AddReply(const std::string& method,
                const google::protobuf::Message& reply);
  // Queues a failure as the next answer to `method`, with trailing
  // metadata.
  void AddError(const std::string& method, const grpc::Status& status,
                const std::multimap<std::string, std::string>& trailers = {});

  // Every call so far, oldest first.
  std::vector<Call> calls() const;

  // Parses the request of calls()[index] into `request`; false if there is
  // no such call or the bytes do not parse.
  bool Request(size_t index, google::protobuf::Message& request) const;

 private:
  struct Reply {
    grpc::Status status;
    std::string bytes;
    std::multimap<std::string, std::string> trailers;
  };
  class Service;
  class Reactor;

  // Records a call and takes its answer: the queued one, or UNIMPLEMENTED.
  Reply Answer(Call call);

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  mutable absl::Mutex mu_;
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::deque<Reply>> replies_ ABSL_GUARDED_BY(mu_);
};

}  // namespace leadcapture::leadctl

#endif  // LEADCAPTURE_TESTS_LEADCTL_FAKE_SERVER_H_
