#include "services/mail/outbox_worker.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/mail/mime.h"
#include "services/mail/smtp_sender.h"
#include "services/time_util.h"
#include "services/util/clock.h"
#include "storage/store.h"
#include "tests/testing/mime_reader.h"
#include "tests/testing/smtp_server.h"
#include "tests/testing/status_matchers.h"

namespace leadcapture::mail {
namespace {

namespace v1 = ::leadcapture::v1;

using ::leadcapture::mail::testing::FreePort;
using ::leadcapture::mail::testing::ParseEntity;
using ::leadcapture::mail::testing::SmtpServer;
using ::leadcapture::mail::testing::SmtpServerOptions;
using ::leadcapture::mail::testing::TempDir;
using ::leadcapture::testing::IsOk;
using ::leadcapture::testing::IsOkAndHolds;
using ::leadcapture::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

// A store that can be switched off: Begin then answers UNAVAILABLE, as a
// database that cannot be reached does.
class SwitchableStore : public storage::Store {
 public:
  explicit SwitchableStore(storage::Store& inner) : inner_(inner) {}

  absl::StatusOr<std::unique_ptr<storage::Transaction>> Begin(
      storage::TransactionMode mode) override {
    if (down_) return absl::UnavailableError("database is down");
    return inner_.Begin(mode);
  }

  void set_down(bool down) { down_ = down; }

 private:
  storage::Store& inner_;
  std::atomic<bool> down_{false};
};

// A MailSender that records what it is given and answers with the statuses
// it was told to, then OK.
class FakeSender : public MailSender {
 public:
  struct Call {
    std::string from;
    std::string to;
    std::string mime;
  };

  absl::Status Send(const std::string& from, const std::string& to,
                    const std::string& mime) override {
    std::function<void()> hook;
    absl::Status status;
    {
      absl::MutexLock lock(&mu_);
      calls_.push_back({from, to, mime});
      if (!answers_.empty()) {
        status = answers_.front();
        answers_.erase(answers_.begin());
      } else {
        status = always_;
      }
      hook = hook_;
    }
    if (hook) hook();
    return status;
  }

  // The next `count` sends answer `status`.
  void FailNext(int count, const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    answers_.insert(answers_.end(), count, status);
  }
  // Every send without a queued answer answers `status`.
  void AnswerAlways(const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    always_ = status;
  }
  // Runs during every send.
  void OnSend(std::function<void()> hook) {
    absl::MutexLock lock(&mu_);
    hook_ = std::move(hook);
  }

  std::vector<Call> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

  // Waits (real time) until at least `count` sends were made.
  bool WaitForCalls(std::size_t count, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    const auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return calls_.size() >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  }

 private:
  absl::Mutex mu_;
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Status> answers_ ABSL_GUARDED_BY(mu_);
  absl::Status always_ ABSL_GUARDED_BY(mu_);
  std::function<void()> hook_ ABSL_GUARDED_BY(mu_);
};

v1::OutboxMessage NewMail(const std::string& id, absl::Time now) {
  v1::OutboxMessage message;
  message.set_id(id);
  message.set_kind("mail");
  message.set_recipient(absl::StrCat(id, "@example.org"));
  message.set_sender("news@example.com");
  message.set_subject("Please confirm");
  message.set_status(v1::QUEUED);
  *message.mutable_created_at() = ToTimestamp(now);
  *message.mutable_next_attempt_at() = ToTimestamp(now);
  return message;
}

// Polls `done` (real time) until it is true; false on timeout. For states
// that a background thread and a server process reach on their own.
bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

class OutboxWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::OpenStore("sqlite::memory:");
    ASSERT_THAT(store, IsOk());
    store_ = std::move(store).value();
    switchable_ = std::make_unique<SwitchableStore>(*store_);
  }

  std::unique_ptr<OutboxWorker> NewWorker(OutboxWorkerOptions options = {}) {
    return std::make_unique<OutboxWorker>(*switchable_, sender_, clock_,
                                          options);
  }

  void Enqueue(const v1::OutboxMessage& message, const std::string& content) {
    auto transaction = store_->Begin(storage::TransactionMode::kReadWrite);
    ASSERT_THAT(transaction, IsOk());
    ASSERT_THAT((*transaction)->EnqueueOutboxMessage(message, content), IsOk());
    ASSERT_THAT((*transaction)->Commit(), IsOk());
  }

