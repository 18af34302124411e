#include "services/opt_in_cleaner.h"

#include "services/util/log.h"
#include "services/util/status_macros.h"

namespace leadcapture {

absl::StatusOr<int64_t> OptInCleaner::RunOnce() {
  LC_ASSIGN_OR_RETURN(auto tx,
                      store_.Begin(storage::TransactionMode::kReadWrite));
  LC_ASSIGN_OR_RETURN(int64_t removed, tx->DeleteUnconfirmedOptInRequestsBefore(
                                           clock_.Now() - retention_));
  LC_RETURN_IF_ERROR(tx->Commit());
  return removed;
}

void OptInCleaner::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void OptInCleaner::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void OptInCleaner::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    mu_.Unlock();
    auto removed = RunOnce();
    if (!removed.ok()) {
      LogWarning("opt-in clean-up failed, will try again: %s",
                 removed.status().ToString());
    } else if (*removed > 0) {
      LogInfo("removed %d expired opt-in requests", *removed);
    }
    mu_.Lock();
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_);
  }
}

}  // namespace leadcapture
