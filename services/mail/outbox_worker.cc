#include "services/mail/outbox_worker.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/util/log.h"
#include "services/util/status_macros.h"

namespace leadcapture::mail {

OutboxWorker::OutboxWorker(storage::Store& store, MailSender& sender,
                           Clock& clock, OutboxWorkerOptions options)
    : store_(store),
      sender_(sender),
      clock_(clock),
      options_(std::move(options)) {}

OutboxWorker::~OutboxWorker() { Stop(); }

void OutboxWorker::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void OutboxWorker::Stop() {
  std::thread thread;
  {
    absl::MutexLock lock(&mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    thread = std::move(thread_);
  }
  thread.join();
}

void OutboxWorker::Notify() {
  absl::MutexLock lock(&mu_);
  notified_ = true;
}

bool OutboxWorker::StopRequested() {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

absl::Duration OutboxWorker::Backoff(int attempts) const {
  absl::Duration backoff = options_.initial_backoff;
  for (int i = 1; i < attempts && backoff < options_.max_backoff; ++i) {
    backoff *= 2;
  }
  return std::min(backoff, options_.max_backoff);
}

void OutboxWorker::Loop() {
  bool store_down = false;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      // A Notify from now on asks for another round after this one.
      notified_ = false;
    }

    const absl::StatusOr<int> claimed = RunOnce();
    if (!claimed.ok()) {
      if (!store_down) {
        LogError(
            "outbox: cannot claim or record mail (%s); trying again "
            "every %s",
            claimed.status().ToString(),
            absl::FormatDuration(options_.poll_interval));
        store_down = true;
      }
    } else {
      if (store_down) {
        LogInfo("outbox: the store answers again");
        store_down = false;
      }
      // More may be due: claim again until a claim comes back empty.
      if (*claimed > 0) continue;
    }

    absl::MutexLock lock(&mu_);
    const auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return notified_ || stopping_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&woken), options_.poll_interval);
  }
}

absl::StatusOr<int> OutboxWorker::RunOnce() {
  absl::MutexLock run_lock(&run_mu_);
  LC_RETURN_IF_ERROR(FlushPendingRecords());

  // The claim commits before anything is sent, so that the lease holds
  // against other workers while the slow part runs.
  const absl::Time now = clock_.Now();
  const absl::Time lease_until = now + options_.lease;
  std::vector<storage::OutboxItem> items;
  {
    LC_ASSIGN_OR_RETURN(std::unique_ptr<storage::Transaction> transaction,
                        store_.Begin(storage::TransactionMode::kReadWrite));
    LC_ASSIGN_OR_RETURN(items, transaction->ClaimOutboxMessages(
                                   now, lease_until, options_.batch_size));
    LC_RETURN_IF_ERROR(transaction->Commit());
  }

  // A message is only sent while half its lease is left, so that the
  // delivery ends before another worker may claim it. The others, and all
  // of them once Stop is called, are handed back for the next claim.
  const absl::Time send_deadline = lease_until - options_.lease / 2;
  absl::Status record_status;
  for (const storage::OutboxItem& item : items) {
    PendingRecord record;
    if (StopRequested() || clock_.Now() > send_deadline) {
      record.id = item.message.id();
      record.error = item.message.last_error();
      record.next_attempt_at = clock_.Now();
    } else {
      record = Deliver(item);
    }
    if (absl::Status status = Record(record); !status.ok()) {
      pending_.push_back(std::move(record));
      record_status.Update(status);
    }
  }
  LC_RETURN_IF_ERROR(record_status);
  return static_cast<int>(items.size());
}

OutboxWorker::PendingRecord OutboxWorker::Deliver(
    const storage::OutboxItem& item) {
  const leadcapture::v1::OutboxMessage& message = item.message;
  PendingRecord record;
  record.id = message.id();

  absl::Status status =
      item.content.empty()
          ? absl::FailedPreconditionError("the message has no content")
          : sender_.Send(message.sender(), message.recipient(), item.content);
  const absl::Time now = clock_.Now();
  if (status.ok()) {
    record.sent = true;
    record.sent_at = now;
    return record;
  }

  // The claim has counted this attempt.
  const int attempts = std::max(1, message.attempts());
  record.error = status.ToString();
  record.give_up = status.code() == absl::StatusCode::kFailedPrecondition ||
                   attempts >= options_.max_attempts;
  if (record.give_up) {
    record.next_attempt_at = now;
    LogError("outbox: gave up on message %s after %d attempt(s): %s",
             message.id(), attempts, record.error);
  } else {
    const absl::Duration backoff = Backoff(attempts);
    record.next_attempt_at = now + backoff;
    LogWarning(
        "outbox: message %s not sent (attempt %d of %d), next "
        "attempt in %s: %s",
        message.id(), attempts, options_.max_attempts,
        absl::FormatDuration(backoff), record.error);
  }
  return record;
}

absl::Status OutboxWorker::Record(const PendingRecord& record) {
  LC_ASSIGN_OR_RETURN(std::unique_ptr<storage::Transaction> transaction,
                      store_.Begin(storage::TransactionMode::kReadWrite));
  if (record.sent) {
    LC_RETURN_IF_ERROR(
        transaction->MarkOutboxMessageSent(record.id, record.sent_at));
  } else {
    LC_RETURN_IF_ERROR(transaction->MarkOutboxMessageFailed(
        record.id, record.error, record.next_attempt_at, record.give_up));
  }
  return transaction->Commit();
}

absl::Status OutboxWorker::FlushPendingRecords() {
  while (!pending_.empty()) {
    const absl::Status status = Record(pending_.front());
    // A message that is gone needs no record.
    if (!status.ok() && status.code() != absl::StatusCode::kNotFound) {
      return status;
    }
    pending_.erase(pending_.begin());
  }
  return absl::OkStatus();
}

}  // namespace leadcapture::mail