  void Enqueue(const std::string& id) {
    Enqueue(NewMail(id, clock_.Now()), absl::StrCat("MIME of ", id));
  }

  // The stored message with this id; an empty one if there is none.
  v1::OutboxMessage Stored(const std::string& id) {
    auto transaction = store_->Begin(storage::TransactionMode::kReadOnly);
    EXPECT_THAT(transaction, IsOk());
    if (!transaction.ok()) return {};
    storage::PageRequest page;
    page.page_size = 1000;
    auto messages = (*transaction)->ListOutboxMessages(page);
    EXPECT_THAT(messages, IsOk());
    if (!messages.ok()) return {};
    for (const v1::OutboxMessage& message : messages->items) {
      if (message.id() == id) return message;
    }
    return {};
  }

  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<SwitchableStore> switchable_;
  FakeSender sender_;
  FakeClock clock_{kStart};
};

TEST_F(OutboxWorkerTest, RunOnceSendsEachDueMessageOnceAndMarksItSent) {
  Enqueue("mail-1");
  Enqueue("mail-2");
  Enqueue("mail-3");
  auto worker = NewWorker();

  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(3));
  clock_.Advance(absl::Hours(1));
  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(0));

  const std::vector<FakeSender::Call> calls = sender_.calls();
  ASSERT_THAT(calls, SizeIs(3));
  EXPECT_EQ(calls[0].from, "news@example.com");
  EXPECT_EQ(calls[0].to, "mail-1@example.org");
  EXPECT_EQ(calls[0].mime, "MIME of mail-1");
  EXPECT_EQ(calls[2].to, "mail-3@example.org");
  for (const char* id : {"mail-1", "mail-2", "mail-3"}) {
    const v1::OutboxMessage stored = Stored(id);
    EXPECT_EQ(stored.status(), v1::SENT) << id;
    EXPECT_EQ(stored.attempts(), 1) << id;
    EXPECT_EQ(FromTimestamp(stored.sent_at()), kStart) << id;
  }
}

TEST_F(OutboxWorkerTest, MessageIsNotSentBeforeItIsDue) {
  v1::OutboxMessage later = NewMail("later", kStart);
  *later.mutable_next_attempt_at() = ToTimestamp(kStart + absl::Minutes(5));
  Enqueue(later, "MIME");
  auto worker = NewWorker();

  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(0));
  clock_.Advance(absl::Minutes(5));
  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(1));
  EXPECT_THAT(sender_.calls(), SizeIs(1));
}

TEST_F(OutboxWorkerTest, BatchSizeLimitsOneClaim) {
  for (int i = 0; i < 5; ++i) Enqueue(absl::StrCat("mail-", i));
  OutboxWorkerOptions options;
  options.batch_size = 2;
  auto worker = NewWorker(options);

  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(2));
  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(2));
  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(1));
  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(0));
  EXPECT_THAT(sender_.calls(), SizeIs(5));
}

TEST_F(OutboxWorkerTest, FailedAttemptsBackOffExponentiallyUntilSent) {
  Enqueue("mail-1");
  sender_.FailNext(3, absl::UnavailableError("connection refused"));
  OutboxWorkerOptions options;
  options.initial_backoff = absl::Seconds(2);
  auto worker = NewWorker(options);

  // Attempts at 0 s, 2 s, 2 + 4 s and 2 + 4 + 8 s.
  for (absl::Duration backoff :
       {absl::Seconds(2), absl::Seconds(4), absl::Seconds(8)}) {
    ASSERT_THAT(worker->RunOnce(), IsOkAndHolds(1));
    const v1::OutboxMessage stored = Stored("mail-1");
    EXPECT_EQ(stored.status(), v1::QUEUED);
    EXPECT_EQ(FromTimestamp(stored.next_attempt_at()), clock_.Now() + backoff);
    EXPECT_THAT(stored.last_error(), HasSubstr("connection refused"));

    clock_.Advance(backoff - absl::Microseconds(1));
    EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(0));
    clock_.Advance(absl::Microseconds(1));
  }
  ASSERT_THAT(worker->RunOnce(), IsOkAndHolds(1));

  const v1::OutboxMessage stored = Stored("mail-1");
  EXPECT_EQ(stored.status(), v1::SENT);
  EXPECT_EQ(stored.attempts(), 4);
  EXPECT_THAT(sender_.calls(), SizeIs(4));
}

