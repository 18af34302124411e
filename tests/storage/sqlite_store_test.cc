// The SQLite backend: the conformance suite on a file and in memory, plus
// what only SQLite has (the file, WAL, migrations, the connection pool, the
// busy timeout), OpenStore's URLs and the helper functions of store.h.
#include "storage/sqlite_store.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/sqlite_schema.h"
#include "storage/store.h"
#include "tests/storage/store_test_backend.h"
#include "tests/testing/proto_matchers.h"
#include "tests/testing/status_matchers.h"

namespace leadcapture::storage {
namespace {

using ::leadcapture::testing::EqualsProto;
using ::leadcapture::testing::IsOk;
using ::leadcapture::testing::IsOkAndHolds;
using ::leadcapture::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// A new directory, removed with everything in it at destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "storage_test.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }

  std::string File(absl::string_view name) const {
    return absl::StrCat(path_, "/", name);
  }

 private:
  std::string path_;
};

class SqliteFileBackend : public StoreBackend {
 public:
  absl::StatusOr<std::unique_ptr<Store>> Open() override {
    return OpenStore(absl::StrCat("sqlite:", dir_.File("leadcapture.db")));
  }

 private:
  TempDir dir_;
};

class SqliteMemoryBackend : public StoreBackend {
 public:
  absl::StatusOr<std::unique_ptr<Store>> Open() override {
    if (opened_) {
      return absl::UnimplementedError("an in-memory database opens once");
    }
    opened_ = true;
    return OpenStore("sqlite::memory:");
  }

 private:
  bool opened_ = false;
};

INSTANTIATE_TEST_SUITE_P(
    Sqlite, StoreTest,
    ::testing::Values(
        StoreBackendFactory{
            "File", [] { return std::make_unique<SqliteFileBackend>(); }},
        StoreBackendFactory{
            "Memory", [] { return std::make_unique<SqliteMemoryBackend>(); }}),
    StoreBackendName);

// The first column of every row of `sql`, run on a connection of its own.
std::vector<std::string> QueryColumn(const std::string& file, const char* sql) {
  std::vector<std::string> values;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << file;
    sqlite3_close(db);
    return values;
  }
  auto collect = [](void* out, int, char** row, char**) {
    static_cast<std::vector<std::string>*>(out)->push_back(
        row[0] != nullptr ? row[0] : "NULL");
    return 0;
  };
  char* error = nullptr;
  if (sqlite3_exec(db, sql, collect, &values, &error) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << error;
    sqlite3_free(error);
  }
  sqlite3_close(db);
  return values;
}

std::vector<std::string> AllVersions() {
  std::vector<std::string> versions;
  for (size_t i = 1; i <= SqliteMigrations().size(); ++i) {
    versions.push_back(absl::StrCat(i));
  }
  return versions;
}

v1::Team MakeTeam(const std::string& id) {
  v1::Team team;
  team.set_id(id);
  team.set_name(absl::StrCat("Team ", id));
  return team;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  SqliteStore::Options FastOptions() {
    SqliteStore::Options options;
    options.busy_timeout = absl::Milliseconds(100);
    return options;
  }

  TempDir dir_;
  const std::string path_ = dir_.File("leadcapture.db");
};

TEST_F(SqliteStoreTest, OpenCreatesTheFileInWalMode) {
  ASSERT_THAT(SqliteStore::Open(path_), IsOk());

  EXPECT_TRUE(std::filesystem::exists(path_));
  EXPECT_THAT(QueryColumn(path_, "PRAGMA journal_mode"),
              ElementsAreArray({"wal"}));
}

TEST_F(SqliteStoreTest, ReopeningKeepsDataAndAppliesEachMigrationOnce) {
  {
    auto store = SqliteStore::Open(path_);
    ASSERT_THAT(store, IsOk());
    LC_ASSERT_OK_AND_ASSIGN(auto tx,
                            (*store)->Begin(TransactionMode::kReadWrite));
    LC_ASSERT_OK(tx->CreateTeam(MakeTeam("team-1")));
    LC_ASSERT_OK(tx->Commit());
  }
  auto first = SqliteStore::Open(path_);
  ASSERT_THAT(first, IsOk());
  auto second = SqliteStore::Open(path_);
  ASSERT_THAT(second, IsOk());

  EXPECT_THAT(QueryColumn(path_,
                          "SELECT version FROM schema_migrations"
                          " ORDER BY version"),
              ElementsAreArray(AllVersions()));
  LC_ASSERT_OK_AND_ASSIGN(auto tx,
                          (*second)->Begin(TransactionMode::kReadOnly));
  EXPECT_THAT(tx->GetTeam("team-1"), IsOk());
}

