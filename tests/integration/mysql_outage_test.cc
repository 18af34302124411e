// The database stops under load: captures answer 503 quickly (never 500,
// never a hang past the gateway's deadline), succeed again once the server
// is back without a restart of leadcaptured or the gateway, and every
// capture that was answered 200 is stored.
#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/testing/mysql_test_server.h"

namespace leadcapture::testing {
namespace {

// A web form's payload for one person.
std::string Payload(const std::string& first_name, const std::string& last_name,
                    const std::string& email_address) {
  return json{{"firstName", first_name},
              {"lastName", last_name},
              {"emailAddress", email_address}}
      .dump();
}

constexpr int kClientThreads = 4;
// The gateway's deadline for a call to leadcaptured.
constexpr absl::Duration kBackendDeadline = absl::Seconds(5);

// One answered capture.
struct Answer {
  std::string email_address;
  int status = 0;
  absl::Duration took;
  std::string body;
};

// Posts captures with new addresses on several threads until stopped, and
// keeps every answer.
class Load {
 public:
  Load(const Deployment& deployment, std::string api_key)
      : deployment_(deployment), api_key_(std::move(api_key)) {
    for (int t = 0; t < kClientThreads; ++t) {
      threads_.emplace_back([this, t] { Run(t); });
    }
  }
  ~Load() { Stop(); }

  void Stop() {
    stop_ = true;
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

  // How many answers had this status so far.
  int Count(int status) {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(std::count_if(
        answers_.begin(), answers_.end(),
        [&](const Answer& answer) { return answer.status == status; }));
  }

  // Waits (up to `timeout`) until Count(status) reaches `count`.
  bool WaitFor(int status, int count, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (Count(status) < count) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return true;
  }

  std::vector<Answer> answers() {
    std::lock_guard<std::mutex> lock(mu_);
    return answers_;
  }

 private:
  void Run(int thread) {
    std::unique_ptr<httplib::Client> http = deployment_.Http();
    for (int n = 0; !stop_; ++n) {
      Answer answer;
      answer.email_address =
          absl::StrCat("load-", thread, "-", n, "@x.example");
      const absl::Time start = absl::Now();
      httplib::Result result = http->Post(
          CapturePath(api_key_), {{"Accept", "application/json"}},
          Payload("Lou", "Load", answer.email_address), "application/json");
      answer.took = absl::Now() - start;
      answer.status = result ? result->status : -1;
      if (result) answer.body = result->body;
      std::lock_guard<std::mutex> lock(mu_);
      answers_.push_back(std::move(answer));
    }
  }

  const Deployment& deployment_;
  const std::string api_key_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::vector<Answer> answers_;
};

class MySqlOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (MySqlTestsSwitchedOff()) GTEST_SKIP() << "LEADCAPTURE_TEST_MYSQL=off";
    absl::StatusOr<std::unique_ptr<MariaDbServer>> server =
        MariaDbServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();

    Deployment::Options options;
    options.database_url = server_->url();
    options.database_password = server_->options().password;
    options.gateway_flags = {absl::StrCat(
        "--backend_deadline=", absl::ToInt64Seconds(kBackendDeadline), "s")};
    dir_ = std::make_unique<TempDir>();
    deployment_ = std::make_unique<Deployment>(dir_->path(), options);
    absl::Status started = deployment_->Start();
    ASSERT_TRUE(started.ok()) << started << "\n" << deployment_->Logs();
  }

  void TearDown() override {
    if (HasFailure() && deployment_ != nullptr) {
      std::cerr << "Servers' logs (files kept in " << dir_->path() << "):\n"
                << deployment_->Logs();
      dir_->Keep();
    }
    deployment_.reset();
    dir_.reset();
    server_.reset();
  }

  std::unique_ptr<MariaDbServer> server_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Deployment> deployment_;
};

TEST_F(MySqlOutageTest, DatabaseStoppedUnderLoadGives503ThenRecovers) {
  RunResult created = deployment_->Leadctl({"entry-points", "create", "--name",
                                            "Website", "--payload-fields",
                                            "firstName,lastName,emailAddress"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string api_key = Str(created.parsed, "apiKey");

  Load load(*deployment_, api_key);
  ASSERT_TRUE(load.WaitFor(200, 20, absl::Seconds(30)));

  ASSERT_TRUE(server_->Stop().ok());
  const int ok_while_up = load.Count(200);
  EXPECT_TRUE(load.WaitFor(503, 20, absl::Seconds(30)));

  ASSERT_TRUE(server_->Restart().ok());
  // The same leadcaptured and gateway serve again.
  EXPECT_TRUE(load.WaitFor(200, ok_while_up + 20, absl::Seconds(30)));
  load.Stop();

  const std::vector<Answer> answers = load.answers();
  std::map<int, int> by_status;
  absl::Duration slowest;
  for (const Answer& answer : answers) {
    ++by_status[answer.status];
    slowest = std::max(slowest, answer.took);
    if (answer.status == 503) {
      EXPECT_NE(answer.body.find("\"unavailable\""), std::string::npos)
          << answer.body;
    }
  }
  std::string histogram;
  for (const auto& [status, count] : by_status) {
    absl::StrAppend(&histogram, status, ": ", count, "  ");
  }
  SCOPED_TRACE(histogram);
  for (const auto& [status, count] : by_status) {
    EXPECT_TRUE(status == 200 || status == 503) << "status " << status;
  }
  EXPECT_LT(slowest, kBackendDeadline) << absl::FormatDuration(slowest);

  // Every capture answered 200 is stored.
  absl::StatusOr<SqlRows> stored =
      RunSql(server_->options(), "SELECT email_address FROM leads");
  ASSERT_TRUE(stored.ok()) << stored.status();
  std::set<std::string> emails;
  for (const auto& row : *stored) emails.insert(row[0]);
  std::vector<std::string> missing;
  for (const Answer& answer : answers) {
    if (answer.status == 200 && emails.count(answer.email_address) == 0) {
      missing.push_back(answer.email_address);
    }
  }
  EXPECT_TRUE(missing.empty()) << absl::StrJoin(missing, " ");
  std::cerr << "answers: " << histogram << " slowest "
            << absl::FormatDuration(slowest) << "\n";
}

}  // namespace
}  // namespace leadcapture::testing