TEST_F(OutboxWorkerTest, BackoffDoublesUpToTheCap) {
  OutboxWorkerOptions options;
  options.initial_backoff = absl::Seconds(2);
  options.max_backoff = absl::Minutes(10);
  auto worker = NewWorker(options);

  EXPECT_EQ(worker->Backoff(1), absl::Seconds(2));
  EXPECT_EQ(worker->Backoff(2), absl::Seconds(4));
  EXPECT_EQ(worker->Backoff(3), absl::Seconds(8));
  EXPECT_EQ(worker->Backoff(9), absl::Seconds(512));
  EXPECT_EQ(worker->Backoff(10), absl::Minutes(10));
  EXPECT_EQ(worker->Backoff(1000), absl::Minutes(10));
}

TEST_F(OutboxWorkerTest, GivesUpAfterMaxAttempts) {
  Enqueue("mail-1");
  sender_.AnswerAlways(absl::UnavailableError("451 try again later"));
  OutboxWorkerOptions options;
  options.max_attempts = 3;
  options.max_backoff = absl::Seconds(30);
  auto worker = NewWorker(options);

  for (int attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_THAT(worker->RunOnce(), IsOkAndHolds(1)) << attempt;
    clock_.Advance(options.max_backoff);
  }
  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(0));

  const v1::OutboxMessage stored = Stored("mail-1");
  EXPECT_EQ(stored.status(), v1::FAILED);
  EXPECT_EQ(stored.attempts(), 3);
  EXPECT_THAT(stored.last_error(), HasSubstr("451 try again later"));
  EXPECT_THAT(sender_.calls(), SizeIs(3));
}

TEST_F(OutboxWorkerTest, PermanentRejectionFailsAtOnce) {
  Enqueue("mail-1");
  Enqueue("mail-2");
  sender_.FailNext(1, absl::FailedPreconditionError("550 no such user"));
  auto worker = NewWorker();

  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(2));
  clock_.Advance(absl::Hours(1));
  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(0));

  const v1::OutboxMessage failed = Stored("mail-1");
  EXPECT_EQ(failed.status(), v1::FAILED);
  EXPECT_EQ(failed.attempts(), 1);
  EXPECT_THAT(failed.last_error(), HasSubstr("550 no such user"));
  EXPECT_EQ(Stored("mail-2").status(), v1::SENT);
}

TEST_F(OutboxWorkerTest, StoreDownMeansNothingIsSentUntilItIsBack) {
  Enqueue("mail-1");
  auto worker = NewWorker();
  switchable_->set_down(true);

  EXPECT_THAT(worker->RunOnce(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(sender_.calls(), IsEmpty());

  switchable_->set_down(false);
  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(1));
  EXPECT_EQ(Stored("mail-1").status(), v1::SENT);
}

TEST_F(OutboxWorkerTest, OutcomeThatCannotBeStoredIsStoredLaterNotResent) {
  Enqueue("mail-1");
  OutboxWorkerOptions options;
  options.lease = absl::Seconds(60);
  auto worker = NewWorker(options);
  // The database goes away while the mail is on its way.
  sender_.OnSend([this] { switchable_->set_down(true); });

  EXPECT_THAT(worker->RunOnce(), StatusIs(absl::StatusCode::kUnavailable));
  sender_.OnSend(nullptr);
  switchable_->set_down(false);
  // Past the lease the message would be claimable again.
  clock_.Advance(absl::Minutes(5));
  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(0));

  EXPECT_EQ(Stored("mail-1").status(), v1::SENT);
  EXPECT_THAT(sender_.calls(), SizeIs(1));
}

TEST_F(OutboxWorkerTest, MessagesAreOnlySentWhileHalfTheLeaseIsLeft) {
  Enqueue("mail-1");
  Enqueue("mail-2");
  OutboxWorkerOptions options;
  options.lease = absl::Seconds(60);
  auto worker = NewWorker(options);
  // The first delivery takes 31 s of the 60 s lease.
  sender_.OnSend([this] { clock_.Advance(absl::Seconds(31)); });

  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(2));
  EXPECT_THAT(sender_.calls(), SizeIs(1));
  EXPECT_EQ(Stored("mail-1").status(), v1::SENT);
  // The second one was handed back, due at once.
  const v1::OutboxMessage handed_back = Stored("mail-2");
  EXPECT_EQ(handed_back.status(), v1::QUEUED);
  EXPECT_EQ(FromTimestamp(handed_back.next_attempt_at()), clock_.Now());

  sender_.OnSend(nullptr);
  EXPECT_THAT(worker->RunOnce(), IsOkAndHolds(1));
  EXPECT_EQ(Stored("mail-2").status(), v1::SENT);
}

