// The MySQL/MariaDB backend: the conformance suite on a database of its own
// per test, plus what only MySQL has: utf8mb4 storage, locks and
// migrations shared by several processes, lost connections, a server that
// stops and comes back, and the database URL.
//
// The tests need a server (see tests/testing/mysql_test_server.h): without
// LEADCAPTURE_TEST_MYSQL_URL they fail, unless LEADCAPTURE_TEST_MYSQL=off.
#include "storage/mysql_store.h"

#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/util/status_macros.h"
#include "storage/mysql_schema.h"
#include "storage/store.h"
#include "tests/storage/store_test_backend.h"
#include "tests/testing/mysql_test_server.h"
#include "tests/testing/proto_matchers.h"
#include "tests/testing/status_matchers.h"

extern char** environ;

namespace leadcapture::storage {
namespace {

using ::leadcapture::testing::EqualsProto;
using ::leadcapture::testing::IsOk;
using ::leadcapture::testing::IsOkAndHolds;
using ::leadcapture::testing::MariaDbServer;
using ::leadcapture::testing::ScratchDatabase;
using ::leadcapture::testing::SqlRows;
using ::leadcapture::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Optional;
using ::testing::SizeIs;

constexpr char kSwitchedOff[] = "LEADCAPTURE_TEST_MYSQL=off";

// A 4-byte UTF-8 character (U+1F600).
constexpr char kEmoji[] = "\xF0\x9F\x98\x80";

class MySqlBackend : public StoreBackend {
 public:
  absl::StatusOr<std::unique_ptr<Store>> Open() override {
    if (database_ == nullptr) {
      absl::StatusOr<std::unique_ptr<ScratchDatabase>> database =
          ScratchDatabase::Create();
      if (!database.ok()) return database.status();
      database_ = std::move(database).value();
    }
    // Through OpenStore, as leadcaptured opens it: the password comes from
    // LEADCAPTURE_DB_PASSWORD.
    return OpenStore(database_->url());
  }

  std::string SkipReason() const override {
    return testing::MySqlTestsSwitchedOff() ? kSwitchedOff : "";
  }

 private:
  std::unique_ptr<ScratchDatabase> database_;
};

INSTANTIATE_TEST_SUITE_P(MySql, StoreTest,
                         ::testing::Values(StoreBackendFactory{
                             "MariaDb",
                             [] { return std::make_unique<MySqlBackend>(); }}),
                         StoreBackendName);

v1::Lead MakeLead(const std::string& id, const std::string& email) {
  v1::Lead lead;
  lead.set_id(id);
  lead.set_email_address(email);
  lead.set_status(v1::NEW);
  return lead;
}

// Waits (up to 30 s) until a connection to `database` other than the
// asking one is inside a statement that mentions `text`: a statement of a
// capture stays there only while it waits for a lock.
void WaitUntilStatementWaits(const ScratchDatabase& database,
                             const std::string& text) {
  const std::string sql = absl::StrCat(
      "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
      " WHERE DB = '",
      database.name(), "' AND ID <> CONNECTION_ID() AND INFO LIKE '%", text,
      "%'");
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    absl::StatusOr<SqlRows> rows = database.Query(sql);
    ASSERT_THAT(rows, IsOk());
    if ((*rows)[0][0] != "0") return;
    absl::SleepFor(absl::Milliseconds(5));
  }
  FAIL() << "no statement on " << text << " started waiting";
}

class MySqlStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::MySqlTestsSwitchedOff()) GTEST_SKIP() << kSwitchedOff;
    absl::StatusOr<std::unique_ptr<ScratchDatabase>> database =
        ScratchDatabase::Create();
    ASSERT_THAT(database, IsOk());
    database_ = std::move(database).value();
  }

  absl::StatusOr<std::unique_ptr<MySqlStore>> Open() {
    return MySqlStore::Open(database_->options());
  }

  SqlRows Query(const std::string& sql) {
    absl::StatusOr<SqlRows> rows = database_->Query(sql);
    EXPECT_THAT(rows, IsOk()) << sql;
    return rows.ok() ? *rows : SqlRows();
  }

  std::unique_ptr<ScratchDatabase> database_;
};

