// The worker that sends the mail waiting in the outbox.
#ifndef LEADCAPTURE_SERVICES_MAIL_OUTBOX_WORKER_H_
#define LEADCAPTURE_SERVICES_MAIL_OUTBOX_WORKER_H_

#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/mail/mail_sender.h"
#include "services/util/clock.h"
#include "storage/store.h"

namespace leadcapture::mail {

struct OutboxWorkerOptions {
  // How often the worker looks for due mail when nobody calls Notify.
  absl::Duration poll_interval = absl::Seconds(1);
  // How long a claimed message stays invisible to other workers. A message
  // is only sent while at least half of it is left, so make it at least
  // twice the sender's timeout.
  absl::Duration lease = absl::Seconds(60);
  // The wait after the first failed attempt; it doubles with each further
  // one, up to max_backoff.
  absl::Duration initial_backoff = absl::Seconds(2);
  absl::Duration max_backoff = absl::Minutes(10);
  // A message fails for good after this many attempts.
  int max_attempts = 8;
  // How many messages one claim takes at most.
  int batch_size = 20;
};

// Sends the outbox's due mail with a MailSender and records the outcome in
// the store: sent, or failed with the next attempt after an exponential
// back-off, or failed for good after max_attempts or when the sender says
// the message can never be delivered (FAILED_PRECONDITION).
//
// Claims are leases (storage::Transaction::ClaimOutboxMessages), so several
// workers, in one process or several, never send one message twice while
// its lease runs. A message is sent at least once: if the outcome cannot be
// recorded, the worker keeps it in memory and records it before its next
// claim; a worker that dies between sending and recording leaves the
// message to be sent again once its lease has run out.
//
// Thread-safe. The store, sender and clock must outlive the worker. The
// clock gives the times stored and compared with next_attempt_at; waiting
// between polls uses the real time.
class OutboxWorker {
 public:
  OutboxWorker(storage::Store& store, MailSender& sender, Clock& clock,
               OutboxWorkerOptions options = {});
  OutboxWorker(const OutboxWorker&) = delete;
  OutboxWorker& operator=(const OutboxWorker&) = delete;
  // Stops the background thread if it runs.
  ~OutboxWorker();

  // Starts the background thread: it runs RunOnce until no due message is
  // left, then waits for Notify, Stop or the poll interval. A store that
  // cannot be reached is logged once per outage and tried again at the next
  // poll. Does nothing if the thread runs already.
  void Start();

  // Stops the background thread and waits for it: at most the one delivery
  // in progress finishes; messages claimed but not yet sent are handed back
  // at once. Does nothing if the thread does not run.
  void Stop();

  // Wakes the background thread now, for example after a commit that queued
  // mail. Cheap; callable from any thread, before Start too.
  void Notify();

  // One round: records outcomes still owed to the store, claims up to
  // batch_size due messages (in a transaction of its own, committed before
  // any is sent), sends each and records the outcome. A message whose lease
  // is half gone before its turn is handed back unsent, due at once (the
  // claim has counted it as an attempt all the same). Returns how many
  // messages were claimed. The store's error (UNAVAILABLE when it is down)
  // if the claim or a pending record fails; delivery failures are recorded,
  // not returned. Rounds of one worker run one at a time.
  absl::StatusOr<int> RunOnce();

  // The back-off after the `attempts`-th failed attempt (attempts >= 1):
  // initial_backoff * 2^(attempts - 1), at most max_backoff.
  absl::Duration Backoff(int attempts) const;

 private:
  // An outcome that could not be written to the store yet.
  struct PendingRecord {
    std::string id;
    bool sent = false;
    absl::Time sent_at;
    std::string error;
    absl::Time next_attempt_at;
    bool give_up = false;
  };

  void Loop();
  absl::Status Record(const PendingRecord& record);
  // Writes the records owed to the store, oldest first; stops at the first
  // that fails and returns its error.
  absl::Status FlushPendingRecords() ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  // Sends one claimed message and returns the outcome to record.
  PendingRecord Deliver(const storage::OutboxItem& item);
  bool StopRequested();

  storage::Store& store_;
  MailSender& sender_;
  Clock& clock_;
  const OutboxWorkerOptions options_;

  // Serialises rounds.
  absl::Mutex run_mu_;
  std::vector<PendingRecord> pending_ ABSL_GUARDED_BY(run_mu_);

  absl::Mutex mu_;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_ ABSL_GUARDED_BY(mu_);
};

}  // namespace leadcapture::mail

#endif  // LEADCAPTURE_SERVICES_MAIL_OUTBOX_WORKER_H_
