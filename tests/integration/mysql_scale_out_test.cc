// Several processes on one MySQL/MariaDB database: two leadcaptured, each
// with its gateway, on one database, take captures of the same people
// through both gateways at the same moments. Nothing may be done twice: one
// lead per person, one capture log per capture.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
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

using ::testing::ElementsAre;

constexpr int kDeployments = 2;
// 60 people captured three times and 20 once: 200 captures of 80 people.
constexpr int kRepeatedPeople = 60;
constexpr int kOncePeople = 20;
constexpr int kCaptures = kRepeatedPeople * 3 + kOncePeople;
constexpr int kClientThreads = 8;

class MySqlScaleOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (MySqlTestsSwitchedOff()) GTEST_SKIP() << "LEADCAPTURE_TEST_MYSQL=off";
    absl::StatusOr<std::unique_ptr<ScratchDatabase>> database =
        ScratchDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(database).value();

    Deployment::Options options;
    options.database_url = database_->url();
    options.database_password = database_->options().password;
    for (int i = 0; i < kDeployments; ++i) {
      dirs_.push_back(std::make_unique<TempDir>());
      deployments_.push_back(
          std::make_unique<Deployment>(dirs_.back()->path(), options));
    }
    // Started from this thread: a server is killed when the thread that
    // started it ends. (Migrations racing from several processes are
    // tested in tests/storage.)
    for (int i = 0; i < kDeployments; ++i) {
      absl::Status started = deployments_[i]->Start();
      ASSERT_TRUE(started.ok()) << started << "\n" << deployments_[i]->Logs();
    }
  }

  void TearDown() override {
    if (HasFailure()) {
      for (size_t i = 0; i < deployments_.size(); ++i) {
        std::cerr << "Deployment " << i << " (files kept in "
                  << dirs_[i]->path() << "):\n"
                  << deployments_[i]->Logs();
        dirs_[i]->Keep();
      }
    }
    deployments_.clear();
    dirs_.clear();
    database_.reset();
  }

  SqlRows Query(const std::string& sql) {
    absl::StatusOr<SqlRows> rows = database_->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? *rows : SqlRows();
  }

  std::unique_ptr<ScratchDatabase> database_;
  std::vector<std::unique_ptr<TempDir>> dirs_;
  std::vector<std::unique_ptr<Deployment>> deployments_;
};

// One capture to send: whose, in which letter case, through which gateway.
struct Capture {
  int person;
  std::string email_address;
  int deployment;
};

// The captures in sending order: the copies of one person are adjacent, so
// that the client threads send them at about the same moment, through
// alternating gateways.
std::vector<Capture> PlanCaptures() {
  std::vector<Capture> plan;
  int next_gateway = 0;
  for (int person = 0; person < kRepeatedPeople + kOncePeople; ++person) {
    const int copies = person < kRepeatedPeople ? 3 : 1;
    const std::string spellings[] = {
        absl::StrCat("Person", person, "@Example.org"),
        absl::StrCat("person", person, "@example.org"),
        absl::StrCat("PERSON", person, "@EXAMPLE.ORG")};
    for (int copy = 0; copy < copies; ++copy) {
      plan.push_back({person, spellings[copy], next_gateway});
      next_gateway = (next_gateway + 1) % kDeployments;
    }
  }
  return plan;
}

TEST_F(MySqlScaleOutTest, TwoServersOnOneDatabaseMakeOneLeadPerPerson) {
  RunResult created = deployments_[0]->Leadctl(
      {"entry-points", "create", "--name", "Website", "--payload-fields",
       "firstName,lastName,emailAddress", "--duplicate-check=true"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string api_key = Str(created.parsed, "apiKey");
  // The other server sees the entry point at once: the database is shared.
  RunResult listed = deployments_[1]->Leadctl({"entry-points", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(Field(listed.parsed, "entryPoints", json::array()).size(), 1u);

  const std::vector<Capture> plan = PlanCaptures();
  ASSERT_EQ(plan.size(), static_cast<size_t>(kCaptures));
  std::vector<int> statuses(plan.size(), 0);
  std::atomic<size_t> next{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClientThreads; ++t) {
    clients.emplace_back([&] {
      std::vector<std::unique_ptr<httplib::Client>> http;
      for (auto& deployment : deployments_) http.push_back(deployment->Http());
      for (size_t i = next++; i < plan.size(); i = next++) {
        const Capture& capture = plan[i];
        httplib::Result result = http[capture.deployment]->Post(
            CapturePath(api_key), {{"Accept", "application/json"}},
            Payload("Pat", absl::StrCat("No", i), capture.email_address),
            "application/json");
        statuses[i] = result ? result->status : -1;
      }
    });
  }
  for (std::thread& client : clients) client.join();

  std::vector<std::string> failed;
  for (size_t i = 0; i < plan.size(); ++i) {
    if (statuses[i] != 200) {
      failed.push_back(absl::StrCat(plan[i].email_address, ": ", statuses[i]));
    }
  }
  EXPECT_TRUE(failed.empty()) << absl::StrJoin(failed, "\n");

  const std::string people = absl::StrCat(kRepeatedPeople + kOncePeople);
  EXPECT_THAT(Query("SELECT COUNT(*), COUNT(DISTINCT email_key) FROM leads"),
              ElementsAre(ElementsAre(people, people)));
  EXPECT_THAT(Query("SELECT COUNT(*), SUM(is_created) FROM capture_logs"),
              ElementsAre(ElementsAre(absl::StrCat(kCaptures), people)));
  EXPECT_THAT(Query("SELECT COUNT(*) FROM schema_migrations"
                    " GROUP BY version HAVING COUNT(*) > 1"),
              ::testing::IsEmpty());
}

}  // namespace
}  // namespace leadcapture::testing
