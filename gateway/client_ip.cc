#include "gateway/client_ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace leadcapture::gateway {
namespace {

constexpr std::uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0,    0,
                                              0, 0, 0, 0, 0xff, 0xff};

// One X-Forwarded-For entry without its port, if it has one: "a.b.c.d:p",
// "[v6]" or "[v6]:p". Other text is returned as it is.
absl::string_view StripPort(absl::string_view entry) {
  if (absl::ConsumePrefix(&entry, "[")) {
    std::size_t close = entry.find(']');
    if (close == absl::string_view::npos) return "";
    absl::string_view rest = entry.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') return "";
    return entry.substr(0, close);
  }
  // A single colon can only be IPv4 with a port; IPv6 has several.
  std::size_t colon = entry.find(':');
  if (colon != absl::string_view::npos &&
      entry.find(':', colon + 1) == absl::string_view::npos) {
    return entry.substr(0, colon);
  }
  return entry;
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(absl::string_view text) {
  std::size_t zone = text.find('%');
  if (zone != absl::string_view::npos) text = text.substr(0, zone);
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string copy(text);

  IpAddress address;
  if (inet_pton(AF_INET, copy.c_str(), address.bytes_.data()) == 1) {
    address.is_v4_ = true;
    return address;
  }
  if (inet_pton(AF_INET6, copy.c_str(), address.bytes_.data()) != 1) {
    return std::nullopt;
  }
  if (std::memcmp(address.bytes_.data(), kV4MappedPrefix,
                  sizeof(kV4MappedPrefix)) == 0) {
    std::memmove(address.bytes_.data(), address.bytes_.data() + 12, 4);
    std::fill(address.bytes_.begin() + 4, address.bytes_.end(), 0);
    address.is_v4_ = true;
  }
  return address;
}

std::string IpAddress::ToString() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4_ ? AF_INET : AF_INET6, bytes_.data(), text, sizeof(text));
  return text;
}

std::optional<IpNetwork> IpNetwork::Parse(absl::string_view text) {
  absl::string_view address_text = text;
  std::optional<int> prefix_bits;
  std::size_t slash = text.find('/');
  if (slash != absl::string_view::npos) {
    address_text = text.substr(0, slash);
    absl::string_view bits_text = text.substr(slash + 1);
    int bits = 0;
    if (bits_text.empty() || bits_text.size() > 3 ||
        !std::all_of(bits_text.begin(), bits_text.end(), absl::ascii_isdigit) ||
        !absl::SimpleAtoi(bits_text, &bits)) {
      return std::nullopt;
    }
    prefix_bits = bits;
  }
  // A zone means nothing in a network.
  if (address_text.find('%') != absl::string_view::npos) return std::nullopt;
  std::optional<IpAddress> base = IpAddress::Parse(address_text);
  if (!base.has_value()) return std::nullopt;

  const int family_bits = base->is_v4() ? 32 : 128;
  // "::ffff:10.0.0.0/104" is written in IPv6 bits but held as IPv4.
  const bool mapped = base->is_v4() && absl::StrContains(address_text, ':');
  int bits = prefix_bits.value_or(mapped ? 128 : family_bits);
  if (mapped) {
    if (bits < 96) return std::nullopt;
    bits -= 96;
  }
  if (bits < 0 || bits > family_bits) return std::nullopt;
  return IpNetwork(*base, bits);
}

bool IpNetwork::Contains(const IpAddress& address) const {
  if (address.is_v4_ != base_.is_v4_) return false;
  const int whole_bytes = prefix_bits_ / 8;
  if (std::memcmp(address.bytes_.data(), base_.bytes_.data(), whole_bytes) !=
      0) {
    return false;
  }
  const int rest_bits = prefix_bits_ % 8;
  if (rest_bits == 0) return true;
  const std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest_bits));
  return (address.bytes_[whole_bytes] & mask) ==
         (base_.bytes_[whole_bytes] & mask);
}

absl::StatusOr<ClientIpResolver> ClientIpResolver::Create(
    const std::vector<std::string>& trusted_proxies) {
  std::vector<IpNetwork> trusted;
  for (const std::string& entry : trusted_proxies) {
    absl::string_view text = absl::StripAsciiWhitespace(entry);
    if (text.empty()) continue;
    std::optional<IpNetwork> network = IpNetwork::Parse(text);
    if (!network.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", text, "\" is not an IP address or CIDR network"));
    }
    trusted.push_back(*network);
  }
  return ClientIpResolver(std::move(trusted));
}

bool ClientIpResolver::IsTrusted(const IpAddress& address) const {
  return std::any_of(
      trusted_.begin(), trusted_.end(),
      [&](const IpNetwork& network) { return network.Contains(address); });
}

std::string ClientIpResolver::Resolve(
    absl::string_view peer,
    const std::vector<std::string>& forwarded_for) const {
  std::optional<IpAddress> peer_address = IpAddress::Parse(peer);
  if (!peer_address.has_value()) return std::string(peer);
  if (!IsTrusted(*peer_address)) return peer_address->ToString();

  std::vector<absl::string_view> entries;
  for (const std::string& value : forwarded_for) {
    for (absl::string_view entry : absl::StrSplit(value, ',')) {
      entries.push_back(absl::StripAsciiWhitespace(entry));
    }
  }

  // Walk from the right, as each trusted proxy appended its own peer.
  IpAddress last_trusted = *peer_address;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->empty()) continue;
    std::optional<IpAddress> hop = IpAddress::Parse(StripPort(*it));
    if (!hop.has_value()) break;
    if (!IsTrusted(*hop)) return hop->ToString();
    last_trusted = *hop;
  }
  return last_trusted.ToString();
}

}  // namespace leadcapture::gateway