// -- utf8mb4 and byte-exact keys ---------------------------------------------

TEST_F(MySqlStoreTest, FourByteCharactersAreStoredAsCharacters) {
  LC_ASSERT_OK_AND_ASSIGN(auto store, Open());
  v1::Lead lead = MakeLead("lead-1", absl::StrCat(kEmoji, "@Example.org"));
  lead.set_first_name(absl::StrCat("J\xC3\xBCrgen ", kEmoji));
  lead.set_description(
      absl::StrCat("\xF0\x9D\x84\x9E", kEmoji, "\xE2\x82\xAC"));
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, store->Begin(TransactionMode::kReadWrite));
    LC_ASSERT_OK(tx->CreateLead(lead));
    LC_ASSERT_OK(tx->Commit());
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx, store->Begin(TransactionMode::kReadOnly));
  EXPECT_THAT(tx->GetLead("lead-1"), IsOkAndHolds(EqualsProto(lead)));
  EXPECT_THAT(tx->FindLeadByEmailKey(absl::StrCat(kEmoji, "@example.org")),
              IsOkAndHolds(Optional(EqualsProto(lead))));
  // "Jürgen 😀": 8 characters in 12 bytes, so the server holds real
  // characters, not replacement marks or mis-decoded bytes.
  EXPECT_THAT(Query("SELECT CHAR_LENGTH(first_name), LENGTH(first_name),"
                    " HEX(first_name) FROM leads"),
              ElementsAre(ElementsAre("8", "12", "4AC3BC7267656E20F09F9880")));
}

TEST_F(MySqlStoreTest, TextColumnsAreUtf8mb4AndTablesInnoDb) {
  LC_ASSERT_OK_AND_ASSIGN(auto store, Open());

  const std::string schema = database_->name();
  EXPECT_THAT(Query(absl::StrCat(
                  "SELECT TABLE_NAME, COLUMN_NAME, CHARACTER_SET_NAME"
                  " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '",
                  schema,
                  "' AND CHARACTER_SET_NAME IS NOT NULL"
                  " AND CHARACTER_SET_NAME <> 'utf8mb4'")),
              IsEmpty());
  EXPECT_THAT(Query(absl::StrCat("SELECT TABLE_NAME, ENGINE FROM"
                                 " information_schema.TABLES WHERE"
                                 " TABLE_SCHEMA = '",
                                 schema, "' AND ENGINE <> 'InnoDB'")),
              IsEmpty());
  // The keys that are matched byte for byte have no collation at all.
  EXPECT_THAT(
      Query(absl::StrCat("SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE FROM"
                         " information_schema.COLUMNS WHERE TABLE_SCHEMA = '",
                         schema,
                         "' AND COLUMN_NAME IN ('id', 'email_key', 'api_key',"
                         " 'phone_number', 'identity', 'token_hash')"
                         " AND DATA_TYPE <> 'varbinary'")),
      IsEmpty());
}

TEST_F(MySqlStoreTest, KeysDifferingOnlyInTrailingSpacesAreDifferent) {
  LC_ASSERT_OK_AND_ASSIGN(auto store, Open());
  LC_ASSERT_OK_AND_ASSIGN(auto tx, store->Begin(TransactionMode::kReadWrite));
  v1::EntryPoint a;
  a.set_id("ep-1");
  a.set_api_key("key");
  v1::EntryPoint b;
  b.set_id("ep-2");
  b.set_api_key("key ");
  LC_ASSERT_OK(tx->CreateEntryPoint(a));
  LC_ASSERT_OK(tx->CreateEntryPoint(b));

  EXPECT_THAT(tx->FindEntryPointByApiKey("key "),
              IsOkAndHolds(Optional(EqualsProto(b))));
}