TEST_F(OutboxWorkerTest, NotifyWakesTheThreadAtOnce) {
  OutboxWorkerOptions options;
  options.poll_interval = absl::Hours(1);
  auto worker = NewWorker(options);
  worker->Start();
  // The first round finds nothing; the thread then waits for an hour.
  ASSERT_FALSE(sender_.WaitForCalls(1, absl::Milliseconds(50)));

  Enqueue("mail-1");
  const absl::Time notified = absl::Now();
  worker->Notify();
  ASSERT_TRUE(sender_.WaitForCalls(1, absl::Seconds(2)));
  const absl::Duration latency = absl::Now() - notified;

  EXPECT_LT(latency, absl::Seconds(2));
  ::testing::Test::RecordProperty(
      "notify_to_send_us", std::to_string(absl::ToInt64Microseconds(latency)));
  worker->Stop();
  EXPECT_EQ(Stored("mail-1").status(), v1::SENT);
}

TEST_F(OutboxWorkerTest, ThreadSendsEverythingDueBeforeWaiting) {
  for (int i = 0; i < 7; ++i) Enqueue(absl::StrCat("mail-", i));
  OutboxWorkerOptions options;
  options.poll_interval = absl::Hours(1);
  options.batch_size = 2;
  auto worker = NewWorker(options);

  worker->Start();

  EXPECT_TRUE(sender_.WaitForCalls(7, absl::Seconds(5)));
  worker->Stop();
  EXPECT_THAT(sender_.calls(), SizeIs(7));
}

TEST_F(OutboxWorkerTest, StopIsPrompt) {
  OutboxWorkerOptions options;
  options.poll_interval = absl::Hours(1);
  auto worker = NewWorker(options);
  worker->Start();
  ASSERT_FALSE(sender_.WaitForCalls(1, absl::Milliseconds(20)));

  const absl::Time start = absl::Now();
  worker->Stop();

  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
  worker->Stop();  // A second Stop does nothing.
}

TEST_F(OutboxWorkerTest, ThreadSurvivesAStoreOutageAndCarriesOn) {
  OutboxWorkerOptions options;
  options.poll_interval = absl::Milliseconds(10);
  auto worker = NewWorker(options);
  switchable_->set_down(true);
  worker->Start();
  // Some polls fail while the store is down.
  ASSERT_FALSE(sender_.WaitForCalls(1, absl::Milliseconds(100)));

  Enqueue("mail-1");
  switchable_->set_down(false);
  worker->Notify();

  EXPECT_TRUE(sender_.WaitForCalls(1, absl::Seconds(5)));
  worker->Stop();
  EXPECT_EQ(Stored("mail-1").status(), v1::SENT);
}

TEST_F(OutboxWorkerTest, DestructorStopsTheThread) {
  OutboxWorkerOptions options;
  options.poll_interval = absl::Hours(1);
  auto worker = NewWorker(options);
  worker->Start();

  const absl::Time start = absl::Now();
  worker.reset();

  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
}

// The worker with the real SMTP client and a real SMTP server.
class OutboxWorkerSmtpTest : public OutboxWorkerTest {
 protected:
  void SetUp() override {
    OutboxWorkerTest::SetUp();
    auto dir = TempDir::Create();
    ASSERT_THAT(dir, IsOk());
    dir_ = std::move(dir).value();
  }

  void StartServer(int port = 0) {
    SmtpServerOptions options;
    options.port = port;
    auto server = SmtpServer::Start(dir_->path(), options);
    ASSERT_THAT(server, IsOk());
    server_ = std::move(server).value();
  }

  // A confirmation-like mail for `id`, queued now.
  void EnqueueMail(const std::string& id) {
    MailMessage mail;
    mail.from_address = "news@example.com";
    mail.from_name = "Example News";
    mail.to_address = absl::StrCat(id, "@example.org");
    mail.subject = absl::StrCat("Please confirm \xF0\x9F\x8E\x89 ", id);
    mail.text_body = absl::StrCat("Confirm: https://example.com/c?t=", id);
    mail.date = system_clock_.Now();
    mail.message_id = NewMessageId("example.com");
    Enqueue(NewMail(id, system_clock_.Now()), BuildMime(mail));
  }

