// The generic call machinery of leadctl: methods are found in the generated
// descriptor pool, requests are built from JSON, sent as serialized bytes
// with grpc::GenericStub, and replies are printed as JSON.
#ifndef LEADCAPTURE_TOOLS_LEADCTL_RPC_CLIENT_H_
#define LEADCAPTURE_TOOLS_LEADCTL_RPC_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"

namespace leadcapture::leadctl {

// Trailing metadata keys in which the server names the field and the rule
// of a validation error.
inline constexpr absl::string_view kFieldMetadataKey = "leadcapture-field";
inline constexpr absl::string_view kRuleMetadataKey = "leadcapture-rule";

// The services of leadcapture, in the order `leadctl list` prints them.
std::vector<const google::protobuf::ServiceDescriptor*> KnownServices();

// Finds a method of a known service by "leadcapture.v1.Service/Method",
// "Service/Method" or the same with a dot before the method. NOT_FOUND
// names what was asked for.
absl::StatusOr<const google::protobuf::MethodDescriptor*> FindMethod(
    absl::string_view name);

// The definition of a service, method, message or enum of the known
// protos (the package may be left out), as protobuf's DebugString.
// NOT_FOUND if there is no such symbol.
absl::StatusOr<std::string> DescribeSymbol(absl::string_view name);

// Builds a message of the given type from JSON text (lowerCamelCase or
// proto field names). INVALID_ARGUMENT, with protobuf's reason, for text
// that is not JSON or does not fit the type (unknown fields included).
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> JsonToMessage(
    const google::protobuf::Descriptor& type, absl::string_view json);

// The protobuf JSON mapping of a message with lowerCamelCase names, every
// field shown (empty lists as []), indented by two spaces, UTF-8 kept as is,
// ending in a newline. INTERNAL for a message outside the JSON mapping (for
// example a Timestamp out of range).
absl::StatusOr<std::string> MessageToJson(
    const google::protobuf::Message& message);

// Reads the admin token from `path`, without surrounding white space.
// FAILED_PRECONDITION naming the file, and how to choose another, when the
// file cannot be read or holds no token; FAILED_PRECONDITION naming the file
// (never showing the token) when the token holds a byte outside printable
// ASCII 0x21-0x7E, which a header cannot carry.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// Per-call settings.
struct CallOptions {
  // Sent as `authorization: Bearer <token>` unless empty.
  std::string token;
  absl::Duration deadline = absl::Seconds(10);
};

// Makes unary calls on one channel. Thread-compatible.
class RpcClient {
 public:
  explicit RpcClient(std::shared_ptr<grpc::Channel> channel);

  // Calls a unary method with `request` (of the method's input type) and
  // returns the reply (of its output type). A failed call gives the gRPC
  // status code and message, with the field and rule from the trailing
  // metadata appended when present; UNIMPLEMENTED for a streaming method;
  // INTERNAL for a reply that does not parse.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Call(
      const google::protobuf::MethodDescriptor& method,
      const google::protobuf::Message& request, const CallOptions& options);

 private:
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace leadcapture::leadctl

#endif  // LEADCAPTURE_TOOLS_LEADCTL_RPC_CLIENT_H_