TEST_F(MySqlStoreTest, ValueTooLongForItsColumnIsInvalidArgument) {
  LC_ASSERT_OK_AND_ASSIGN(auto store, Open());
  LC_ASSERT_OK_AND_ASSIGN(auto tx, store->Begin(TransactionMode::kReadWrite));
  EXPECT_THAT(tx->CreateLead(MakeLead(std::string(300, 'x'), "a@b.c")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The transaction goes on.
  LC_EXPECT_OK(tx->CreateLead(MakeLead("lead-1", "a@b.c")));
  LC_EXPECT_OK(tx->Commit());
}

// -- Isolation and locks ------------------------------------------------------

TEST_F(MySqlStoreTest, ReadOnlyTransactionReadsOneSnapshot) {
  LC_ASSERT_OK_AND_ASSIGN(auto store, Open());
  LC_ASSERT_OK_AND_ASSIGN(auto reader,
                          store->Begin(TransactionMode::kReadOnly));
  LC_ASSERT_OK_AND_ASSIGN(auto before, reader->ListLeads("", PageRequest()));
  EXPECT_THAT(before.items, IsEmpty());

  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, store->Begin(TransactionMode::kReadWrite));
    LC_ASSERT_OK(tx->CreateLead(MakeLead("lead-1", "a@example.org")));
    LC_ASSERT_OK(tx->Commit());
  }

  LC_ASSERT_OK_AND_ASSIGN(auto after, reader->ListLeads("", PageRequest()));
  EXPECT_THAT(after.items, IsEmpty());
  LC_ASSERT_OK_AND_ASSIGN(auto fresh, store->Begin(TransactionMode::kReadOnly));
  LC_ASSERT_OK_AND_ASSIGN(auto now, fresh->ListLeads("", PageRequest()));
  EXPECT_THAT(now.items, SizeIs(1));
}

TEST_F(MySqlStoreTest, SecondLockerWaitsAndThenSeesTheFirstLead) {
  LC_ASSERT_OK_AND_ASSIGN(auto first_store, Open());
  LC_ASSERT_OK_AND_ASSIGN(auto second_store, Open());
  const std::string key = "ann@example.org";
  LC_ASSERT_OK_AND_ASSIGN(auto first,
                          first_store->Begin(TransactionMode::kReadWrite));
  LC_ASSERT_OK(first->LockIdentity(key));
  LC_ASSERT_OK(first->CreateLead(MakeLead("lead-1", "Ann@Example.org")));

  absl::StatusOr<std::optional<v1::Lead>> seen;
  std::thread second_capture([&] {
    auto second = second_store->Begin(TransactionMode::kReadWrite);
    if (!second.ok()) {
      seen = second.status();
      return;
    }
    absl::Status locked = (*second)->LockIdentity(key);
    seen = locked.ok() ? (*second)->FindLeadByEmailKey(key)
                       : absl::StatusOr<std::optional<v1::Lead>>(locked);
  });
  WaitUntilStatementWaits(*database_, "identity_locks");
  LC_EXPECT_OK(first->Commit());
  second_capture.join();

  ASSERT_THAT(seen, IsOk());
  ASSERT_TRUE(seen->has_value());
  EXPECT_EQ((*seen)->id(), "lead-1");
}