  std::unique_ptr<OutboxWorker> NewSmtpWorker(SmtpSender& sender,
                                              OutboxWorkerOptions options) {
    return std::make_unique<OutboxWorker>(*switchable_, sender, system_clock_,
                                          options);
  }

  SystemClock system_clock_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<SmtpServer> server_;
};

TEST_F(OutboxWorkerSmtpTest, NotifiedMailReachesTheSmtpServerWellUnderASecond) {
  StartServer();
  SmtpOptions smtp;
  smtp.url = server_->url();
  SmtpSender sender(smtp);
  OutboxWorkerOptions options;
  options.poll_interval = absl::Hours(1);
  auto worker = NewSmtpWorker(sender, options);
  worker->Start();

  constexpr int kMails = 5;
  std::vector<absl::Duration> latencies;
  for (int i = 0; i < kMails; ++i) {
    EnqueueMail(absl::StrCat("mail-", i));
    const absl::Time notified = absl::Now();
    worker->Notify();
    ASSERT_TRUE(server_->WaitForMails(i + 1, absl::Seconds(2))) << i;
    latencies.push_back(absl::Now() - notified);
  }
  worker->Stop();

  std::sort(latencies.begin(), latencies.end());
  std::vector<std::string> shown;
  for (absl::Duration latency : latencies) {
    EXPECT_LT(latency, absl::Seconds(1));
    shown.push_back(absl::FormatDuration(latency));
  }
  std::cout << "Notify() to mail stored by the SMTP server: "
            << absl::StrJoin(shown, ", ") << "\n";
  ::testing::Test::RecordProperty(
      "notify_to_delivery_max_us",
      std::to_string(absl::ToInt64Microseconds(latencies.back())));
  for (int i = 0; i < kMails; ++i) {
    EXPECT_EQ(Stored(absl::StrCat("mail-", i)).status(), v1::SENT);
  }
}

TEST_F(OutboxWorkerSmtpTest, SmtpOutageLosesNoMailAndSendsNoneTwice) {
  const absl::StatusOr<int> port = FreePort();
  ASSERT_THAT(port, IsOk());
  SmtpOptions smtp;
  smtp.url = absl::StrCat("smtp://127.0.0.1:", *port);
  SmtpSender sender(smtp);
  OutboxWorkerOptions options;
  options.poll_interval = absl::Milliseconds(20);
  options.initial_backoff = absl::Milliseconds(20);
  options.max_backoff = absl::Milliseconds(100);
  options.max_attempts = 1000;
  auto worker = NewSmtpWorker(sender, options);
  constexpr int kMails = 5;
  for (int i = 0; i < kMails; ++i) EnqueueMail(absl::StrCat("mail-", i));

  // The server is down: every mail fails at least once (a claim counts an
  // attempt before the failure is recorded, so wait for the error).
  worker->Start();
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (int i = 0; i < kMails; ++i) {
          if (Stored(absl::StrCat("mail-", i)).last_error().empty()) {
            return false;
          }
        }
        return true;
      },
      absl::Seconds(10)));
  for (int i = 0; i < kMails; ++i) {
    const v1::OutboxMessage stored = Stored(absl::StrCat("mail-", i));
    EXPECT_EQ(stored.status(), v1::QUEUED);
    EXPECT_THAT(stored.last_error(), HasSubstr("UNAVAILABLE"));
  }

  // The server writes a mail before it accepts it, and the worker records
  // it sent after that: once all are recorded, every delivery is in.
  StartServer(*port);
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (int i = 0; i < kMails; ++i) {
          if (Stored(absl::StrCat("mail-", i)).status() != v1::SENT) {
            return false;
          }
        }
        return true;
      },
      absl::Seconds(10)));
  worker->Stop();

  std::set<std::string> recipients;
  for (const std::string& mail : server_->Mails()) {
    recipients.insert(ParseEntity(mail).Header("X-RcptTo"));
  }
  EXPECT_THAT(server_->Mails(), SizeIs(kMails));
  EXPECT_THAT(recipients, SizeIs(kMails));
  for (int i = 0; i < kMails; ++i) {
    EXPECT_EQ(Stored(absl::StrCat("mail-", i)).status(), v1::SENT) << i;
  }
}

}  // namespace
}  // namespace leadcapture::mail
