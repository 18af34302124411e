#include "gateway/policy_cache.h"

#include "absl/container/flat_hash_map.h"

namespace leadcapture::gateway {

PolicyCache::PolicyCache(absl::Duration ttl, Clock* clock,
                         std::size_t max_entries)
    : ttl_(ttl), clock_(clock), max_entries_(max_entries) {}

std::optional<leadcapture::v1::Policy> PolicyCache::Lookup(
    const std::string& api_key) {
  if (ttl_ <= absl::ZeroDuration()) return std::nullopt;
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(api_key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires_at <= now) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.policy;
}

void PolicyCache::Insert(const std::string& api_key,
                         const leadcapture::v1::Policy& policy) {
  if (ttl_ <= absl::ZeroDuration() || max_entries_ == 0) return;
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  if (entries_.size() >= max_entries_ && !entries_.contains(api_key)) {
    absl::erase_if(entries_, [now](const auto& entry) {
      return entry.second.expires_at <= now;
    });
    if (entries_.size() >= max_entries_) entries_.clear();
  }
  entries_[api_key] = Entry{policy, now + ttl_};
}

}  // namespace leadcapture::gateway