TEST_F(MySqlStoreTest, LockWaitPastTheLockTimeoutIsUnavailable) {
  MySqlStore::Options options = database_->options();
  options.lock_timeout = absl::Seconds(1);
  options.io_timeout = absl::Seconds(3);
  LC_ASSERT_OK_AND_ASSIGN(auto store, MySqlStore::Open(options));
  LC_ASSERT_OK_AND_ASSIGN(auto holder,
                          store->Begin(TransactionMode::kReadWrite));
  LC_ASSERT_OK(holder->LockIdentity("+49301234567"));

  LC_ASSERT_OK_AND_ASSIGN(auto waiter,
                          store->Begin(TransactionMode::kReadWrite));
  const absl::Time start = absl::Now();
  EXPECT_THAT(waiter->LockIdentity("+49301234567"),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  // The waiter was rolled back whole: nothing of it may commit later.
  EXPECT_THAT(waiter->CreateLead(MakeLead("lead-1", "a@example.org")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(waiter->Commit(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  LC_EXPECT_OK(holder->Commit());
  LC_ASSERT_OK_AND_ASSIGN(auto next, store->Begin(TransactionMode::kReadWrite));
  LC_EXPECT_OK(next->LockIdentity("+49301234567"));
}

TEST_F(MySqlStoreTest, DeadlockEndsOneTransactionWithUnavailable) {
  LC_ASSERT_OK_AND_ASSIGN(auto store, Open());
  LC_ASSERT_OK_AND_ASSIGN(auto a, store->Begin(TransactionMode::kReadWrite));
  LC_ASSERT_OK_AND_ASSIGN(auto b, store->Begin(TransactionMode::kReadWrite));
  LC_ASSERT_OK(a->LockIdentity("a@example.org"));
  LC_ASSERT_OK(b->LockIdentity("b@example.org"));

  absl::Status a_result;
  std::thread a_thread([&] { a_result = a->LockIdentity("b@example.org"); });
  WaitUntilStatementWaits(*database_, "identity_locks");
  absl::Status b_result = b->LockIdentity("a@example.org");
  a_thread.join();

  // The server rolls one of them back; the other gets its lock.
  ASSERT_NE(a_result.ok(), b_result.ok()) << a_result << " / " << b_result;
  Transaction& winner = a_result.ok() ? *a : *b;
  Transaction& loser = a_result.ok() ? *b : *a;
  EXPECT_THAT(a_result.ok() ? b_result : a_result,
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(loser.CreateLead(MakeLead("lead-x", "x@example.org")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  LC_ASSERT_OK(winner.CreateLead(MakeLead("lead-1", "w@example.org")));
  LC_EXPECT_OK(winner.Commit());

  LC_ASSERT_OK_AND_ASSIGN(auto check, store->Begin(TransactionMode::kReadOnly));
  LC_ASSERT_OK_AND_ASSIGN(auto leads, check->ListLeads("", PageRequest()));
  ASSERT_THAT(leads.items, SizeIs(1));
  EXPECT_EQ(leads.items[0].id(), "lead-1");
}

// Runs mysql_race_helper processes on the database and expects every one
// to succeed.
void RunRacingProcesses(const std::string& url, int processes) {
  std::vector<pid_t> pids;
  for (int i = 0; i < processes; ++i) {
    std::string prefix = absl::StrCat("p", i);
    std::vector<char*> argv = {const_cast<char*>(MYSQL_RACE_HELPER_PATH),
                               const_cast<char*>(url.c_str()), prefix.data(),
                               nullptr};
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, MYSQL_RACE_HELPER_PATH, nullptr, nullptr,
                          argv.data(), environ),
              0);
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "a racing process failed (status " << status << ")";
  }
}

TEST_F(MySqlStoreTest, TwoProcessesRacingOnOneEmailMakeOneLead) {
  { LC_ASSERT_OK_AND_ASSIGN(auto store, Open()); }

  RunRacingProcesses(database_->url(), 2);

  // 20 addresses, each captured 8 times by 2 processes, letter case aside.
  EXPECT_THAT(Query("SELECT COUNT(*), COUNT(DISTINCT email_key) FROM leads"),
              ElementsAre(ElementsAre("20", "20")));
}

// -- Migrations ---------------------------------------------------------------

std::vector<std::string> AllVersions() {
  std::vector<std::string> versions;
  for (size_t i = 1; i <= MySqlMigrations().size(); ++i) {
    versions.push_back(absl::StrCat(i));
  }
  return versions;
}

std::vector<std::string> FirstColumn(const SqlRows& rows) {
  std::vector<std::string> column;
  for (const auto& row : rows) column.push_back(row.at(0));
  return column;
}

TEST_F(MySqlStoreTest, MigrationsOfStoresOpeningAtOnceApplyOnce) {
  constexpr int kStores = 4;
  absl::Notification start;
  std::vector<absl::Status> results(kStores);
  std::vector<std::thread> threads;
  for (int i = 0; i < kStores; ++i) {
    threads.emplace_back([&, i] {
      start.WaitForNotification();
      results[i] = MySqlStore::Open(database_->options()).status();
    });
  }
  start.Notify();
  for (std::thread& thread : threads) thread.join();

  for (const absl::Status& result : results) EXPECT_THAT(result, IsOk());
  // The version is the primary key: a second application of one migration
  // could not have been recorded, and would have failed its store.
  EXPECT_THAT(FirstColumn(Query("SELECT version FROM schema_migrations"
                                " ORDER BY version")),
              ::testing::ElementsAreArray(AllVersions()));
}

TEST_F(MySqlStoreTest, MigrationCutShortBeforeItWasRecordedCompletesOnOpen) {
  { LC_ASSERT_OK_AND_ASSIGN(auto store, Open()); }
  // As if the process had died after the statements of the last migration
  // but before recording it.
  const std::string last = absl::StrCat(MySqlMigrations().size());
  Query(absl::StrCat("DELETE FROM schema_migrations WHERE version = ", last));

  LC_ASSERT_OK_AND_ASSIGN(auto store, Open());

  EXPECT_THAT(FirstColumn(Query("SELECT version FROM schema_migrations"
                                " ORDER BY version")),
              ::testing::ElementsAreArray(AllVersions()));
}

TEST_F(MySqlStoreTest, MigrationTwoGivesOlderEntryPointsOptInDefaults) {
  // A database left at schema version 1, with one entry point.
  Query(
      "CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY"
      " KEY, applied_at BIGINT NOT NULL)");
  for (const char* statement : MySqlMigrations()[0].statements) {
    Query(statement);
  }
  Query("INSERT INTO schema_migrations VALUES (1, 0)");
  Query(
      "INSERT INTO entry_points (id, name, api_key, payload_fields,"
      " required_fields, target_team_id, campaign_id, lead_source,"
      " phone_country, allowed_origins) VALUES ('ep-1', 'Old', 'key-1',"
      " '[\"emailAddress\"]', '[]', '', '', '', '', '[]')");

  LC_ASSERT_OK_AND_ASSIGN(auto store, Open());

  v1::EntryPoint expected;
  expected.set_id("ep-1");
  expected.set_name("Old");
  expected.set_api_key("key-1");
  expected.add_payload_fields("emailAddress");
  LC_ASSERT_OK_AND_ASSIGN(auto tx, store->Begin(TransactionMode::kReadWrite));
  EXPECT_THAT(tx->GetEntryPoint("ep-1"), IsOkAndHolds(EqualsProto(expected)));

  // The new columns take writes, and the template reference is checked.
  v1::EmailTemplate email_template;
  email_template.set_id("tpl-1");
  LC_ASSERT_OK(tx->CreateEmailTemplate(email_template));
  expected.set_opt_in(true);
  expected.set_opt_in_template_id("tpl-1");
  expected.set_opt_in_lifetime_hours(48);
  expected.set_mail_from(absl::StrCat("news", kEmoji, "@example.org"));
  LC_ASSERT_OK(tx->UpdateEntryPoint(expected));
  EXPECT_THAT(tx->GetEntryPoint("ep-1"), IsOkAndHolds(EqualsProto(expected)));
  LC_ASSERT_OK(tx->DeleteEmailTemplate("tpl-1"));
  LC_ASSERT_OK_AND_ASSIGN(v1::EntryPoint cleared, tx->GetEntryPoint("ep-1"));
  EXPECT_EQ(cleared.opt_in_template_id(), "");
}

// -- Lost connections and a stopped server
// -------------------------------------

TEST_F(MySqlStoreTest, KilledConnectionsAreReplacedWithoutRestart) {
  LC_ASSERT_OK_AND_ASSIGN(auto store, Open());
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, store->Begin(TransactionMode::kReadWrite));
    LC_ASSERT_OK(tx->CreateLead(MakeLead("lead-1", "a@example.org")));
    LC_ASSERT_OK(tx->Commit());
  }
  // Three connections: two idle in the pool, one inside a transaction.
  {
    LC_ASSERT_OK_AND_ASSIGN(auto t1, store->Begin(TransactionMode::kReadOnly));
    LC_ASSERT_OK_AND_ASSIGN(auto t2, store->Begin(TransactionMode::kReadOnly));
    LC_ASSERT_OK_AND_ASSIGN(auto t3, store->Begin(TransactionMode::kReadOnly));
  }
  LC_ASSERT_OK_AND_ASSIGN(auto open_tx,
                          store->Begin(TransactionMode::kReadWrite));
  LC_ASSERT_OK(open_tx->GetLead("lead-1").status());

  SqlRows ids = Query(
      absl::StrCat("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '",
                   database_->name(), "' AND ID <> CONNECTION_ID()"));
  ASSERT_THAT(ids, SizeIs(3));
  for (const auto& row : ids) Query(absl::StrCat("KILL CONNECTION ", row[0]));

  // The transaction that lost its connection ends with UNAVAILABLE...
  EXPECT_THAT(open_tx->CreateLead(MakeLead("lead-2", "b@example.org")),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(open_tx->Commit(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  open_tx.reset();
  // ... and the next ones get new connections.
  for (int i = 0; i < 3; ++i) {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, store->Begin(TransactionMode::kReadOnly));
    EXPECT_THAT(tx->GetLead("lead-1"), IsOk());
  }
}

TEST_F(MySqlStoreTest, StoppedServerGivesUnavailableFastAndTheStoreRecovers) {
  LC_ASSERT_OK_AND_ASSIGN(std::unique_ptr<MariaDbServer> server,
                          MariaDbServer::Start());
  LC_ASSERT_OK_AND_ASSIGN(auto store, MySqlStore::Open(server->options()));
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, store->Begin(TransactionMode::kReadWrite));
    LC_ASSERT_OK(tx->CreateLead(MakeLead("lead-1", "a@example.org")));
    LC_ASSERT_OK(tx->Commit());
  }
  LC_ASSERT_OK_AND_ASSIGN(auto in_flight,
                          store->Begin(TransactionMode::kReadWrite));
  LC_ASSERT_OK(in_flight->LockIdentity("b@example.org"));

  LC_ASSERT_OK(server->Stop());

  EXPECT_THAT(in_flight->CreateLead(MakeLead("lead-2", "b@example.org")),
              StatusIs(absl::StatusCode::kUnavailable));
  in_flight.reset();
  for (int i = 0; i < 5; ++i) {
    const absl::Time start = absl::Now();
    absl::Status status = [&]() -> absl::Status {
      LC_ASSIGN_OR_RETURN(auto tx, store->Begin(TransactionMode::kReadWrite));
      return tx->GetLead("lead-1").status();
    }();
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
    EXPECT_LT(absl::Now() - start, absl::Seconds(2)) << status;
  }

  LC_ASSERT_OK(server->Restart());

  // The same store, with no restart of its own.
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx, store->Begin(TransactionMode::kReadWrite));
    EXPECT_THAT(tx->GetLead("lead-1"), IsOk());
    LC_ASSERT_OK(tx->CreateLead(MakeLead("lead-3", "c@example.org")));
    LC_ASSERT_OK(tx->Commit());
  }
  LC_ASSERT_OK_AND_ASSIGN(auto tx, store->Begin(TransactionMode::kReadOnly));
  LC_ASSERT_OK_AND_ASSIGN(auto leads, tx->ListLeads("", PageRequest()));
  EXPECT_THAT(leads.items, SizeIs(2));
}

TEST_F(MySqlStoreTest, UnreachableServerGivesUnavailableOnOpen) {
  MySqlStore::Options options = database_->options();
  LC_ASSERT_OK_AND_ASSIGN(int port, testing::FreeLoopbackPort());
  options.host = absl::StrCat("tcp://127.0.0.1:", port);

  const absl::Time start = absl::Now();
  EXPECT_THAT(MySqlStore::Open(options),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

// -- The database URL and the password
// -------------------------------------------

TEST(ParseMySqlUrlTest, ReadsTcpUrls) {
  LC_ASSERT_OK_AND_ASSIGN(
      MySqlStore::Options options,
      ParseMySqlUrl("mysql://lead%40capture@db.example:3307/leads_1"));
  EXPECT_EQ(options.host, "tcp://db.example:3307");
  EXPECT_EQ(options.user, "lead@capture");
  EXPECT_EQ(options.database, "leads_1");
  EXPECT_EQ(options.password, "");
  EXPECT_EQ(options.max_connections, MySqlStore::Options().max_connections);

  LC_ASSERT_OK_AND_ASSIGN(options,
                          ParseMySqlUrl("mysql://u@127.0.0.1/db?pool_size=32"));
  EXPECT_EQ(options.host, "tcp://127.0.0.1:3306");
  EXPECT_EQ(options.max_connections, 32);

  LC_ASSERT_OK_AND_ASSIGN(options, ParseMySqlUrl("mysql://u@[::1]:3310/db"));
  EXPECT_EQ(options.host, "tcp://[::1]:3310");
}

TEST(ParseMySqlUrlTest, ReadsSocketUrls) {
  LC_ASSERT_OK_AND_ASSIGN(
      MySqlStore::Options options,
      ParseMySqlUrl("mysql://app@localhost/leads?socket=/run/my%20sql.sock"));
  EXPECT_EQ(options.host, "unix:///run/my sql.sock");
  EXPECT_EQ(options.user, "app");
  EXPECT_EQ(options.database, "leads");
}

TEST(ParseMySqlUrlTest, RejectsMalformedUrls) {
  for (const char* url :
       {"mysql://", "mysql://host/db", "mysql://u@host", "mysql://u@host/",
        "mysql://@host/db", "mysql://u@host:0/db", "mysql://u@host:x/db",
        "mysql://u@host:70000/db", "mysql://u@host/a/b",
        "mysql://u@db.example/db?socket=/s", "mysql://u@host/db?pool_size=0",
        "mysql://u@host/db?color=red", "mysql://u@host/db%2",
        "mysql://u@[::1/d", "sqlite:x.db"}) {
    SCOPED_TRACE(url);
    EXPECT_THAT(ParseMySqlUrl(url),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST(ParseMySqlUrlTest, RejectsAPasswordWithoutRepeatingIt) {
  EXPECT_THAT(ParseMySqlUrl("mysql://app:S3cret-Pw@localhost/leads"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("LEADCAPTURE_DB_PASSWORD"),
                             Not(HasSubstr("S3cret-Pw")))));
  EXPECT_THAT(OpenStore("mysql://app:S3cret-Pw@localhost/leads"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Not(HasSubstr("S3cret-Pw"))));
}

// A file holding `content`, removed at destruction.
class TempFile {
 public:
  explicit TempFile(const std::string& content)
      : path_(absl::StrCat(::testing::TempDir(), "password-", getpid())) {
    std::ofstream(path_) << content;
  }
  ~TempFile() {
    std::error_code error;
    std::filesystem::remove(path_, error);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_F(MySqlStoreTest, PasswordFileGivesThePassword) {
  TempFile file(absl::StrCat(database_->options().password, "\n"));
  OpenStoreOptions options;
  options.password_file = file.path();

  LC_ASSERT_OK_AND_ASSIGN(auto store, OpenStore(database_->url(), options));
  EXPECT_THAT(store->Begin(TransactionMode::kReadOnly), IsOk());
}

TEST_F(MySqlStoreTest, WrongPasswordIsUnavailableWithoutRepeatingIt) {
  TempFile file("Wr0ng-Secret\n");
  OpenStoreOptions options;
  options.password_file = file.path();

  EXPECT_THAT(OpenStore(database_->url(), options),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("Access denied"),
                             Not(HasSubstr("Wr0ng-Secret")))));
}

TEST(OpenStoreTest, MissingPasswordFileIsInvalidArgumentNamingIt) {
  OpenStoreOptions options;
  options.password_file = "/nonexistent/leadcapture-password";
  EXPECT_THAT(OpenStore("mysql://app@127.0.0.1:1/leads", options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("/nonexistent/leadcapture-password")));
}

TEST(MySqlSocketTest, ConnectsThroughTheServerSocket) {
  if (testing::MySqlTestsSwitchedOff()) GTEST_SKIP() << kSwitchedOff;
  LC_ASSERT_OK_AND_ASSIGN(std::unique_ptr<MariaDbServer> server,
                          MariaDbServer::Start());
  TempFile file("leadcapture");
  OpenStoreOptions options;
  options.password_file = file.path();

  LC_ASSERT_OK_AND_ASSIGN(
      auto store,
      OpenStore(absl::StrCat("mysql://leadcapture@localhost/leadcapture_test"
                             "?socket=",
                             server->socket_path()),
                options));
  LC_ASSERT_OK_AND_ASSIGN(auto tx, store->Begin(TransactionMode::kReadWrite));
  LC_EXPECT_OK(tx->CreateLead(MakeLead("lead-1", "a@example.org")));
  LC_EXPECT_OK(tx->Commit());
}

}  // namespace
}  // namespace leadcapture::storage
