// Several processes on one MySQL/MariaDB database: two leadcaptured, each
// with its gateway and its outbox worker, on one database and one SMTP
// server, take captures of the same people through both gateways at the
// same moments, half of them on an entry point with double opt-in. Nothing
// may be done twice: one lead per person, one confirmation mail per opt-in
// capture, no mail sent twice.
#include <atomic>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/integration/mailbox.h"
#include "tests/testing/mysql_test_server.h"

namespace leadcapture::testing {
namespace {

using ::testing::ElementsAre;

constexpr int kDeployments = 2;
// 60 people captured three times and 20 once: 200 captures of 80 people.
// The even ones are captured on the opt-in entry point: 100 captures of 40
// people there, and 100 of 40 on the other.
constexpr int kRepeatedPeople = 60;
constexpr int kOncePeople = 20;
constexpr int kPeople = kRepeatedPeople + kOncePeople;
constexpr int kCaptures = kRepeatedPeople * 3 + kOncePeople;
constexpr int kOptInCaptures = kCaptures / 2;
constexpr int kClientThreads = 8;
// How long mail may take on a busy test machine.
constexpr absl::Duration kMailTimeout = absl::Seconds(60);

// A web form's payload for one person.
std::string Payload(const std::string& first_name, const std::string& last_name,
                    const std::string& email_address) {
  return json{{"firstName", first_name},
              {"lastName", last_name},
              {"emailAddress", email_address}}
      .dump();
}

// The confirmation links in `text`.
std::vector<std::string> LinksIn(const std::string& text) {
  static const std::regex kLink(
      R"(http://127\.0\.0\.1:[0-9]+/optin/confirm\?token=[A-Za-z0-9_-]+)");
  std::vector<std::string> links;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kLink);
       it != std::sregex_iterator(); ++it) {
    links.push_back(it->str());
  }
  return links;
}

// GETs an absolute http://127.0.0.1:PORT/... link; -1 when it cannot.
int OpenLink(const std::string& link, std::string* body) {
  static const std::regex kParts(R"(http://127\.0\.0\.1:([0-9]+)(/.*))");
  std::smatch parts;
  int port = 0;
  if (!std::regex_match(link, parts, kParts) ||
      !absl::SimpleAtoi(parts[1].str(), &port)) {
    return -1;
  }
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(15, 0);
  httplib::Result result = client.Get(parts[2].str());
  if (!result) return -1;
  *body = result->body;
  return result->status;
}

class MySqlScaleOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (MySqlTestsSwitchedOff()) GTEST_SKIP() << "LEADCAPTURE_TEST_MYSQL=off";
    absl::StatusOr<std::unique_ptr<ScratchDatabase>> database =
        ScratchDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(database).value();
    absl::StatusOr<TestMailServer*> mail_server = TestMailServer::Get();
    ASSERT_TRUE(mail_server.ok()) << mail_server.status();
    mail_server_ = *mail_server;

    Deployment::Options options;
    options.database_url = database_->url();
    options.database_password = database_->options().password;
    options.daemon_flags = {absl::StrCat("--smtp_url=", mail_server_->url()),
                            "--mail_from=news@leadcapture.example",
                            "--mail_initial_backoff=200ms",
                            "--mail_max_backoff=1s"};
    // Started from this thread: a server is killed when the thread that
    // started it ends. (Migrations racing from several processes are
    // tested in tests/storage.)
    for (int i = 0; i < kDeployments; ++i) {
      dirs_.push_back(std::make_unique<TempDir>());
      deployments_.push_back(
          std::make_unique<Deployment>(dirs_.back()->path(), options));
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

  // Creates an entry point through the first server; returns it.
  json CreateEntryPoint(const std::vector<std::string>& flags) {
    std::vector<std::string> args = {"entry-points",
                                     "create",
                                     "--name",
                                     "Website",
                                     "--payload-fields",
                                     "firstName,lastName,emailAddress",
                                     "--duplicate-check=true"};
    args.insert(args.end(), flags.begin(), flags.end());
    RunResult created = deployments_[0]->Leadctl(args);
    EXPECT_EQ(created.exit_code, 0) << created.err;
    return created.parsed;
  }

  std::unique_ptr<ScratchDatabase> database_;
  TestMailServer* mail_server_ = nullptr;
  std::vector<std::unique_ptr<TempDir>> dirs_;
  std::vector<std::unique_ptr<Deployment>> deployments_;
};

// One capture to send: whose, in which letter case, where and through which
// gateway.
struct Capture {
  int person;
  std::string email_address;
  bool opt_in;
  int deployment;
};

// The captures in sending order: the copies of one person are adjacent, so
// that the client threads send them at about the same moment, through
// alternating gateways. Every person has an address no other test uses.
std::vector<Capture> PlanCaptures(std::vector<std::string>* addresses) {
  std::vector<Capture> plan;
  int next_gateway = 0;
  for (int person = 0; person < kPeople; ++person) {
    const std::string address = UniqueAddress(absl::StrCat("person", person));
    addresses->push_back(address);
    const int copies = person < kRepeatedPeople ? 3 : 1;
    std::string capitalized = address;
    capitalized[0] = absl::ascii_toupper(capitalized[0]);
    const std::string spellings[] = {address, capitalized,
                                     absl::AsciiStrToUpper(address)};
    for (int copy = 0; copy < copies; ++copy) {
      plan.push_back({person, spellings[copy], person % 2 == 0, next_gateway});
      next_gateway = (next_gateway + 1) % kDeployments;
    }
  }
  return plan;
}