TEST_F(SqliteStoreTest, ConcurrentOpensApplyEachMigrationOnce) {
  constexpr int kThreads = 4;
  absl::Notification start;
  std::vector<absl::Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.WaitForNotification();
      results[i] = SqliteStore::Open(path_).status();
    });
  }
  start.Notify();
  for (std::thread& thread : threads) thread.join();

  for (const absl::Status& result : results) EXPECT_THAT(result, IsOk());
  EXPECT_THAT(QueryColumn(path_,
                          "SELECT version FROM schema_migrations"
                          " ORDER BY version"),
              ElementsAreArray(AllVersions()));
}

TEST_F(SqliteStoreTest, MissingDirectoryIsUnavailableNamingThePath) {
  const std::string path = dir_.File("no-such-dir/leadcapture.db");
  EXPECT_THAT(SqliteStore::Open(path),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr(path), HasSubstr("does not exist"))));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("no-such-dir")));
}

TEST_F(SqliteStoreTest, FileThatIsNoDatabaseIsUnavailableNamingThePath) {
  {
    std::ofstream file(path_);
    file << "this is not an SQLite database, just some text that is long"
            " enough to hold a header page of its own........................";
  }
  EXPECT_THAT(SqliteStore::Open(path_),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr(path_)));
}

TEST_F(SqliteStoreTest, WriterLockedPastBusyTimeoutIsUnavailable) {
  auto store = SqliteStore::Open(path_, FastOptions());
  ASSERT_THAT(store, IsOk());

  // Another process holds the write lock.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr),
            SQLITE_OK);

  EXPECT_THAT((*store)->Begin(TransactionMode::kReadWrite),
              StatusIs(absl::StatusCode::kUnavailable));
  {
    // Readers are not held up.
    LC_ASSERT_OK_AND_ASSIGN(auto tx,
                            (*store)->Begin(TransactionMode::kReadOnly));
    EXPECT_THAT(tx->ListTeams(PageRequest()), IsOk());
  }

  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  LC_ASSERT_OK_AND_ASSIGN(auto tx,
                          (*store)->Begin(TransactionMode::kReadWrite));
  LC_EXPECT_OK(tx->CreateTeam(MakeTeam("team-1")));
  LC_EXPECT_OK(tx->Commit());
}

TEST_F(SqliteStoreTest, WriteTurnIsHeldUntilTheTransactionEnds) {
  auto store = SqliteStore::Open(path_, FastOptions());
  ASSERT_THAT(store, IsOk());
  LC_ASSERT_OK_AND_ASSIGN(auto writer,
                          (*store)->Begin(TransactionMode::kReadWrite));

  EXPECT_THAT((*store)->Begin(TransactionMode::kReadWrite),
              StatusIs(absl::StatusCode::kUnavailable));

  LC_ASSERT_OK(writer->Commit());
  EXPECT_THAT((*store)->Begin(TransactionMode::kReadWrite), IsOk());
}

TEST_F(SqliteStoreTest, ReadersRunTogetherAndAlongsideAWriter) {
  auto store = SqliteStore::Open(path_);
  ASSERT_THAT(store, IsOk());
  std::vector<std::unique_ptr<Transaction>> readers;
  for (int i = 0; i < 4; ++i) {
    LC_ASSERT_OK_AND_ASSIGN(auto tx,
                            (*store)->Begin(TransactionMode::kReadOnly));
    EXPECT_THAT(tx->GetTeam("team-1"), StatusIs(absl::StatusCode::kNotFound));
    readers.push_back(std::move(tx));
  }

  LC_ASSERT_OK_AND_ASSIGN(auto writer,
                          (*store)->Begin(TransactionMode::kReadWrite));
  LC_ASSERT_OK(writer->CreateTeam(MakeTeam("team-1")));
  LC_ASSERT_OK(writer->Commit());

  // Each open reader keeps the snapshot it started with.
  for (auto& reader : readers) {
    EXPECT_THAT(reader->GetTeam("team-1"),
                StatusIs(absl::StatusCode::kNotFound));
  }
  readers.clear();
  LC_ASSERT_OK_AND_ASSIGN(auto tx, (*store)->Begin(TransactionMode::kReadOnly));
  EXPECT_THAT(tx->GetTeam("team-1"), IsOk());
}

