// leadcaptured: serves LeadCaptureService, OptInService and AdminService
// over gRPC, with health checking and server reflection.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/admin_auth.h"
#include "services/admin_service.h"
#include "services/capture.h"
#include "services/capture_service.h"
#include "services/util/clock.h"
#include "services/util/env_flags.h"
#include "services/util/log.h"
#include "storage/store.h"

ABSL_FLAG(std::string, grpc_address, "127.0.0.1:50051",
          "Address (host:port) to serve gRPC on.");
ABSL_FLAG(std::string, database, "sqlite:var/leadcapture.db",
          "Database URL: sqlite:PATH.");
ABSL_FLAG(std::string, admin_token_file, "var/admin-token",
          "File holding the admin token; created with a random token when "
          "missing.");
ABSL_FLAG(std::string, public_url, "http://127.0.0.1:8080",
          "The gateway's public base URL, used in example requests and "
          "links.");

namespace leadcapture {
namespace {

struct ServerConfig {
  std::string grpc_address;
  std::string database;
  std::string admin_token_file;
  std::string public_url;
};

ServerConfig ReadConfig() {
  return ServerConfig{absl::GetFlag(FLAGS_grpc_address),
                      absl::GetFlag(FLAGS_database),
                      absl::GetFlag(FLAGS_admin_token_file),
                      absl::GetFlag(FLAGS_public_url)};
}

absl::Status CheckConfig(const ServerConfig& config) {
  if (!absl::StartsWith(config.public_url, "http://") &&
      !absl::StartsWith(config.public_url, "https://")) {
    return absl::InvalidArgumentError(
        "--public_url must start with http:// or https://");
  }
  if (config.grpc_address.find(':') == std::string::npos) {
    return absl::InvalidArgumentError("--grpc_address must be host:port");
  }
  return absl::OkStatus();
}

// The database URL without a password, for the log.
std::string SafeDatabase(const std::string& url) {
  const std::size_t at = url.rfind('@');
  const std::size_t scheme = url.find("://");
  if (at == std::string::npos || scheme == std::string::npos) return url;
  const std::size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return absl::StrCat(url.substr(0, colon), url.substr(at));
}

int Serve(const ServerConfig& config) {
  auto store = storage::OpenStore(config.database);
  if (!store.ok()) {
    LogError("cannot open the database: %s", store.status().ToString());
    return 1;
  }
  auto token = LoadOrCreateAdminToken(config.admin_token_file);
  if (!token.ok()) {
    LogError("%s", token.status().message());
    return 1;
  }

  SystemClock clock;
  AdminAuth auth(*token);
  CaptureProcessor processor(**store, clock);
  LeadCaptureServiceImpl capture_service(processor);
  OptInServiceImpl opt_in_service;
  AdminServiceImpl admin_service(**store, clock, auth, config.public_url);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.grpc_address,
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&capture_service);
  builder.RegisterService(&opt_in_service);
  builder.RegisterService(&admin_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    LogError("cannot listen on %s", config.grpc_address);
    return 1;
  }
  for (const char* name :
       {"leadcapture.v1.LeadCaptureService", "leadcapture.v1.OptInService",
        "leadcapture.v1.AdminService"}) {
    server->GetHealthCheckService()->SetServingStatus(name, true);
  }
  LogInfo(
      "leadcaptured serving gRPC on %s (port %d), database %s, admin token "
      "file %s, public URL %s",
      config.grpc_address, port, SafeDatabase(config.database),
      config.admin_token_file, config.public_url);

  // The signal is taken synchronously here; every other thread has it
  // blocked (the mask was set before any thread started).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int signal_number = 0;
  sigwait(&signals, &signal_number);

  LogInfo("leadcaptured stopping (signal %d)", signal_number);
  server->GetHealthCheckService()->Shutdown();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  LogInfo("leadcaptured stopped");
  return 0;
}

}  // namespace
}  // namespace leadcapture

int main(int argc, char** argv) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::SetProgramUsageMessage(
      "leadcaptured: the leadcapture gRPC server. Every flag has an "
      "environment twin LEADCAPTURE_<FLAG>.");
  absl::Status env = leadcapture::ApplyFlagEnvironment(
      {"grpc_address", "database", "admin_token_file", "public_url"});
  if (!env.ok()) {
    leadcapture::LogError("%s", env.message());
    return 2;
  }
  absl::ParseCommandLine(argc, argv);
  const leadcapture::ServerConfig config = leadcapture::ReadConfig();
  absl::Status valid = leadcapture::CheckConfig(config);
  if (!valid.ok()) {
    leadcapture::LogError("%s", valid.message());
    return 2;
  }
  return leadcapture::Serve(config);
}
