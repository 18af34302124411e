// leadcapture-gateway: the public HTTP server in front of leadcaptured.
// Flags are read here only; each has a LEADCAPTURE_<NAME> environment
// twin, and the command line wins.
#include <signal.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gateway/gateway_options.h"
#include "gateway/gateway_server.h"
#include "services/util/clock.h"
#include "services/util/env_flags.h"
#include "services/util/log.h"

ABSL_FLAG(std::string, http_address, "127.0.0.1:8080",
          "Where the HTTP server listens: host:port or [ipv6]:port.");
ABSL_FLAG(std::string, backend, "127.0.0.1:50051",
          "The gRPC address of leadcaptured.");
ABSL_FLAG(std::string, allow_origin, "*",
          "Access-Control-Allow-Origin for entry points without "
          "allowed_origins.");
ABSL_FLAG(int64_t, max_body_bytes, 65536,
          "Largest accepted request body in bytes; larger ones get 413.");
ABSL_FLAG(std::vector<std::string>, trusted_proxies, {},
          "Comma-separated IP addresses or CIDR networks (IPv4, IPv6) whose "
          "X-Forwarded-For is believed.");
ABSL_FLAG(absl::Duration, backend_deadline, absl::Seconds(5),
          "Deadline of every call to leadcaptured.");
ABSL_FLAG(absl::Duration, policy_cache_ttl, absl::Seconds(2),
          "How long an entry point's CORS policy is reused; 0 disables.");
ABSL_FLAG(int32_t, http_threads, 64,
          "HTTP worker threads; each open keep-alive connection holds one.");
ABSL_FLAG(bool, access_log, false,
          "Write one structured line per request to stderr.");

namespace leadcapture::gateway {
namespace {

// Exit codes: 2 for a bad configuration, 1 when serving fails.
constexpr int kExitBadConfig = 2;
constexpr int kExitFailure = 1;

GatewayOptions OptionsFromFlags() {
  GatewayOptions options;
  options.http_address = absl::GetFlag(FLAGS_http_address);
  options.backend = absl::GetFlag(FLAGS_backend);
  options.allow_origin = absl::GetFlag(FLAGS_allow_origin);
  const int64_t max_body_bytes = absl::GetFlag(FLAGS_max_body_bytes);
  options.max_body_bytes =
      max_body_bytes > 0 ? static_cast<std::size_t>(max_body_bytes) : 0;
  options.trusted_proxies = absl::GetFlag(FLAGS_trusted_proxies);
  options.backend_deadline = absl::GetFlag(FLAGS_backend_deadline);
  options.policy_cache_ttl = absl::GetFlag(FLAGS_policy_cache_ttl);
  options.http_threads = absl::GetFlag(FLAGS_http_threads);
  options.access_log = absl::GetFlag(FLAGS_access_log);
  return options;
}

std::string Describe(const GatewayOptions& options, int port) {
  return absl::StrCat(
      "leadcapture-gateway listening on ", options.http_address, " (port ",
      port, "), backend=", options.backend,
      " allow_origin=", options.allow_origin,
      " max_body_bytes=", options.max_body_bytes, " trusted_proxies=[",
      absl::StrJoin(options.trusted_proxies, ","),
      "] backend_deadline=", absl::FormatDuration(options.backend_deadline),
      " policy_cache_ttl=", absl::FormatDuration(options.policy_cache_ttl),
      " http_threads=", options.http_threads,
      " access_log=", options.access_log ? "true" : "false");
}

int Run(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "The public HTTP gateway of leadcapture. Every flag has an environment "
      "twin LEADCAPTURE_<FLAG>; the command line wins.");
  absl::Status env = ApplyFlagEnvironment(
      {"http_address", "backend", "allow_origin", "max_body_bytes",
       "trusted_proxies", "backend_deadline", "policy_cache_ttl",
       "http_threads", "access_log"});
  if (!env.ok()) {
    LogError("bad configuration: %s", env.message());
    return kExitBadConfig;
  }
  absl::ParseCommandLine(argc, argv);
  const GatewayOptions options = OptionsFromFlags();
  if (absl::Status valid = ValidateGatewayOptions(options); !valid.ok()) {
    LogError("bad configuration: %s", valid.message());
    return kExitBadConfig;
  }

  // Block the stop signals before any thread starts, so that every thread
  // inherits the mask and only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  SystemClock clock;
  absl::StatusOr<std::unique_ptr<GatewayServer>> server = GatewayServer::Create(
      options, MakeBackendChannel(options.backend), &clock);
  if (!server.ok()) {
    LogError("bad configuration: %s", server.status().message());
    return kExitBadConfig;
  }
  if (absl::Status started = (*server)->Start(); !started.ok()) {
    LogError("%s", started.message());
    return kExitFailure;
  }
  LogInfo("%s", Describe(options, (*server)->port()));

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  LogInfo("leadcapture-gateway stopping (signal %d)", signal_number);
  (*server)->Stop();
  LogInfo("leadcapture-gateway stopped");
  return EXIT_SUCCESS;
}

}  // namespace
}  // namespace leadcapture::gateway

int main(int argc, char** argv) {
  return leadcapture::gateway::Run(argc, argv);
}
