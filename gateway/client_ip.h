// The client IP address of an HTTP request (SPEC section 5.2): the socket
// peer, unless the peer is a trusted proxy; then the right-most
// X-Forwarded-For entry that is not a trusted proxy.
#ifndef LEADCAPTURE_GATEWAY_CLIENT_IP_H_
#define LEADCAPTURE_GATEWAY_CLIENT_IP_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace leadcapture::gateway {

// An IPv4 or IPv6 address. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are
// held as IPv4, so that "127.0.0.1" and "::ffff:127.0.0.1" are one address.
class IpAddress {
 public:
  // Parses a numeric address; a zone ("fe80::1%eth0") is ignored.
  // nullopt for anything else (host names, ports, brackets).
  static std::optional<IpAddress> Parse(absl::string_view text);

  bool is_v4() const { return is_v4_; }
  // The canonical text: "192.0.2.1", "2001:db8::1".
  std::string ToString() const;

 private:
  friend class IpNetwork;
  IpAddress() = default;

  bool is_v4_ = false;
  // Network byte order; an IPv4 address uses the first 4 bytes.
  std::array<std::uint8_t, 16> bytes_{};
};

// A CIDR network such as "10.0.0.0/8" or "fd00::/8"; a bare address is a
// network of that one address. Host bits after the prefix are ignored.
class IpNetwork {
 public:
  // nullopt when `text` is not an address with an optional /prefix that fits
  // its family.
  static std::optional<IpNetwork> Parse(absl::string_view text);

  bool Contains(const IpAddress& address) const;

 private:
  explicit IpNetwork(IpAddress base, int prefix_bits)
      : base_(base), prefix_bits_(prefix_bits) {}

  IpAddress base_;
  int prefix_bits_;
};

// Immutable after creation; thread-safe.
class ClientIpResolver {
 public:
  // `trusted_proxies`: addresses or CIDR networks; surrounding white space
  // and empty entries are ignored. INVALID_ARGUMENT names the first entry
  // that does not parse.
  static absl::StatusOr<ClientIpResolver> Create(
      const std::vector<std::string>& trusted_proxies);

  // The client address of a request from socket peer `peer` carrying the
  // X-Forwarded-For header values `forwarded_for` (in the order received;
  // each may hold a comma-separated list).
  //
  // An untrusted peer is the client. From a trusted peer, the entries are
  // walked from the right past trusted proxies; the first untrusted one is
  // the client. An entry that is not an address stops the walk: everything
  // to its left may be forged, so the last trusted hop is the answer. When
  // every entry is trusted, the left-most one is. Entries may carry a port
  // ("192.0.2.1:5000", "[2001:db8::1]:5000"). The answer is in canonical
  // form; a peer that is not a numeric address comes back unchanged.
  std::string Resolve(absl::string_view peer,
                      const std::vector<std::string>& forwarded_for) const;

  bool IsTrusted(const IpAddress& address) const;

 private:
  explicit ClientIpResolver(std::vector<IpNetwork> trusted)
      : trusted_(std::move(trusted)) {}

  std::vector<IpNetwork> trusted_;
};

}  // namespace leadcapture::gateway

#endif  // LEADCAPTURE_GATEWAY_CLIENT_IP_H_