TEST_F(MySqlScaleOutTest, TwoServersOnOneDatabaseDoNothingTwice) {
  const json plain = CreateEntryPoint({});
  const json opt_in = CreateEntryPoint({"--opt-in=true"});
  const std::string plain_key = Str(plain, "apiKey");
  const std::string opt_in_key = Str(opt_in, "apiKey");
  ASSERT_FALSE(plain_key.empty() || opt_in_key.empty());
  // The other server sees the entry points at once: the database is shared.
  RunResult listed = deployments_[1]->Leadctl({"entry-points", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(Field(listed.parsed, "entryPoints", json::array()).size(), 2u);

  // 200 captures on 8 threads.
  std::vector<std::string> addresses;
  const std::vector<Capture> plan = PlanCaptures(&addresses);
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
            CapturePath(capture.opt_in ? opt_in_key : plain_key),
            {{"Accept", "application/json"}},
            Payload("Pat", absl::StrCat("No", i), capture.email_address),
            "application/json");
        statuses[i] = result ? result->status : -1;
      }
    });
  }
  for (std::thread& client : clients) client.join();
  std::vector<std::string> failed;
  std::map<int, int> copies;
  for (size_t i = 0; i < plan.size(); ++i) {
    ++copies[plan[i].person];
    if (statuses[i] != 200) {
      failed.push_back(absl::StrCat(plan[i].email_address, ": ", statuses[i]));
    }
  }
  ASSERT_TRUE(failed.empty()) << absl::StrJoin(failed, "\n");

  // One confirmation mail per opt-in capture, each with a link of its own,
  // once both outbox workers have sent everything.
  std::vector<std::string> links;
  for (int person = 0; person < kPeople; person += 2) {
    WaitForMailsTo(mail_server_->maildir(), addresses[person], copies[person],
                   kMailTimeout);
  }
  const absl::Time deadline = absl::Now() + kMailTimeout;
  while (Query("SELECT COUNT(*) FROM outbox_messages WHERE status = 1") !=
             SqlRows{{"0"}} &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  for (int person = 0; person < kPeople; ++person) {
    std::vector<ReceivedMail> mails =
        MailsTo(mail_server_->maildir(), addresses[person]);
    EXPECT_EQ(mails.size(),
              static_cast<size_t>(person % 2 == 0 ? copies[person] : 0))
        << addresses[person];
    for (const ReceivedMail& mail : mails) {
      std::vector<std::string> in_mail = LinksIn(mail.text);
      std::set<std::string> distinct(in_mail.begin(), in_mail.end());
      EXPECT_EQ(distinct.size(), 1u) << mail.text;
      links.insert(links.end(), distinct.begin(), distinct.end());
    }
  }
  EXPECT_EQ(links.size(), static_cast<size_t>(kOptInCaptures));
  EXPECT_EQ(std::set<std::string>(links.begin(), links.end()).size(),
            links.size())
      << "a link came twice";

  // Every link confirmed, the copies of one person at about the same time.
  std::vector<int> confirmed(links.size(), 0);
  std::vector<std::string> pages(links.size());
  next = 0;
  clients.clear();
  for (int t = 0; t < kClientThreads; ++t) {
    clients.emplace_back([&] {
      for (size_t i = next++; i < links.size(); i = next++) {
        confirmed[i] = OpenLink(links[i], &pages[i]);
      }
    });
  }
  for (std::thread& client : clients) client.join();
  for (size_t i = 0; i < links.size(); ++i) {
    EXPECT_EQ(confirmed[i], 200) << links[i] << "\n" << pages[i];
    EXPECT_NE(pages[i].find("Subscription confirmed"), std::string::npos)
        << pages[i];
  }

  const std::string people = absl::StrCat(kPeople);
  EXPECT_THAT(Query("SELECT COUNT(*), COUNT(DISTINCT email_key) FROM leads"),
              ElementsAre(ElementsAre(people, people)));
  EXPECT_THAT(
      Query(absl::StrCat("SELECT COUNT(*), SUM(is_created) FROM capture_logs"
                         " WHERE entry_point_id = '",
                         Str(plain, "id"), "'")),
      ElementsAre(ElementsAre(absl::StrCat(kCaptures - kOptInCaptures),
                              absl::StrCat(kPeople / 2))));
  // status 2 is SENT.
  const std::string opt_in_captures = absl::StrCat(kOptInCaptures);
  EXPECT_THAT(Query("SELECT COUNT(*), SUM(status = 2) FROM outbox_messages"),
              ElementsAre(ElementsAre(opt_in_captures, opt_in_captures)));
  EXPECT_THAT(
      Query("SELECT COUNT(*), COUNT(confirmed_at) FROM opt_in_requests"),
      ElementsAre(ElementsAre(opt_in_captures, opt_in_captures)));
}

}  // namespace
}  // namespace leadcapture::testing
