// Removes double opt-in requests that expired unconfirmed, after they were
// kept long enough for their links to say "expired" (SPEC section 6).
#ifndef LEADCAPTURE_SERVICES_OPT_IN_CLEANER_H_
#define LEADCAPTURE_SERVICES_OPT_IN_CLEANER_H_

#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/util/clock.h"
#include "storage/store.h"

namespace leadcapture {

// Thread-safe. `store` and `clock` must outlive it.
class OptInCleaner {
 public:
  OptInCleaner(storage::Store& store, Clock& clock, absl::Duration retention,
               absl::Duration interval)
      : store_(store),
        clock_(clock),
        retention_(retention),
        interval_(interval) {}
  ~OptInCleaner() { Stop(); }

  // Deletes the unconfirmed requests that expired more than `retention`
  // ago. Returns how many.
  absl::StatusOr<int64_t> RunOnce();

  // Runs RunOnce() now and then every `interval` on a thread of its own.
  void Start();
  // Stops the thread; returns at once if it is not running.
  void Stop();

 private:
  void Loop();

  storage::Store& store_;
  Clock& clock_;
  const absl::Duration retention_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_OPT_IN_CLEANER_H_
