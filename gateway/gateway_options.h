// The configuration of leadcapture-gateway. main() reads it once from the
// flags; everything below takes it as a plain value.
#ifndef LEADCAPTURE_GATEWAY_GATEWAY_OPTIONS_H_
#define LEADCAPTURE_GATEWAY_GATEWAY_OPTIONS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace leadcapture::gateway {

struct GatewayOptions {
  // Where the HTTP server listens: "host:port" or "[ipv6]:port". Port 0
  // takes a free port (see GatewayServer::port()).
  std::string http_address = "127.0.0.1:8080";
  // The gRPC address of leadcaptured: "host:port", "[ipv6]:port" or a gRPC
  // target with a scheme ("unix:/path", "dns:host:port", ...).
  std::string backend = "127.0.0.1:50051";
  // Access-Control-Allow-Origin for entry points without allowed_origins,
  // and for errors where no entry point is known.
  std::string allow_origin = "*";
  // Largest accepted request body; larger ones get 413.
  std::size_t max_body_bytes = 64 * 1024;
  // Peers whose X-Forwarded-For is believed: IP addresses or CIDR networks,
  // IPv4 or IPv6.
  std::vector<std::string> trusted_proxies;
  // Deadline of every backend call.
  absl::Duration backend_deadline = absl::Seconds(5);
  // Deadline of the backend health check behind GET /healthz.
  absl::Duration health_deadline = absl::Seconds(1);
  // How long a known entry point's policy is reused. Zero: never cached.
  absl::Duration policy_cache_ttl = absl::Seconds(2);
  // HTTP worker threads. A keep-alive connection holds one while open.
  int http_threads = 64;
  // Read and write timeouts of HTTP connections.
  absl::Duration http_io_timeout = absl::Seconds(10);
  // How long an idle keep-alive connection is kept.
  absl::Duration keep_alive_timeout = absl::Seconds(5);
  // One structured line per request on stderr.
  bool access_log = false;
};

// A listen or connect address split into its parts. `host` has no brackets.
struct HostPort {
  std::string host;
  int port = 0;
};

// Parses "host:port" or "[ipv6]:port" with a port in 0..65535.
// INVALID_ARGUMENT when `address` has another shape.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view address);

// Checks every option; INVALID_ARGUMENT names the first bad one.
absl::Status ValidateGatewayOptions(const GatewayOptions& options);

}  // namespace leadcapture::gateway

#endif  // LEADCAPTURE_GATEWAY_GATEWAY_OPTIONS_H_
