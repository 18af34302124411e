#include "gateway/gateway_options.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/client_ip.h"

namespace leadcapture::gateway {
namespace {

// gRPC targets with these schemes are passed to gRPC as they are.
constexpr absl::string_view kGrpcSchemes[] = {
    "unix:", "unix-abstract:", "dns:", "ipv4:", "ipv6:"};

bool IsPrintableAscii(absl::string_view text) {
  for (char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

absl::Status BadAddress(absl::string_view address, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("bad address \"", address, "\": ", why));
}

}  // namespace

absl::StatusOr<HostPort> ParseHostPort(absl::string_view address) {
  if (!IsPrintableAscii(address)) {
    return BadAddress(address, "expected host:port");
  }
  HostPort result;
  absl::string_view port_text;
  if (absl::StartsWith(address, "[")) {
    std::size_t close = address.find(']');
    if (close == absl::string_view::npos ||
        address.substr(close + 1, 1) != ":") {
      return BadAddress(address, "expected [ipv6]:port");
    }
    result.host = std::string(address.substr(1, close - 1));
    port_text = address.substr(close + 2);
  } else {
    std::size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) {
      return BadAddress(address, "expected host:port");
    }
    result.host = std::string(address.substr(0, colon));
    port_text = address.substr(colon + 1);
    if (absl::StrContains(result.host, ':')) {
      return BadAddress(address, "write IPv6 addresses as [ipv6]:port");
    }
  }
  if (result.host.empty()) return BadAddress(address, "missing host");

  bool digits = !port_text.empty() && port_text.size() <= 5;
  for (char c : port_text) digits = digits && absl::ascii_isdigit(c);
  if (!digits || !absl::SimpleAtoi(port_text, &result.port) ||
      result.port > 65535) {
    return BadAddress(address, "port must be a number from 0 to 65535");
  }
  return result;
}

absl::Status ValidateGatewayOptions(const GatewayOptions& options) {
  if (absl::StatusOr<HostPort> http = ParseHostPort(options.http_address);
      !http.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http_address: ", http.status().message()));
  }

  bool backend_has_scheme = false;
  for (absl::string_view scheme : kGrpcSchemes) {
    backend_has_scheme |= absl::StartsWith(options.backend, scheme);
  }
  if (backend_has_scheme) {
    if (!IsPrintableAscii(options.backend)) {
      return absl::InvalidArgumentError("--backend: bad gRPC target");
    }
  } else {
    absl::StatusOr<HostPort> backend = ParseHostPort(options.backend);
    if (!backend.ok() || backend->port == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--backend: ",
          backend.ok() ? "port must not be 0" : backend.status().message()));
    }
  }

  // The default origin becomes a header value as it is.
  if (options.allow_origin.empty() || !IsPrintableAscii(options.allow_origin)) {
    return absl::InvalidArgumentError(
        "--allow_origin: must be \"*\" or an origin such as "
        "https://example.com");
  }
  if (options.max_body_bytes == 0) {
    return absl::InvalidArgumentError("--max_body_bytes: must be positive");
  }
  if (absl::StatusOr<ClientIpResolver> proxies =
          ClientIpResolver::Create(options.trusted_proxies);
      !proxies.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--trusted_proxies: ", proxies.status().message()));
  }
  if (options.backend_deadline <= absl::ZeroDuration() ||
      options.health_deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--backend_deadline: must be positive");
  }
  if (options.policy_cache_ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--policy_cache_ttl: must not be negative");
  }
  if (options.http_threads < 1 || options.http_threads > 4096) {
    return absl::InvalidArgumentError("--http_threads: must be from 1 to 4096");
  }
  if (options.http_io_timeout < absl::Seconds(1) ||
      options.keep_alive_timeout < absl::Seconds(1)) {
    return absl::InvalidArgumentError("HTTP timeouts must be at least 1s");
  }
  return absl::OkStatus();
}

}  // namespace leadcapture::gateway
