#include "gateway/policy_cache.h"

#include <gtest/gtest.h>

namespace leadcapture::gateway {
namespace {

using leadcapture::v1::Policy;

Policy WithOrigin(const std::string& origin) {
  Policy policy;
  policy.add_allowed_origins(origin);
  return policy;
}

class PolicyCacheTest : public ::testing::Test {
 protected:
  FakeClock clock_{absl::FromUnixSeconds(1700000000)};
};

TEST_F(PolicyCacheTest, ReturnsStoredPolicyWithinTtl) {
  PolicyCache cache(absl::Seconds(2), &clock_);
  cache.Insert("key", WithOrigin("https://a.example"));
  clock_.Advance(absl::Milliseconds(1999));
  std::optional<Policy> policy = cache.Lookup("key");
  ASSERT_TRUE(policy.has_value());
  EXPECT_EQ(policy->allowed_origins(0), "https://a.example");
}

TEST_F(PolicyCacheTest, ForgetsPolicyAfterTtl) {
  PolicyCache cache(absl::Seconds(2), &clock_);
  cache.Insert("key", Policy());
  clock_.Advance(absl::Seconds(2));
  EXPECT_FALSE(cache.Lookup("key").has_value());
}

TEST_F(PolicyCacheTest, MissesUnknownKey) {
  PolicyCache cache(absl::Seconds(2), &clock_);
  EXPECT_FALSE(cache.Lookup("other").has_value());
}

TEST_F(PolicyCacheTest, ZeroTtlCachesNothing) {
  PolicyCache cache(absl::ZeroDuration(), &clock_);
  cache.Insert("key", Policy());
  EXPECT_FALSE(cache.Lookup("key").has_value());
}

TEST_F(PolicyCacheTest, InsertReplacesAndRestartsTtl) {
  PolicyCache cache(absl::Seconds(2), &clock_);
  cache.Insert("key", WithOrigin("https://old.example"));
  clock_.Advance(absl::Seconds(1));
  cache.Insert("key", WithOrigin("https://new.example"));
  clock_.Advance(absl::Seconds(1));
  std::optional<Policy> policy = cache.Lookup("key");
  ASSERT_TRUE(policy.has_value());
  EXPECT_EQ(policy->allowed_origins(0), "https://new.example");
}

TEST_F(PolicyCacheTest, StaysWithinMaxEntries) {
  PolicyCache cache(absl::Seconds(2), &clock_, /*max_entries=*/2);
  cache.Insert("a", Policy());
  cache.Insert("b", Policy());
  clock_.Advance(absl::Seconds(3));
  cache.Insert("c", Policy());  // a and b have expired and make room.
  EXPECT_TRUE(cache.Lookup("c").has_value());
  cache.Insert("d", Policy());
  cache.Insert("e", Policy());  // full of live entries: starts afresh.
  EXPECT_TRUE(cache.Lookup("e").has_value());
  EXPECT_FALSE(cache.Lookup("c").has_value());
}

}  // namespace
}  // namespace leadcapture::gateway