TEST_F(SqliteStoreTest, BeginWaitsForAFreeConnection) {
  SqliteStore::Options options = FastOptions();
  options.max_connections = 1;
  auto store = SqliteStore::Open(path_, options);
  ASSERT_THAT(store, IsOk());
  LC_ASSERT_OK_AND_ASSIGN(auto held,
                          (*store)->Begin(TransactionMode::kReadOnly));

  EXPECT_THAT((*store)->Begin(TransactionMode::kReadOnly),
              StatusIs(absl::StatusCode::kUnavailable));

  held.reset();
  EXPECT_THAT((*store)->Begin(TransactionMode::kReadOnly), IsOk());
}

TEST_F(SqliteStoreTest, TransactionMayOutliveTheStore) {
  auto store = SqliteStore::Open(path_);
  ASSERT_THAT(store, IsOk());
  LC_ASSERT_OK_AND_ASSIGN(auto tx,
                          (*store)->Begin(TransactionMode::kReadWrite));
  store->reset();

  LC_ASSERT_OK(tx->CreateTeam(MakeTeam("team-1")));
  LC_ASSERT_OK(tx->Commit());
  tx.reset();

  auto reopened = SqliteStore::Open(path_);
  ASSERT_THAT(reopened, IsOk());
  LC_ASSERT_OK_AND_ASSIGN(tx, (*reopened)->Begin(TransactionMode::kReadOnly));
  EXPECT_THAT(tx->GetTeam("team-1"), IsOk());
}

TEST_F(SqliteStoreTest, InMemoryStoresAreSeparate) {
  auto first = SqliteStore::OpenInMemory();
  ASSERT_THAT(first, IsOk());
  auto second = SqliteStore::OpenInMemory();
  ASSERT_THAT(second, IsOk());
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx,
                            (*first)->Begin(TransactionMode::kReadWrite));
    LC_ASSERT_OK(tx->CreateTeam(MakeTeam("team-1")));
    LC_ASSERT_OK(tx->Commit());
  }

  LC_ASSERT_OK_AND_ASSIGN(auto tx,
                          (*second)->Begin(TransactionMode::kReadOnly));
  EXPECT_THAT(tx->GetTeam("team-1"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(SqliteStoreTest, MigrationTwoGivesOlderEntryPointsOptInDefaults) {
  // A database left at schema version 1, with one entry point.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    const std::string script = absl::StrCat(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
        " applied_at INTEGER NOT NULL);",
        SqliteMigrations()[0],
        "INSERT INTO schema_migrations VALUES (1, 0);"
        "INSERT INTO entry_points (id, name, api_key, payload_fields,"
        " required_fields, target_team_id, campaign_id, lead_source,"
        " phone_country, allowed_origins) VALUES ('ep-1', 'Old', 'key-1',"
        " '[\"emailAddress\"]', '[]', '', '', '', '', '[]');");
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, script.c_str(), nullptr, nullptr, &error),
              SQLITE_OK)
        << error;
    sqlite3_free(error);
    sqlite3_close(db);
  }

  auto store = SqliteStore::Open(path_);
  ASSERT_THAT(store, IsOk());

  EXPECT_THAT(QueryColumn(path_,
                          "SELECT version FROM schema_migrations"
                          " ORDER BY version"),
              ElementsAreArray(AllVersions()));
  v1::EntryPoint expected;
  expected.set_id("ep-1");
  expected.set_name("Old");
  expected.set_api_key("key-1");
  expected.add_payload_fields("emailAddress");
  LC_ASSERT_OK_AND_ASSIGN(auto tx,
                          (*store)->Begin(TransactionMode::kReadWrite));
  EXPECT_THAT(tx->GetEntryPoint("ep-1"), IsOkAndHolds(EqualsProto(expected)));

  // The new columns take writes.
  v1::EmailTemplate email_template;
  email_template.set_id("tpl-1");
  LC_ASSERT_OK(tx->CreateEmailTemplate(email_template));
  expected.set_opt_in(true);
  expected.set_opt_in_template_id("tpl-1");
  expected.set_opt_in_lifetime_hours(48);
  LC_ASSERT_OK(tx->UpdateEntryPoint(expected));
  EXPECT_THAT(tx->GetEntryPoint("ep-1"), IsOkAndHolds(EqualsProto(expected)));
}

