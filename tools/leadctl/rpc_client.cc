#include "tools/leadctl/rpc_client.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "leadcapture/v1/admin_service.pb.h"
#include "leadcapture/v1/capture_service.pb.h"
#include "leadcapture/v1/opt_in_service.pb.h"
#include "nlohmann/json.hpp"

namespace leadcapture::leadctl {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

constexpr absl::string_view kPackagePrefix = "leadcapture.v1.";

std::string ToString(google::protobuf::StringPiece text) {
  return std::string(text.data(), text.size());
}

// The gRPC status as an absl::Status (the codes are the same numbers), with
// the field and rule of a validation error appended.
absl::Status CallError(const grpc::Status& status,
                       const grpc::ClientContext& context) {
  std::string message = status.error_message();
  std::vector<std::string> details;
  const auto& trailers = context.GetServerTrailingMetadata();
  for (absl::string_view key : {kFieldMetadataKey, kRuleMetadataKey}) {
    auto it = trailers.find(grpc::string_ref(key.data(), key.size()));
    if (it == trailers.end()) continue;
    details.push_back(
        absl::StrCat(key.substr(key.find('-') + 1), ": ",
                     absl::string_view(it->second.data(), it->second.size())));
  }
  if (!details.empty()) {
    absl::StrAppend(&message, " (", absl::StrJoin(details, ", "), ")");
  }
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      message);
}

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

}  // namespace

std::vector<const ServiceDescriptor*> KnownServices() {
  // Naming a message of each file links its generated code, and that is
  // what puts the file in the generated pool.
  const FileDescriptor* files[] = {
      v1::CaptureRequest::descriptor()->file(),
      v1::ConfirmRequest::descriptor()->file(),
      v1::CreateEntryPointRequest::descriptor()->file(),
  };
  std::vector<const ServiceDescriptor*> services;
  for (const FileDescriptor* file : files) {
    for (int i = 0; i < file->service_count(); ++i) {
      services.push_back(file->service(i));
    }
  }
  return services;
}

absl::StatusOr<const MethodDescriptor*> FindMethod(absl::string_view name) {
  absl::string_view text = absl::StripPrefix(name, "/");
  size_t split = text.rfind('/');
  if (split == absl::string_view::npos) split = text.rfind('.');
  if (split != absl::string_view::npos) {
    const absl::string_view service_name = text.substr(0, split);
    const absl::string_view method_name = text.substr(split + 1);
    for (const ServiceDescriptor* service : KnownServices()) {
      if (service->full_name() != service_name &&
          service->name() != service_name) {
        continue;
      }
      const MethodDescriptor* method =
          service->FindMethodByName(std::string(method_name));
      if (method != nullptr) return method;
    }
  }
  return absl::NotFoundError(absl::StrFormat(
      "no method \"%s\"; run leadctl list to see the methods", name));
}

absl::StatusOr<std::string> DescribeSymbol(absl::string_view name) {
  KnownServices();
  const DescriptorPool& pool = *DescriptorPool::generated_pool();
  const std::string dotted =
      absl::StrReplaceAll(absl::StripPrefix(name, "/"), {{"/", "."}});
  for (const std::string& candidate :
       {dotted, absl::StrCat(kPackagePrefix, dotted)}) {
    if (const auto* service = pool.FindServiceByName(candidate)) {
      return service->DebugString();
    }
    if (const auto* method = pool.FindMethodByName(candidate)) {
      return method->DebugString();
    }
    if (const auto* message = pool.FindMessageTypeByName(candidate)) {
      return message->DebugString();
    }
    if (const auto* type = pool.FindEnumTypeByName(candidate)) {
      return type->DebugString();
    }
  }
  return absl::NotFoundError(absl::StrFormat("no symbol \"%s\"", name));
}

absl::StatusOr<std::unique_ptr<Message>> JsonToMessage(const Descriptor& type,
                                                       absl::string_view json) {
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          &type);
  std::unique_ptr<Message> message(prototype->New());
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message.get(),
      options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("the request does not fit %s: %s", type.full_name(),
                        ToString(status.message())));
  }
  return message;
}

absl::StatusOr<std::string> MessageToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;
  std::string compact;
  const auto status =
      google::protobuf::util::MessageToJsonString(message, &compact, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrFormat("the reply %s has no JSON form: %s",
                        message.GetTypeName(), ToString(status.message())));
  }

  // Protobuf indents by one space; re-indent by two, keeping the order of
  // the fields.
  constexpr bool kAllowExceptions = false;
  const auto parsed =
      nlohmann::ordered_json::parse(compact, nullptr, kAllowExceptions);
  if (parsed.is_discarded()) return compact + "\n";
  constexpr bool kEnsureAscii = false;
  return parsed.dump(2, ' ', kEnsureAscii,
                     nlohmann::json::error_handler_t::replace) +
         "\n";
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  const std::string how =
      "choose the file with --token_file or LEADCAPTURE_TOKEN_FILE";
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::FailedPreconditionError(
        absl::StrFormat("cannot read the admin token file %s; %s", path, how));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  std::string token(absl::StripAsciiWhitespace(contents.str()));
  if (token.empty()) {
    return absl::FailedPreconditionError(
        absl::StrFormat("the admin token file %s is empty; %s", path, how));
  }
  // The token goes into an HTTP/2 header; the message never shows it.
  const bool sendable = std::all_of(token.begin(), token.end(), [](char c) {
    return c >= 0x21 && c <= 0x7e;
  });
  if (!sendable) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "the admin token file %s holds characters that cannot be sent in a "
        "header",
        path));
  }
  return token;
}

RpcClient::RpcClient(std::shared_ptr<grpc::Channel> channel)
    : channel_(std::move(channel)) {}

absl::StatusOr<std::unique_ptr<Message>> RpcClient::Call(
    const MethodDescriptor& method, const Message& request,
    const CallOptions& options) {
  if (method.client_streaming() || method.server_streaming()) {
    return absl::UnimplementedError(absl::StrFormat(
        "%s is a streaming method; leadctl calls unary methods only",
        method.full_name()));
  }

  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options.deadline));
  if (!options.token.empty()) {
    context.AddMetadata("authorization",
                        absl::StrCat("Bearer ", options.token));
  }
  grpc::Slice slice(request.SerializeAsString());
  grpc::ByteBuffer request_bytes(&slice, 1);
  grpc::ByteBuffer reply_bytes;
  grpc::Status status;
  absl::Notification done;
  const std::string path =
      absl::StrCat("/", method.service()->full_name(), "/", method.name());
  grpc::GenericStub stub(channel_);
  stub.UnaryCall(&context, path, grpc::StubOptions(), &request_bytes,
                 &reply_bytes, [&status, &done](grpc::Status result) {
                   status = std::move(result);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (!status.ok()) return CallError(status, context);

  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          method.output_type());
  std::unique_ptr<Message> reply(prototype->New());
  if (!reply->ParseFromString(Flatten(reply_bytes))) {
    return absl::InternalError(
        absl::StrFormat("the reply of %s does not parse as %s",
                        method.full_name(), method.output_type()->full_name()));
  }
  return reply;
}

}  // namespace leadcapture::leadctl
