// A short-lived cache of entry point policies (SPEC section 5.3), so that
// a capture does not cost two backend calls. Only known keys are cached: an
// unknown key is asked again each time, and a rotated-away key stops within
// the TTL.
#ifndef LEADCAPTURE_GATEWAY_POLICY_CACHE_H_
#define LEADCAPTURE_GATEWAY_POLICY_CACHE_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "leadcapture/v1/capture_service.pb.h"
#include "services/util/clock.h"

namespace leadcapture::gateway {

// Thread-safe. `clock` is not owned and must outlive the cache.
class PolicyCache {
 public:
  // A `ttl` of zero caches nothing. At most `max_entries` keys are held;
  // when full, expired entries are dropped, and if that is not enough, all.
  PolicyCache(absl::Duration ttl, Clock* clock,
              std::size_t max_entries = 10000);

  PolicyCache(const PolicyCache&) = delete;
  PolicyCache& operator=(const PolicyCache&) = delete;

  // The policy stored for `api_key` less than the TTL ago, if any.
  std::optional<leadcapture::v1::Policy> Lookup(const std::string& api_key);

  // Stores the policy the backend gave for `api_key`.
  void Insert(const std::string& api_key,
              const leadcapture::v1::Policy& policy);

 private:
  struct Entry {
    leadcapture::v1::Policy policy;
    absl::Time expires_at;
  };

  const absl::Duration ttl_;
  Clock* const clock_;
  const std::size_t max_entries_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace leadcapture::gateway

#endif  // LEADCAPTURE_GATEWAY_POLICY_CACHE_H_
