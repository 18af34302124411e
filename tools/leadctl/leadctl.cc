#include "tools/leadctl/leadctl.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "nlohmann/json.hpp"
#include "services/util/status_macros.h"
#include "tools/leadctl/rpc_client.h"

namespace leadcapture::leadctl {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::Reflection;

// A method and the request to send it.
struct PreparedCall {
  const MethodDescriptor* method = nullptr;
  std::unique_ptr<Message> request;
};

// The request text of `call`: the -d value, a file's contents for @FILE,
// standard input for @-, and {} without -d.
absl::StatusOr<std::string> CallData(const Invocation& invocation,
                                     std::istream& in) {
  const FlagValue* data = invocation.FindFlag("d");
  if (data == nullptr) return std::string("{}");
  const std::string text = data->value.get<std::string>();
  if (!absl::StartsWith(text, "@")) return text;

  std::ostringstream contents;
  if (text == "@-") {
    contents << in.rdbuf();
    return contents.str();
  }
  const std::string path = text.substr(1);
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot read the request file %s", path));
  }
  contents << file.rdbuf();
  return contents.str();
}

// Finds the method and builds its request. Errors are usage errors.
absl::StatusOr<PreparedCall> Prepare(const Invocation& invocation,
                                     std::istream& in) {
  const CommandSpec& command = *invocation.command;
  PreparedCall call;
  std::string request_json;
  if (command.mode == CommandMode::kCall) {
    LC_ASSIGN_OR_RETURN(call.method, FindMethod(invocation.positional));
    LC_ASSIGN_OR_RETURN(request_json, CallData(invocation, in));
  } else {
    LC_ASSIGN_OR_RETURN(call.method, FindMethod(command.FullMethod()));
    // Bytes that are not UTF-8 become U+FFFD: proto strings are UTF-8.
    constexpr bool kEnsureAscii = false;
    request_json = BuildRequestJson(invocation)
                       .dump(-1, ' ', kEnsureAscii,
                             nlohmann::json::error_handler_t::replace);
  }
  LC_ASSIGN_OR_RETURN(call.request,
                      JsonToMessage(*call.method->input_type(), request_json));
  return call;
}

// Calls a list method page after page and returns one reply holding every
// item, with an empty next_page_token.
absl::StatusOr<std::unique_ptr<Message>> CallAllPages(
    RpcClient& client, const MethodDescriptor& method, Message& request,
    const CallOptions& options) {
  const FieldDescriptor* page_token =
      method.input_type()->FindFieldByName("page_token");
  const FieldDescriptor* next_page_token =
      method.output_type()->FindFieldByName("next_page_token");
  if (page_token == nullptr || next_page_token == nullptr) {
    return client.Call(method, request, options);
  }

  std::unique_ptr<Message> merged;
  std::set<std::string> seen_tokens;
  std::string token;
  do {
    request.GetReflection()->SetString(&request, page_token, token);
    LC_ASSIGN_OR_RETURN(std::unique_ptr<Message> page,
                        client.Call(method, request, options));
    token = page->GetReflection()->GetString(*page, next_page_token);
    // MergeFrom appends the page's repeated items to those before.
    if (merged == nullptr) {
      merged = std::move(page);
    } else {
      merged->MergeFrom(*page);
    }
    if (!token.empty() && !seen_tokens.insert(token).second) {
      return absl::InternalError(
          "the server gave the same page token twice; stopped paging");
    }
  } while (!token.empty());
  merged->GetReflection()->ClearField(merged.get(), next_page_token);
  return merged;
}

// Sends the call (every page of a list unless paging flags were given).
absl::StatusOr<std::unique_ptr<Message>> Execute(const Invocation& invocation,
                                                 PreparedCall& call,
                                                 const CallOptions& options) {
  RpcClient client(grpc::CreateChannel(invocation.options.address,
                                       grpc::InsecureChannelCredentials()));
  if (invocation.command->mode == CommandMode::kPaged &&
      !invocation.HasPagingFlags()) {
    return CallAllPages(client, *call.method, *call.request, options);
  }
  return client.Call(*call.method, *call.request, options);
}

int RunList(const Invocation& invocation, std::ostream& out,
            std::ostream& err) {
  const std::string& name = invocation.positional;
  for (const auto* service : KnownServices()) {
    if (name.empty()) {
      out << service->full_name() << "\n";
    } else if (service->full_name() == name || service->name() == name) {
      for (int i = 0; i < service->method_count(); ++i) {
        out << service->method(i)->full_name() << "\n";
      }
      return kExitOk;
    }
  }
  if (name.empty()) return kExitOk;
  err << "leadctl: no service \"" << name
      << "\"; run leadctl list to see the services\n";
  return kExitUsage;
}

int RunDescribe(const Invocation& invocation, std::ostream& out,
                std::ostream& err) {
  absl::StatusOr<std::string> text = DescribeSymbol(invocation.positional);
  if (!text.ok()) {
    err << "leadctl: " << text.status().message() << "\n";
    return kExitUsage;
  }
  out << *text;
  return kExitOk;
}

int RunCall(const Invocation& invocation, std::istream& in, std::ostream& out,
            std::ostream& err) {
  absl::StatusOr<PreparedCall> call = Prepare(invocation, in);
  if (!call.ok()) {
    err << "leadctl: " << call.status().message() << "\n";
    return kExitUsage;
  }

  // Only AdminService needs the admin token; it is not sent elsewhere.
  CallOptions options;
  options.deadline = invocation.options.deadline;
  if (call->method->service()->full_name() == kAdminService) {
    absl::StatusOr<std::string> token =
        ReadTokenFile(invocation.options.token_file);
    if (!token.ok()) {
      err << "leadctl: " << token.status().message() << "\n";
      return kExitCallFailed;
    }
    options.token = *std::move(token);
  }

  absl::StatusOr<std::unique_ptr<Message>> reply =
      Execute(invocation, *call, options);
  absl::StatusOr<std::string> text =
      reply.ok() ? MessageToJson(**reply) : reply.status();
  if (!text.ok()) {
    err << "leadctl: " << absl::StatusCodeToString(text.status().code()) << ": "
        << text.status().message() << "\n";
    return kExitCallFailed;
  }
  out << *text;
  return kExitOk;
}

}  // namespace

int RunLeadctl(const std::vector<std::string>& args,
               const GlobalOptions& defaults, std::istream& in,
               std::ostream& out, std::ostream& err) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine(args, defaults);
  if (!invocation.ok()) {
    err << "leadctl: " << invocation.status().message() << "\n"
        << "Run \"leadctl help\" for usage.\n";
    return kExitUsage;
  }
  if (invocation->help) {
    out << UsageText(invocation->help_topic);
    return kExitOk;
  }
  switch (invocation->command->mode) {
    case CommandMode::kList:
      return RunList(*invocation, out, err);
    case CommandMode::kDescribe:
      return RunDescribe(*invocation, out, err);
    default:
      return RunCall(*invocation, in, out, err);
  }
}

}  // namespace leadcapture::leadctl