TEST_F(SqliteStoreTest, OutboxContentIsErasedOnceSentOrFailedForGood) {
  auto store = SqliteStore::Open(path_);
  ASSERT_THAT(store, IsOk());
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx,
                            (*store)->Begin(TransactionMode::kReadWrite));
    for (const char* id : {"sent", "retried", "failed"}) {
      v1::OutboxMessage message;
      message.set_id(id);
      message.set_kind("mail");
      message.set_status(v1::QUEUED);
      LC_ASSERT_OK(tx->EnqueueOutboxMessage(message, "Subject: x\r\n\r\nx"));
    }
    LC_ASSERT_OK(tx->MarkOutboxMessageSent("sent", absl::UnixEpoch()));
    LC_ASSERT_OK(tx->MarkOutboxMessageFailed("retried", "421",
                                             absl::UnixEpoch(), false));
    LC_ASSERT_OK(
        tx->MarkOutboxMessageFailed("failed", "550", absl::UnixEpoch(), true));
    LC_ASSERT_OK(tx->Commit());
  }

  EXPECT_THAT(QueryColumn(path_,
                          "SELECT id || ' ' || length(content)"
                          " FROM outbox_messages ORDER BY seq"),
              ElementsAreArray({"sent 0", "retried 15", "failed 0"}));
}

// -- OpenStore --------------------------------------------------------------

TEST(OpenStoreTest, MemoryUrlKeepsOneDatabaseAcrossTransactions) {
  auto store = OpenStore("sqlite::memory:");
  ASSERT_THAT(store, IsOk());
  {
    LC_ASSERT_OK_AND_ASSIGN(auto tx,
                            (*store)->Begin(TransactionMode::kReadWrite));
    LC_ASSERT_OK(tx->CreateTeam(MakeTeam("team-1")));
    LC_ASSERT_OK(tx->Commit());
  }
  for (int i = 0; i < 3; ++i) {
    LC_ASSERT_OK_AND_ASSIGN(auto tx,
                            (*store)->Begin(TransactionMode::kReadOnly));
    EXPECT_THAT(tx->GetTeam("team-1"), IsOk());
  }
}

TEST(OpenStoreTest, FileUrlCreatesTheFile) {
  TempDir dir;
  const std::string path = dir.File("new.db");
  EXPECT_THAT(OpenStore(absl::StrCat("sqlite:", path)), IsOk());
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(OpenStoreTest, UnknownUrlIsInvalidArgumentNamingTheAcceptedForms) {
  for (const char* url : {"postgres://user:secret@db.example/leads", "",
                          "leadcapture.db", "SQLITE:x.db"}) {
    SCOPED_TRACE(url);
    EXPECT_THAT(OpenStore(url), StatusIs(absl::StatusCode::kInvalidArgument,
                                         AllOf(HasSubstr("sqlite:PATH"),
                                               HasSubstr("sqlite::memory:"),
                                               Not(HasSubstr("secret")))));
  }
}

TEST(OpenStoreTest, EmptySqlitePathIsInvalidArgument) {
  EXPECT_THAT(OpenStore("sqlite:"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(OpenStoreTest, MissingDirectoryIsUnavailable) {
  TempDir dir;
  const std::string path = dir.File("missing/leadcapture.db");
  EXPECT_THAT(OpenStore(absl::StrCat("sqlite:", path)),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr(path)));
}

// -- Helpers of store.h -----------------------------------------------------

TEST(StoreKeyTest, EmailKeyLowercasesAsciiLettersOnly) {
  EXPECT_EQ(EmailKey("Ann.Lee+News@Example.COM"), "ann.lee+news@example.com");
  // A-umlaut (C3 84) keeps its bytes; only the ASCII letters change.
  EXPECT_EQ(EmailKey("\xC3\x84"
                     "BC@X.DE"),
            "\xC3\x84"
            "bc@x.de");
  // Capital dotted I (C4 B0) and Kelvin sign (E2 84 AA) are not ASCII.
  EXPECT_EQ(EmailKey("\xC4\xB0\xE2\x84\xAA@A"), "\xC4\xB0\xE2\x84\xAA@a");
  // The bytes around the letters are kept.
  EXPECT_EQ(EmailKey("@[\\]^_`{|}~ 09AZaz"), "@[\\]^_`{|}~ 09azaz");
  EXPECT_EQ(EmailKey(""), "");
}

TEST(StoreKeyTest, MemberTypeNames) {
  EXPECT_EQ(MemberTypeName(MemberType::kLead), "lead");
  EXPECT_EQ(MemberTypeName(MemberType::kContact), "contact");
}

}  // namespace
}  // namespace leadcapture::storage
