#include "gateway/client_ip.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace leadcapture::gateway {
namespace {

ClientIpResolver Resolver(const std::vector<std::string>& trusted) {
  absl::StatusOr<ClientIpResolver> resolver = ClientIpResolver::Create(trusted);
  EXPECT_TRUE(resolver.ok()) << resolver.status();
  return *std::move(resolver);
}

TEST(IpAddressTest, ParsesIpv4AndIpv6InCanonicalForm) {
  EXPECT_EQ(IpAddress::Parse("192.0.2.1")->ToString(), "192.0.2.1");
  EXPECT_EQ(IpAddress::Parse("2001:DB8:0:0::1")->ToString(), "2001:db8::1");
  EXPECT_EQ(IpAddress::Parse("fe80::1%eth0")->ToString(), "fe80::1");
}

TEST(IpAddressTest, HoldsIpv4MappedAddressesAsIpv4) {
  std::optional<IpAddress> mapped = IpAddress::Parse("::ffff:127.0.0.1");
  ASSERT_TRUE(mapped.has_value());
  EXPECT_TRUE(mapped->is_v4());
  EXPECT_EQ(mapped->ToString(), "127.0.0.1");
}

TEST(IpAddressTest, RejectsNamesPortsAndShortForms) {
  for (const char* text :
       {"", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4:80",
        "[::1]", "::g", "01.2.3.4x", " 1.2.3.4"}) {
    EXPECT_FALSE(IpAddress::Parse(text).has_value()) << text;
  }
}

TEST(IpNetworkTest, MatchesIpv4Cidr) {
  std::optional<IpNetwork> network = IpNetwork::Parse("10.1.0.0/16");
  ASSERT_TRUE(network.has_value());
  EXPECT_TRUE(network->Contains(*IpAddress::Parse("10.1.255.3")));
  EXPECT_FALSE(network->Contains(*IpAddress::Parse("10.2.0.1")));
  EXPECT_FALSE(network->Contains(*IpAddress::Parse("::1")));
}

TEST(IpNetworkTest, MatchesPrefixesThatAreNotWholeBytes) {
  std::optional<IpNetwork> network = IpNetwork::Parse("172.16.0.0/12");
  ASSERT_TRUE(network.has_value());
  EXPECT_TRUE(network->Contains(*IpAddress::Parse("172.31.1.1")));
  EXPECT_FALSE(network->Contains(*IpAddress::Parse("172.32.0.1")));
}

TEST(IpNetworkTest, MatchesIpv6Cidr) {
  std::optional<IpNetwork> network = IpNetwork::Parse("fd00::/8");
  ASSERT_TRUE(network.has_value());
  EXPECT_TRUE(network->Contains(*IpAddress::Parse("fd12:3456::1")));
  EXPECT_FALSE(network->Contains(*IpAddress::Parse("fe80::1")));
  EXPECT_FALSE(network->Contains(*IpAddress::Parse("10.0.0.1")));
}

TEST(IpNetworkTest, BareAddressIsASingleHost) {
  std::optional<IpNetwork> network = IpNetwork::Parse("2001:db8::1");
  ASSERT_TRUE(network.has_value());
  EXPECT_TRUE(network->Contains(*IpAddress::Parse("2001:db8::1")));
  EXPECT_FALSE(network->Contains(*IpAddress::Parse("2001:db8::2")));
}

TEST(IpNetworkTest, ZeroPrefixMatchesWholeFamily) {
  std::optional<IpNetwork> network = IpNetwork::Parse("0.0.0.0/0");
  ASSERT_TRUE(network.has_value());
  EXPECT_TRUE(network->Contains(*IpAddress::Parse("203.0.113.9")));
  EXPECT_FALSE(network->Contains(*IpAddress::Parse("2001:db8::1")));
}

TEST(IpNetworkTest, RejectsBadPrefixes) {
  for (const char* text :
       {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "::/129", "10.0.0.0/-1",
        "10.0.0.0/8/8", "example.com/8", "fe80::1%eth0/64"}) {
    EXPECT_FALSE(IpNetwork::Parse(text).has_value()) << text;
  }
}

TEST(ClientIpResolverTest, RejectsGarbageTrustedProxyNamingIt) {
  absl::StatusOr<ClientIpResolver> resolver =
      ClientIpResolver::Create({"10.0.0.0/8", "not-an-ip"});
  ASSERT_FALSE(resolver.ok());
  EXPECT_EQ(resolver.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(resolver.status().message()),
              testing::HasSubstr("not-an-ip"));
}

TEST(ClientIpResolverTest, IgnoresSpacesAndEmptyTrustedEntries) {
  ClientIpResolver resolver = Resolver({" 10.0.0.0/8 ", "", " ::1"});
  EXPECT_TRUE(resolver.IsTrusted(*IpAddress::Parse("10.9.9.9")));
  EXPECT_TRUE(resolver.IsTrusted(*IpAddress::Parse("::1")));
}

TEST(ClientIpResolverTest, UntrustedPeerIsTheClientWhateverItForwards) {
  ClientIpResolver resolver = Resolver({"10.0.0.0/8"});
  EXPECT_EQ(resolver.Resolve("198.51.100.7", {"203.0.113.1"}), "198.51.100.7");
}

TEST(ClientIpResolverTest, NoTrustedProxiesMeansThePeer) {
  ClientIpResolver resolver = Resolver({});
  EXPECT_EQ(resolver.Resolve("127.0.0.1", {"203.0.113.1"}), "127.0.0.1");
  EXPECT_EQ(resolver.Resolve("::ffff:127.0.0.1", {}), "127.0.0.1");
}

TEST(ClientIpResolverTest, TrustedPeerGivesRightMostUntrustedEntry) {
  ClientIpResolver resolver = Resolver({"10.0.0.0/8", "127.0.0.1"});
  EXPECT_EQ(resolver.Resolve("127.0.0.1",
                             {"1.1.1.1, 203.0.113.5, 10.0.0.2, 10.0.0.1"}),
            "203.0.113.5");
}

TEST(ClientIpResolverTest, WalksAcrossSeveralHeaderLines) {
  ClientIpResolver resolver = Resolver({"10.0.0.0/8"});
  EXPECT_EQ(resolver.Resolve("10.0.0.1", {"203.0.113.5", "10.0.0.3"}),
            "203.0.113.5");
}

TEST(ClientIpResolverTest, TrimsSpacesAndSkipsEmptyEntries) {
  ClientIpResolver resolver = Resolver({"10.0.0.0/8"});
  EXPECT_EQ(resolver.Resolve("10.0.0.1", {"  203.0.113.5 ,, \t10.0.0.9 ,"}),
            "203.0.113.5");
}

TEST(ClientIpResolverTest, GarbageEntryStopsAtLastTrustedHop) {
  ClientIpResolver resolver = Resolver({"10.0.0.0/8"});
  EXPECT_EQ(resolver.Resolve("10.0.0.1", {"203.0.113.5, unknown, 10.0.0.7"}),
            "10.0.0.7");
  EXPECT_EQ(resolver.Resolve("10.0.0.1", {"<script>"}), "10.0.0.1");
}

TEST(ClientIpResolverTest, AllTrustedGivesLeftMostEntry) {
  ClientIpResolver resolver = Resolver({"10.0.0.0/8"});
  EXPECT_EQ(resolver.Resolve("10.0.0.1", {"10.0.0.5, 10.0.0.6"}), "10.0.0.5");
}

TEST(ClientIpResolverTest, NoForwardedForMeansThePeer) {
  ClientIpResolver resolver = Resolver({"10.0.0.0/8"});
  EXPECT_EQ(resolver.Resolve("10.0.0.1", {}), "10.0.0.1");
  EXPECT_EQ(resolver.Resolve("10.0.0.1", {""}), "10.0.0.1");
}

TEST(ClientIpResolverTest, HandlesIpv6ProxiesAndClients) {
  ClientIpResolver resolver = Resolver({"::1", "fd00::/8"});
  EXPECT_EQ(resolver.Resolve("::1", {"2001:DB8::42, fd00::3"}), "2001:db8::42");
}

TEST(ClientIpResolverTest, AcceptsEntriesWithPorts) {
  ClientIpResolver resolver = Resolver({"10.0.0.0/8"});
  EXPECT_EQ(resolver.Resolve("10.0.0.1", {"203.0.113.5:4711"}), "203.0.113.5");
  EXPECT_EQ(resolver.Resolve("10.0.0.1", {"[2001:db8::5]:4711"}),
            "2001:db8::5");
  EXPECT_EQ(resolver.Resolve("10.0.0.1", {"[2001:db8::6]"}), "2001:db8::6");
}

TEST(ClientIpResolverTest, TrustsIpv4MappedPeerAsIpv4) {
  ClientIpResolver resolver = Resolver({"127.0.0.0/8"});
  EXPECT_EQ(resolver.Resolve("::ffff:127.0.0.1", {"203.0.113.5"}),
            "203.0.113.5");
}

}  // namespace
}  // namespace leadcapture::gateway
