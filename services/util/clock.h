// A source of the current time, injected so that tests can fix it.
#ifndef LEADCAPTURE_SERVICES_UTIL_CLOCK_H_
#define LEADCAPTURE_SERVICES_UTIL_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace leadcapture {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
};

// The real time.
class SystemClock : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
};

// A clock that stands still until told to move. For tests.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time now) : now_(now) {}
  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time now) {
    absl::MutexLock lock(&mu_);
    now_ = now;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_UTIL_CLOCK_H_
