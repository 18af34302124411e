#include "storage/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/util/status_macros.h"
#include "storage/record_columns.h"
#include "storage/sqlite_schema.h"

namespace leadcapture::storage {
namespace sqlite_internal {
namespace {

using ::google::protobuf::Timestamp;

// Maps an SQLite result code (extended codes are on) to the store's error
// codes; see store.h.
absl::Status SqliteStatus(int rc, absl::string_view message) {
  std::string text = absl::StrCat("sqlite: ", message);
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return absl::AlreadyExistsError(text);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return absl::FailedPreconditionError(text);
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
      return absl::UnavailableError(text);
  }
  return absl::InternalError(text);
}

absl::Status SqliteError(sqlite3* db, int rc) {
  return SqliteStatus(rc,
                      db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

}  // namespace

// One SQLite connection with its cache of prepared statements. Used by one
// thread at a time.
class Connection {
 public:
  ~Connection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  // Opens `filename` (":memory:" for a private in-memory database) and sets
  // it up. UNAVAILABLE, naming the file, when that fails.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const std::string& filename, bool in_memory,
      absl::Duration busy_timeout) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(
        filename.c_str(), &db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
        nullptr);
    auto connection = std::unique_ptr<Connection>(new Connection(db));
    if (rc != SQLITE_OK) {
      return absl::UnavailableError(
          absl::StrCat("cannot open database file ", filename, ": ",
                       db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
                       MissingDirectoryNote(filename)));
    }
    absl::Status status = connection->Configure(in_memory, busy_timeout);
    if (!status.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "cannot open database file ", filename, ": ", status.message()));
    }
    return connection;
  }

  sqlite3* db() const { return db_; }

  // A prepared statement for `sql`, from the cache when it is free; a new
  // one (owned by the caller, *owned set) when the cached one is in use.
  absl::StatusOr<sqlite3_stmt*> Prepare(const std::string& sql, bool* owned) {
    *owned = false;
    auto it = statements_.find(sql);
    if (it != statements_.end() && !sqlite3_stmt_busy(it->second)) {
      return it->second;
    }
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return SqliteError(db_, rc);
    }
    if (it == statements_.end()) {
      statements_.emplace(sql, stmt);
    } else {
      *owned = true;
    }
    return stmt;
  }

  // Runs fixed SQL that binds no values (pragmas, BEGIN, COMMIT, DDL).
  absl::Status Exec(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc);
    return absl::OkStatus();
  }

  // Whether the connection is inside a transaction.
  bool InTransaction() const { return !sqlite3_get_autocommit(db_); }

  // Makes the connection refuse writes (or accept them again).
  absl::Status SetQueryOnly(bool query_only) {
    if (query_only == query_only_) return absl::OkStatus();
    LC_RETURN_IF_ERROR(Exec(query_only ? "PRAGMA query_only = ON"
                                       : "PRAGMA query_only = OFF"));
    query_only_ = query_only;
    return absl::OkStatus();
  }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  // For a file that cannot be opened: says so when its directory is
  // missing, the usual cause.
  static std::string MissingDirectoryNote(const std::string& filename) {
    std::filesystem::path parent =
        std::filesystem::path(filename).parent_path();
    if (parent.empty()) return "";
    std::error_code error;
    if (std::filesystem::is_directory(parent, error)) return "";
    return absl::StrCat(" (directory ", parent.string(), " does not exist)");
  }

  absl::Status Configure(bool in_memory, absl::Duration busy_timeout) {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(
        db_, static_cast<int>(absl::ToInt64Milliseconds(busy_timeout)));
    LC_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys = ON"));
    if (sqlite3_db_readonly(db_, "main") == 1) {
      return absl::UnavailableError("the database file is read-only");
    }
    if (in_memory) return absl::OkStatus();

    // WAL lets readers go on while one writer works. In WAL mode
    // synchronous=NORMAL survives a crash of the process (the OS has every
    // committed page); only a power loss or OS crash may undo the last
    // commits, never corrupt the file.
    LC_RETURN_IF_ERROR(Exec("PRAGMA journal_mode = WAL"));
    return Exec("PRAGMA synchronous = NORMAL");
  }

  sqlite3* db_;
  bool query_only_ = false;
  absl::flat_hash_map<std::string, sqlite3_stmt*> statements_;
};

// The connections of one database, and this process's turn to write.
// Thread-safe.
class ConnectionPool {
 public:
  ConnectionPool(std::string filename, bool in_memory,
                 SqliteStore::Options options)
      : filename_(std::move(filename)),
        in_memory_(in_memory),
        options_(options) {
    if (in_memory_ || options_.max_connections < 1) {
      options_.max_connections = 1;
    }
  }

  const SqliteStore::Options& options() const { return options_; }

  // Opens the first connection and brings the schema up to date.
  absl::Status Start() {
    LC_ASSIGN_OR_RETURN(
        std::unique_ptr<Connection> connection,
        Connection::Open(filename_, in_memory_, options_.busy_timeout));
    {
      absl::MutexLock lock(&mu_);
      ++open_;
    }
    absl::Status status = Migrate(*connection);
    Release(std::move(connection));
    return status;
  }

  // An idle connection, or a new one while fewer than max_connections are
  // open; waits up to the busy timeout for one to come back.
  absl::StatusOr<std::unique_ptr<Connection>> Acquire() {
    {
      absl::MutexLock lock(&mu_);
      if (!mu_.AwaitWithTimeout(
              absl::Condition(this, &ConnectionPool::CanTakeConnection),
              options_.busy_timeout)) {
        return absl::UnavailableError(
            absl::StrCat("no database connection became free within ",
                         absl::FormatDuration(options_.busy_timeout)));
      }
      if (!idle_.empty()) {
        std::unique_ptr<Connection> connection = std::move(idle_.back());
        idle_.pop_back();
        return connection;
      }
      ++open_;
    }

    auto connection =
        Connection::Open(filename_, in_memory_, options_.busy_timeout);
    if (!connection.ok()) {
      absl::MutexLock lock(&mu_);
      --open_;
    }
    return connection;
  }

  // Takes back a connection. One still inside a transaction (its rollback
  // failed) is closed instead of reused, except the only connection of an
  // in-memory database, which holds the data.
  void Release(std::unique_ptr<Connection> connection) {
    absl::MutexLock lock(&mu_);
    if (connection->InTransaction() && !in_memory_) {
      --open_;
      return;
    }
    idle_.push_back(std::move(connection));
  }

  // Waits (up to the busy timeout) until no other transaction of this
  // process writes, and takes the turn.
  absl::Status AcquireWriteTurn() {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(absl::Condition(this, &ConnectionPool::CanWrite),
                              options_.busy_timeout)) {
      return absl::UnavailableError(
          absl::StrCat("the database stayed busy with another write for ",
                       absl::FormatDuration(options_.busy_timeout)));
    }
    writing_ = true;
    return absl::OkStatus();
  }

  void ReleaseWriteTurn() {
    absl::MutexLock lock(&mu_);
    writing_ = false;
  }

 private:
  // Applies each missing migration in its own write transaction. The
  // version is checked again inside it, so that when several processes open
  // one file at once each migration runs exactly once.
  absl::Status Migrate(Connection& connection) {
    LC_RETURN_IF_ERROR(InWriteTransaction(connection, [&]() {
      return connection.Exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version INTEGER PRIMARY KEY,"
          " applied_at INTEGER NOT NULL)");
    }));
    absl::Span<const char* const> migrations = SqliteMigrations();
    for (size_t i = 0; i < migrations.size(); ++i) {
      const int64_t version = static_cast<int64_t>(i) + 1;
      absl::Status status = InWriteTransaction(connection, [&]() {
        return ApplyMigration(connection, version, migrations[i]);
      });
      if (!status.ok()) {
        return absl::Status(
            status.code(),
            absl::StrCat("schema migration ", version, " of database ",
                         filename_, ": ", status.message()));
      }
    }
    return absl::OkStatus();
  }

  bool CanTakeConnection() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || open_ < options_.max_connections;
  }
  bool CanWrite() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !writing_; }

  template <typename Fn>
  static absl::Status InWriteTransaction(Connection& connection, Fn fn) {
    LC_RETURN_IF_ERROR(connection.Exec("BEGIN IMMEDIATE"));
    absl::Status status = fn();
    if (status.ok()) status = connection.Exec("COMMIT");
    if (!status.ok() && connection.InTransaction()) {
      connection.Exec("ROLLBACK").IgnoreError();
    }
    return status;
  }

  static absl::Status ApplyMigration(Connection& connection, int64_t version,
                                     const char* script);

  const std::string filename_;
  const bool in_memory_;
  SqliteStore::Options options_;

  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  // Connections open, idle or lent out.
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  // Whether a kReadWrite transaction of this process is running.
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
};

namespace {

// A prepared statement in use: binds parameters in order, steps, reads
// columns. Resets the statement (clearing its bindings) when destroyed.
class Statement : public ColumnBinder, public ColumnReader {
 public:
  static absl::StatusOr<Statement> Prepare(Connection& connection,
                                           const std::string& sql) {
    bool owned = false;
    LC_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, connection.Prepare(sql, &owned));
    return Statement(connection.db(), stmt, owned);
  }

  Statement(Statement&& other) noexcept
      : db_(other.db_),
        stmt_(std::exchange(other.stmt_, nullptr)),
        owned_(other.owned_),
        next_param_(other.next_param_),
        bind_status_(std::move(other.bind_status_)) {}
  Statement& operator=(Statement&&) = delete;

  ~Statement() {
    if (stmt_ == nullptr) return;
    if (owned_) {
      sqlite3_finalize(stmt_);
    } else {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }

  // Binders; each binds the next `?`.
  Statement& Text(absl::string_view value) override {
    // A null data pointer would bind NULL; an empty string is "".
    const char* data = value.data() != nullptr ? value.data() : "";
    return Check(sqlite3_bind_text64(stmt_, next_param_++, data, value.size(),
                                     SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  // "" binds NULL, for optional references.
  Statement& TextOrNull(absl::string_view value) override {
    if (value.empty()) return Null();
    return Text(value);
  }
  // Bytes, not text: compared byte for byte, never read as UTF-8.
  Statement& Blob(absl::string_view value) {
    // A null data pointer would bind NULL; an empty value is X''.
    const char* data = value.data() != nullptr ? value.data() : "";
    return Check(sqlite3_bind_blob64(stmt_, next_param_++, data, value.size(),
                                     SQLITE_TRANSIENT));
  }
  Statement& Int(int64_t value) override {
    return Check(sqlite3_bind_int64(stmt_, next_param_++, value));
  }
  Statement& Bool(bool value) override { return Int(value ? 1 : 0); }
  Statement& Null() { return Check(sqlite3_bind_null(stmt_, next_param_++)); }
  Statement& OptBool(std::optional<bool> value) override {
    if (!value.has_value()) return Null();
    return Bool(*value);
  }
  // Binds NULL for an unset time (nullptr).
  Statement& Time(const Timestamp* time) override {
    if (time == nullptr) return Null();
    if (time->seconds() < kMinTimestampSeconds ||
        time->seconds() > kMaxTimestampSeconds || time->nanos() < 0 ||
        time->nanos() > 999999999) {
      if (bind_status_.ok()) {
        bind_status_ = absl::InvalidArgumentError("a time is out of range");
      }
      ++next_param_;
      return *this;
    }
    return Int(ToMicros(*time));
  }
  Statement& Time(absl::Time time) { return Int(absl::ToUnixMicros(time)); }

  // Steps once: true when a row is ready to read.
  absl::StatusOr<bool> Step() {
    LC_RETURN_IF_ERROR(bind_status_);
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
      column_ = 0;
      return true;
    }
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, rc);
  }

  // Runs a statement that returns no rows.
  absl::Status Run() {
    LC_ASSIGN_OR_RETURN(bool row, Step());
    (void)row;
    return absl::OkStatus();
  }

  // Rows changed by the last Run() on this connection.
  int64_t Changes() const { return sqlite3_changes64(db_); }

  // Column readers; each reads the next column of the current row.
  bool NextIsNull() const override {
    return sqlite3_column_type(stmt_, column_) == SQLITE_NULL;
  }
  void Skip() override { ++column_; }
  // The first column of the current row (seq in every list query).
  int64_t PeekSeq() const { return sqlite3_column_int64(stmt_, 0); }
  int64_t ReadInt() override {
    return sqlite3_column_int64(stmt_, column_++);
  }
  std::string ReadText() override {
    const unsigned char* data = sqlite3_column_text(stmt_, column_);
    int size = sqlite3_column_bytes(stmt_, column_);
    ++column_;
    if (data == nullptr) return "";
    return std::string(reinterpret_cast<const char*>(data), size);
  }
  std::string ReadBlob() {
    const void* data = sqlite3_column_blob(stmt_, column_);
    int size = sqlite3_column_bytes(stmt_, column_);
    ++column_;
    if (data == nullptr) return "";
    return std::string(static_cast<const char*>(data), size);
  }

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool owned)
      : db_(db), stmt_(stmt), owned_(owned) {}

  Statement& Check(int rc) {
    if (rc != SQLITE_OK && bind_status_.ok()) {
      bind_status_ = SqliteError(db_, rc);
    }
    return *this;
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool owned_;
  int next_param_ = 1;
  int column_ = 0;
  absl::Status bind_status_;
};

}  // namespace

absl::Status ConnectionPool::ApplyMigration(Connection& connection,
                                            int64_t version,
                                            const char* script) {
  LC_ASSIGN_OR_RETURN(
      Statement check,
      Statement::Prepare(connection,
                         "SELECT 1 FROM schema_migrations WHERE version = ?"));
  check.Int(version);
  LC_ASSIGN_OR_RETURN(bool applied, check.Step());
  if (applied) return absl::OkStatus();

  LC_RETURN_IF_ERROR(connection.Exec(script));
  LC_ASSIGN_OR_RETURN(
      Statement record,
      Statement::Prepare(connection,
                         "INSERT INTO schema_migrations (version, applied_at)"
                         " VALUES (?, ?)"));
  return record.Int(version).Time(absl::Now()).Run();
}

namespace {

// Gives a store error a message that names the record, keeping its code.
absl::Status Describe(absl::Status status, absl::string_view already_exists,
                      absl::string_view missing_reference) {
  if (absl::IsAlreadyExists(status)) {
    return absl::AlreadyExistsError(already_exists);
  }
  if (absl::IsFailedPrecondition(status) && !missing_reference.empty()) {
    return absl::FailedPreconditionError(missing_reference);
  }
  return status;
}

absl::Status NotFound(absl::string_view kind, absl::string_view id) {
  return absl::NotFoundError(absl::StrCat(kind, " ", id, " not found"));
}

class SqliteTransaction : public Transaction {
 public:
  explicit SqliteTransaction(std::shared_ptr<ConnectionPool> pool)
      : pool_(std::move(pool)) {}

  ~SqliteTransaction() override { End(); }

  // Takes this process's write turn (kReadWrite), a connection, and opens
  // the SQLite transaction.
  absl::Status Start(TransactionMode mode) {
    const bool writes = mode == TransactionMode::kReadWrite;
    if (writes) {
      LC_RETURN_IF_ERROR(pool_->AcquireWriteTurn());
      has_write_turn_ = true;
    }
    LC_ASSIGN_OR_RETURN(connection_, pool_->Acquire());
    LC_RETURN_IF_ERROR(connection_->SetQueryOnly(!writes));
    return connection_->Exec(writes ? "BEGIN IMMEDIATE" : "BEGIN");
  }

  absl::Status Commit() override {
    LC_RETURN_IF_ERROR(CheckOpen());
    absl::Status status = connection_->Exec("COMMIT");
    End();
    return status;
  }

  absl::Status LockIdentity(absl::string_view /*identity*/) override {
    // Writers are serialised already (BEGIN IMMEDIATE).
    return CheckOpen();
  }

  // Entry points.

  absl::Status CreateEntryPoint(const v1::EntryPoint& entry_point) override {
    LC_RETURN_IF_ERROR(CheckEmailTemplateReference(entry_point));
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(EntryPointSql().insert));
    s.Text(entry_point.id());
    LC_RETURN_IF_ERROR(BindEntryPoint(entry_point, s));
    return DescribeEntryPointError(s.Run(), entry_point);
  }

  absl::StatusOr<v1::EntryPoint> GetEntryPoint(absl::string_view id) override {
    return GetById<v1::EntryPoint>(EntryPointSql(), "entry point", id,
                                   ReadEntryPoint);
  }

  absl::StatusOr<std::optional<v1::EntryPoint>> FindEntryPointByApiKey(
      absl::string_view api_key) override {
    LC_ASSIGN_OR_RETURN(Statement s,
                        Prepare(EntryPointSql().select + "WHERE api_key = ?"));
    s.Text(api_key);
    return ReadOne<v1::EntryPoint>(s, ReadEntryPoint);
  }

  absl::StatusOr<Page<v1::EntryPoint>> ListEntryPoints(
      const PageRequest& page) override {
    return ListAll<v1::EntryPoint>(EntryPointSql(), page, ReadEntryPoint);
  }

  absl::Status UpdateEntryPoint(const v1::EntryPoint& entry_point) override {
    LC_RETURN_IF_ERROR(CheckEmailTemplateReference(entry_point));
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(EntryPointSql().update));
    LC_RETURN_IF_ERROR(BindEntryPoint(entry_point, s));
    s.Text(entry_point.id());
    LC_RETURN_IF_ERROR(DescribeEntryPointError(s.Run(), entry_point));
    if (s.Changes() == 0) return NotFound("entry point", entry_point.id());
    return absl::OkStatus();
  }

  absl::Status DeleteEntryPoint(absl::string_view id) override {
    return DeleteById("entry_points", "entry point", id);
  }

  // Target lists.

  absl::Status CreateTargetList(const v1::TargetList& target_list) override {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(TargetListSql().insert));
    s.Text(target_list.id())
        .Text(target_list.name())
        .Text(target_list.description())
        .Time(
            TimeOrNull(target_list.has_created_at(), target_list.created_at()))
        .Time(TimeOrNull(target_list.has_modified_at(),
                         target_list.modified_at()));
    return Describe(s.Run(), AlreadyExists("target list", target_list.id()),
                    "");
  }

  absl::StatusOr<v1::TargetList> GetTargetList(absl::string_view id) override {
    return GetById<v1::TargetList>(TargetListSql(), "target list", id,
                                   ReadTargetList);
  }

  absl::StatusOr<Page<v1::TargetList>> ListTargetLists(
      const PageRequest& page) override {
    return ListAll<v1::TargetList>(TargetListSql(), page, ReadTargetList);
  }

  absl::Status DeleteTargetList(absl::string_view id) override {
    // The foreign keys delete the memberships and clear entry points'
    // target_list_id.
    return DeleteById("target_lists", "target list", id);
  }

  // Memberships.

  absl::StatusOr<std::optional<Membership>> GetMembership(
      absl::string_view target_list_id, MemberType type,
      absl::string_view member_id) override {
    LC_ASSIGN_OR_RETURN(Statement s,
                        Prepare("SELECT opted_out FROM target_list_members"
                                " WHERE target_list_id = ? AND member_type = ?"
                                " AND member_id = ?"));
    s.Text(target_list_id).Text(MemberTypeName(type)).Text(member_id);
    LC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<Membership>();
    Membership membership;
    membership.opted_out = s.ReadBool();
    return std::optional<Membership>(membership);
  }

  absl::Status PutMembership(absl::string_view target_list_id, MemberType type,
                             absl::string_view member_id, bool opted_out,
                             absl::Time now) override {
    LC_RETURN_IF_ERROR(
        CheckMembershipReferences(target_list_id, type, member_id));

    // Update first, so that an existing row keeps its seq (its place in
    // the list) and created_at.
    {
      LC_ASSIGN_OR_RETURN(
          Statement s, Prepare("UPDATE target_list_members SET opted_out = ?,"
                               " modified_at = ? WHERE target_list_id = ?"
                               " AND member_type = ? AND member_id = ?"));
      s.Bool(opted_out).Time(now).Text(target_list_id);
      s.Text(MemberTypeName(type)).Text(member_id);
      LC_RETURN_IF_ERROR(s.Run());
      if (s.Changes() > 0) return absl::OkStatus();
    }
    LC_ASSIGN_OR_RETURN(
        Statement s, Prepare("INSERT INTO target_list_members (target_list_id,"
                             " member_type, member_id, opted_out, created_at,"
                             " modified_at) VALUES (?, ?, ?, ?, ?, ?)"));
    s.Text(target_list_id).Text(MemberTypeName(type)).Text(member_id);
    s.Bool(opted_out).Time(now).Time(now);
    return s.Run();
  }

  absl::Status DeleteMembership(absl::string_view target_list_id,
                                MemberType type,
                                absl::string_view member_id) override {
    LC_ASSIGN_OR_RETURN(
        Statement s,
        Prepare("DELETE FROM target_list_members WHERE target_list_id = ?"
                " AND member_type = ? AND member_id = ?"));
    s.Text(target_list_id).Text(MemberTypeName(type)).Text(member_id);
    LC_RETURN_IF_ERROR(s.Run());
    if (s.Changes() == 0) {
      return absl::NotFoundError(
          absl::StrCat(MemberTypeName(type), " ", member_id,
                       " is not a member of target list ", target_list_id));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Page<v1::TargetListMember>> ListMembers(
      absl::string_view target_list_id, const PageRequest& page) override {
    LC_ASSIGN_OR_RETURN(bool exists, Exists("target_lists", target_list_id));
    if (!exists) return NotFound("target list", target_list_id);
    LC_ASSIGN_OR_RETURN(
        Statement s,
        Prepare("SELECT m.seq, m.member_type, m.member_id, m.opted_out,"
                " m.created_at, m.modified_at,"
                " COALESCE(l.email_address, c.email_address, ''),"
                " COALESCE(l.first_name, c.first_name, ''),"
                " COALESCE(l.last_name, c.last_name, '')"
                " FROM target_list_members m"
                " LEFT JOIN leads l"
                "   ON m.member_type = 'lead' AND l.id = m.member_id"
                " LEFT JOIN contacts c"
                "   ON m.member_type = 'contact' AND c.id = m.member_id"
                " WHERE m.target_list_id = ? AND m.seq > ?"
                " ORDER BY m.seq LIMIT ?"));
    s.Text(target_list_id);
    return ReadPage<v1::TargetListMember>(s, page, ReadMember);
  }

  // Teams.

  absl::Status CreateTeam(const v1::Team& team) override {
    return CreateNamed(TeamSql(), "team", team);
  }

  absl::StatusOr<v1::Team> GetTeam(absl::string_view id) override {
    return GetById<v1::Team>(TeamSql(), "team", id, ReadNamed<v1::Team>);
  }

  absl::StatusOr<Page<v1::Team>> ListTeams(const PageRequest& page) override {
    return ListAll<v1::Team>(TeamSql(), page, ReadNamed<v1::Team>);
  }

  // Campaigns.

  absl::Status CreateCampaign(const v1::Campaign& campaign) override {
    return CreateNamed(CampaignSql(), "campaign", campaign);
  }

  absl::StatusOr<v1::Campaign> GetCampaign(absl::string_view id) override {
    return GetById<v1::Campaign>(CampaignSql(), "campaign", id,
                                 ReadNamed<v1::Campaign>);
  }

  absl::StatusOr<Page<v1::Campaign>> ListCampaigns(
      const PageRequest& page) override {
    return ListAll<v1::Campaign>(CampaignSql(), page, ReadNamed<v1::Campaign>);
  }

  absl::Status AddCampaignLogEntry(const v1::CampaignLogEntry& entry) override {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(CampaignLogEntrySql().insert));
    s.Text(entry.id())
        .Text(entry.campaign_id())
        .Text(entry.action())
        .Text(entry.parent_type())
        .Text(entry.parent_id())
        .Text(entry.data())
        .Time(TimeOrNull(entry.has_created_at(), entry.created_at()));
    return Describe(
        s.Run(), AlreadyExists("campaign log entry", entry.id()),
        absl::StrCat("campaign ", entry.campaign_id(), " not found"));
  }

  absl::StatusOr<Page<v1::CampaignLogEntry>> ListCampaignLogEntries(
      absl::string_view campaign_id, const PageRequest& page) override {
    LC_ASSIGN_OR_RETURN(bool exists, Exists("campaigns", campaign_id));
    if (!exists) return NotFound("campaign", campaign_id);
    return ListFiltered<v1::CampaignLogEntry>(CampaignLogEntrySql(),
                                              "campaign_id", campaign_id, page,
                                              ReadCampaignLogEntry);
  }

  // Contacts.

  absl::Status CreateContact(const v1::Contact& contact) override {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(ContactSql().insert));
    s.Text(contact.id())
        .Text(contact.salutation_name())
        .Text(contact.first_name())
        .Text(contact.last_name())
        .Text(contact.email_address())
        .Text(EmailKey(contact.email_address()))
        .Text(contact.phone_number())
        .Time(TimeOrNull(contact.has_created_at(), contact.created_at()))
        .Time(TimeOrNull(contact.has_modified_at(), contact.modified_at()));
    return Describe(s.Run(), AlreadyExists("contact", contact.id()), "");
  }

  absl::StatusOr<v1::Contact> GetContact(absl::string_view id) override {
    return GetById<v1::Contact>(ContactSql(), "contact", id, ReadContact);
  }

  absl::StatusOr<Page<v1::Contact>> ListContacts(
      const PageRequest& page) override {
    return ListAll<v1::Contact>(ContactSql(), page, ReadContact);
  }

  absl::StatusOr<std::optional<v1::Contact>> FindContactByEmailKey(
      absl::string_view email_key) override {
    return FindOldest<v1::Contact>(ContactSql(), "email_key", email_key,
                                   ReadContact);
  }

  absl::StatusOr<std::optional<v1::Contact>> FindContactByPhone(
      absl::string_view phone_e164) override {
    return FindOldest<v1::Contact>(ContactSql(), "phone_number", phone_e164,
                                   ReadContact);
  }

  // Leads.

  absl::Status CreateLead(const v1::Lead& lead) override {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(LeadSql().insert));
    s.Text(lead.id());
    BindLead(lead, s);
    LC_RETURN_IF_ERROR(Describe(s.Run(), AlreadyExists("lead", lead.id()), ""));
    return SaveTeamIds(lead);
  }

  absl::StatusOr<v1::Lead> GetLead(absl::string_view id) override {
    LC_ASSIGN_OR_RETURN(v1::Lead lead,
                        GetById<v1::Lead>(LeadSql(), "lead", id, ReadLead));
    LC_RETURN_IF_ERROR(LoadTeamIds(lead));
    return lead;
  }

  absl::StatusOr<Page<v1::Lead>> ListLeads(absl::string_view entry_point_id,
                                           const PageRequest& page) override {
    absl::StatusOr<Page<v1::Lead>> leads =
        entry_point_id.empty()
            ? ListAll<v1::Lead>(LeadSql(), page, ReadLead)
            : ListFiltered<v1::Lead>(LeadSql(), "entry_point_id",
                                     entry_point_id, page, ReadLead);
    if (!leads.ok()) return leads.status();
    for (v1::Lead& lead : leads->items) {
      LC_RETURN_IF_ERROR(LoadTeamIds(lead));
    }
    return leads;
  }

  absl::Status UpdateLead(const v1::Lead& lead) override {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(LeadSql().update));
    BindLead(lead, s);
    s.Text(lead.id());
    LC_RETURN_IF_ERROR(s.Run());
    if (s.Changes() == 0) return NotFound("lead", lead.id());
    return SaveTeamIds(lead);
  }

  absl::StatusOr<std::optional<v1::Lead>> FindLeadByEmailKey(
      absl::string_view email_key) override {
    return FindOldestLead("email_key", email_key);
  }

  absl::StatusOr<std::optional<v1::Lead>> FindLeadByPhone(
      absl::string_view phone_e164) override {
    return FindOldestLead("phone_number", phone_e164);
  }

  // Capture logs.

  absl::Status AddCaptureLog(const v1::CaptureLog& log) override {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(CaptureLogSql().insert));
    s.Text(log.id())
        .Text(log.entry_point_id())
        .Text(log.target_type())
        .Text(log.target_id())
        .Bool(log.is_created())
        .Text(log.payload())
        .Int(log.outcome())
        .Text(log.client_ip())
        .Text(log.user_agent())
        .Text(log.description())
        .Time(TimeOrNull(log.has_created_at(), log.created_at()));
    return Describe(s.Run(), AlreadyExists("capture log", log.id()), "");
  }

  absl::StatusOr<Page<v1::CaptureLog>> ListCaptureLogs(
      absl::string_view entry_point_id, const PageRequest& page) override {
    if (entry_point_id.empty()) {
      return ListAll<v1::CaptureLog>(CaptureLogSql(), page, ReadCaptureLog);
    }
    return ListFiltered<v1::CaptureLog>(CaptureLogSql(), "entry_point_id",
                                        entry_point_id, page, ReadCaptureLog);
  }

  // E-mail templates.

  absl::Status CreateEmailTemplate(
      const v1::EmailTemplate& email_template) override {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(EmailTemplateSql().insert));
    s.Text(email_template.id());
    BindEmailTemplate(email_template, s);
    return Describe(s.Run(),
                    AlreadyExists("e-mail template", email_template.id()), "");
  }

  absl::StatusOr<v1::EmailTemplate> GetEmailTemplate(
      absl::string_view id) override {
    return GetById<v1::EmailTemplate>(EmailTemplateSql(), "e-mail template", id,
                                      ReadEmailTemplate);
  }

  absl::StatusOr<Page<v1::EmailTemplate>> ListEmailTemplates(
      const PageRequest& page) override {
    return ListAll<v1::EmailTemplate>(EmailTemplateSql(), page,
                                      ReadEmailTemplate);
  }

  absl::Status UpdateEmailTemplate(
      const v1::EmailTemplate& email_template) override {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(EmailTemplateSql().update));
    BindEmailTemplate(email_template, s);
    s.Text(email_template.id());
    LC_RETURN_IF_ERROR(s.Run());
    if (s.Changes() == 0) {
      return NotFound("e-mail template", email_template.id());
    }
    return absl::OkStatus();
  }

  absl::Status DeleteEmailTemplate(absl::string_view id) override {
    // The foreign key clears entry points' opt_in_template_id.
    return DeleteById("email_templates", "e-mail template", id);
  }

  // Double opt-in requests.

  absl::Status CreateOptInRequest(const v1::OptInRequest& request,
                                  absl::string_view token_hash) override {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(OptInRequestSql().insert));
    s.Text(request.id());
    BindOptInRequest(request, s);
    s.Blob(token_hash);
    absl::Status status = s.Run();
    // SQLite names the column that clashed; the hash itself is never shown.
    if (absl::IsAlreadyExists(status) &&
        absl::StrContains(status.message(), "token_hash")) {
      return absl::AlreadyExistsError(
          "an opt-in request with this token hash already exists");
    }
    return Describe(status, AlreadyExists("opt-in request", request.id()), "");
  }

  absl::StatusOr<v1::OptInRequest> GetOptInRequest(
      absl::string_view id) override {
    return GetById<v1::OptInRequest>(OptInRequestSql(), "opt-in request", id,
                                     ReadOptInRequest);
  }

  absl::StatusOr<std::optional<v1::OptInRequest>> FindOptInRequestByTokenHash(
      absl::string_view token_hash) override {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(OptInRequestSql().select +
                                             "WHERE token_hash = ?"));
    s.Blob(token_hash);
    return ReadOne<v1::OptInRequest>(s, ReadOptInRequest);
  }

  absl::StatusOr<std::optional<v1::OptInRequest>> FindConfirmedOptInRequest(
      absl::string_view entry_point_id, absl::string_view email_key) override {
    LC_ASSIGN_OR_RETURN(Statement s,
                        Prepare(OptInRequestSql().select +
                                "WHERE entry_point_id = ? AND email_key = ?"
                                " AND confirmed_at IS NOT NULL"
                                " ORDER BY created_at, seq LIMIT 1"));
    s.Text(entry_point_id).Text(email_key);
    return ReadOne<v1::OptInRequest>(s, ReadOptInRequest);
  }

  absl::StatusOr<int64_t> CountOptInRequestsSince(
      absl::string_view entry_point_id, absl::string_view email_key,
      absl::Time since) override {
    LC_ASSIGN_OR_RETURN(Statement s,
                        Prepare("SELECT COUNT(*) FROM opt_in_requests"
                                " WHERE entry_point_id = ? AND email_key = ?"
                                " AND created_at >= ?"));
    s.Text(entry_point_id).Text(email_key).Time(since);
    LC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return absl::InternalError("COUNT(*) gave no row");
    return s.ReadInt();
  }

  absl::Status UpdateOptInRequest(const v1::OptInRequest& request) override {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(OptInRequestSql().update));
    BindOptInRequest(request, s);
    s.Text(request.id());
    LC_RETURN_IF_ERROR(s.Run());
    if (s.Changes() == 0) return NotFound("opt-in request", request.id());
    return absl::OkStatus();
  }

  absl::StatusOr<Page<v1::OptInRequest>> ListOptInRequests(
      absl::string_view entry_point_id, const PageRequest& page) override {
    if (entry_point_id.empty()) {
      return ListAll<v1::OptInRequest>(OptInRequestSql(), page,
                                       ReadOptInRequest);
    }
    return ListFiltered<v1::OptInRequest>(OptInRequestSql(), "entry_point_id",
                                          entry_point_id, page,
                                          ReadOptInRequest);
  }

  absl::StatusOr<int64_t> DeleteUnconfirmedOptInRequestsBefore(
      absl::Time before) override {
    LC_ASSIGN_OR_RETURN(
        Statement s, Prepare("DELETE FROM opt_in_requests"
                             " WHERE confirmed_at IS NULL AND expires_at < ?"));
    LC_RETURN_IF_ERROR(s.Time(before).Run());
    return s.Changes();
  }

  // The outbox.

  absl::Status EnqueueOutboxMessage(const v1::OutboxMessage& message,
                                    absl::string_view content) override {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(OutboxMessageSql().insert));
    s.Text(message.id());
    BindOutboxMessage(message, s);
    s.Blob(content);
    return Describe(s.Run(), AlreadyExists("outbox message", message.id()), "");
  }

  absl::StatusOr<std::vector<OutboxItem>> ClaimOutboxMessages(
      absl::Time now, absl::Time lease_until, int limit) override {
    LC_ASSIGN_OR_RETURN(std::vector<OutboxItem> items,
                        SelectDueOutboxMessages(now, limit));

    // The writer lock taken at BEGIN IMMEDIATE keeps other claims out
    // between the SELECT above and these updates.
    for (OutboxItem& item : items) {
      LC_ASSIGN_OR_RETURN(
          Statement s, Prepare("UPDATE outbox_messages SET next_attempt_at = ?,"
                               " attempts = attempts + 1 WHERE id = ?"));
      LC_RETURN_IF_ERROR(s.Time(lease_until).Text(item.message.id()).Run());
      FromMicros(absl::ToUnixMicros(lease_until),
                 item.message.mutable_next_attempt_at());
      item.message.set_attempts(item.message.attempts() + 1);
    }
    return items;
  }

  absl::Status MarkOutboxMessageSent(absl::string_view id,
                                     absl::Time now) override {
    LC_ASSIGN_OR_RETURN(Statement s,
                        Prepare("UPDATE outbox_messages SET status = ?,"
                                " sent_at = ?, content = X'' WHERE id = ?"));
    s.Int(v1::SENT).Time(now).Text(id);
    return UpdateOutboxMessage(s, id);
  }

  absl::Status MarkOutboxMessageFailed(absl::string_view id,
                                       absl::string_view error,
                                       absl::Time next_attempt_at,
                                       bool give_up) override {
    if (give_up) {
      LC_ASSIGN_OR_RETURN(
          Statement s, Prepare("UPDATE outbox_messages SET status = ?,"
                               " last_error = ?, content = X'' WHERE id = ?"));
      s.Int(v1::FAILED).Text(error).Text(id);
      return UpdateOutboxMessage(s, id);
    }
    LC_ASSIGN_OR_RETURN(Statement s,
                        Prepare("UPDATE outbox_messages SET last_error = ?,"
                                " next_attempt_at = ? WHERE id = ?"));
    s.Text(error).Time(next_attempt_at).Text(id);
    return UpdateOutboxMessage(s, id);
  }

  absl::StatusOr<Page<v1::OutboxMessage>> ListOutboxMessages(
      const PageRequest& page) override {
    return ListAll<v1::OutboxMessage>(OutboxMessageSql(), page,
                                      ReadOutboxMessage);
  }

 private:
  // FAILED_PRECONDITION once the transaction has ended, or when SQLite
  // rolled it back by itself after an error (then nothing more may run in
  // it: each statement would commit on its own).
  absl::Status CheckOpen() const {
    if (connection_ == nullptr) {
      return absl::FailedPreconditionError("the transaction has ended");
    }
    if (!connection_->InTransaction()) {
      return absl::FailedPreconditionError(
          "the transaction was rolled back after an error");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Statement> Prepare(const std::string& sql) {
    LC_RETURN_IF_ERROR(CheckOpen());
    return Statement::Prepare(*connection_, sql);
  }

  // Rolls back what was not committed and gives back the connection and
  // the write turn. Safe to call twice.
  void End() {
    if (connection_ != nullptr) {
      if (connection_->InTransaction()) {
        connection_->Exec("ROLLBACK").IgnoreError();
      }
      pool_->Release(std::move(connection_));
    }
    if (has_write_turn_) {
      pool_->ReleaseWriteTurn();
      has_write_turn_ = false;
    }
  }

  static std::string AlreadyExists(absl::string_view kind,
                                   absl::string_view id) {
    return absl::StrCat(kind, " ", id, " already exists");
  }

  static absl::Status DescribeEntryPointError(absl::Status status,
                                              const v1::EntryPoint& e) {
    // SQLite names the column that clashed; the key itself is never shown.
    if (absl::IsAlreadyExists(status) &&
        absl::StrContains(status.message(), "api_key")) {
      return absl::AlreadyExistsError(
          "an entry point with this API key already exists");
    }
    return Describe(
        status, AlreadyExists("entry point", e.id()),
        absl::StrCat("target list ", e.target_list_id(), " not found"));
  }

  // Reads the single row of `s`, if any.
  template <typename T, typename Read>
  static absl::StatusOr<std::optional<T>> ReadOne(Statement& s, Read read) {
    LC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<T>();
    LC_ASSIGN_OR_RETURN(T item, read(s));
    return std::optional<T>(std::move(item));
  }

  template <typename T, typename Read>
  absl::StatusOr<T> GetById(const RecordSql& sql, absl::string_view kind,
                            absl::string_view id, Read read) {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(sql.select + "WHERE id = ?"));
    s.Text(id);
    LC_ASSIGN_OR_RETURN(std::optional<T> item, ReadOne<T>(s, read));
    if (!item.has_value()) return NotFound(kind, id);
    return *std::move(item);
  }

  // The oldest row whose `column` equals `value`: smallest created_at, then
  // first inserted. An empty value matches nothing.
  template <typename T, typename Read>
  absl::StatusOr<std::optional<T>> FindOldest(const RecordSql& sql,
                                              absl::string_view column,
                                              absl::string_view value,
                                              Read read) {
    if (value.empty()) return std::optional<T>();
    LC_ASSIGN_OR_RETURN(
        Statement s,
        Prepare(absl::StrCat(sql.select, "WHERE ", column,
                             " = ? ORDER BY created_at, seq LIMIT 1")));
    s.Text(value);
    return ReadOne<T>(s, read);
  }

  absl::StatusOr<std::optional<v1::Lead>> FindOldestLead(
      absl::string_view column, absl::string_view value) {
    LC_ASSIGN_OR_RETURN(
        std::optional<v1::Lead> lead,
        FindOldest<v1::Lead>(LeadSql(), column, value, ReadLead));
    if (lead.has_value()) LC_RETURN_IF_ERROR(LoadTeamIds(*lead));
    return lead;
  }

  // Reads one page from `s`, a query whose first column is seq and whose
  // last two parameters are "seq > ?" and "LIMIT ?".
  template <typename T, typename Read>
  static absl::StatusOr<Page<T>> ReadPage(Statement& s,
                                          const PageRequest& request,
                                          Read read) {
    LC_ASSIGN_OR_RETURN(int64_t after, ParsePageToken(request.page_token));
    const int64_t size = ClampPageSize(request.page_size);
    // One row more than asked tells whether another page follows.
    s.Int(after).Int(size + 1);
    Page<T> page;
    int64_t last_seq = after;
    while (true) {
      LC_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      if (static_cast<int64_t>(page.items.size()) == size) {
        page.next_page_token = absl::StrCat(last_seq);
        break;
      }
      last_seq = s.PeekSeq();
      LC_ASSIGN_OR_RETURN(T item, read(s));
      page.items.push_back(std::move(item));
    }
    return page;
  }

  template <typename T, typename Read>
  absl::StatusOr<Page<T>> ListAll(const RecordSql& sql,
                                  const PageRequest& request, Read read) {
    LC_ASSIGN_OR_RETURN(
        Statement s,
        Prepare(sql.select + "WHERE seq > ? ORDER BY seq LIMIT ?"));
    return ReadPage<T>(s, request, read);
  }

  template <typename T, typename Read>
  absl::StatusOr<Page<T>> ListFiltered(const RecordSql& sql,
                                       absl::string_view column,
                                       absl::string_view value,
                                       const PageRequest& request, Read read) {
    LC_ASSIGN_OR_RETURN(
        Statement s,
        Prepare(absl::StrCat(sql.select, "WHERE ", column,
                             " = ? AND seq > ? ORDER BY seq LIMIT ?")));
    s.Text(value);
    return ReadPage<T>(s, request, read);
  }

  // Whether `table` has a row with this id.
  absl::StatusOr<bool> Exists(absl::string_view table, absl::string_view id) {
    LC_ASSIGN_OR_RETURN(
        Statement s,
        Prepare(absl::StrCat("SELECT 1 FROM ", table, " WHERE id = ?")));
    s.Text(id);
    return s.Step();
  }

  absl::Status DeleteById(absl::string_view table, absl::string_view kind,
                          absl::string_view id) {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(absl::StrCat("DELETE FROM ", table,
                                                          " WHERE id = ?")));
    s.Text(id);
    LC_RETURN_IF_ERROR(s.Run());
    if (s.Changes() == 0) return NotFound(kind, id);
    return absl::OkStatus();
  }

  template <typename Named>
  absl::Status CreateNamed(const RecordSql& sql, absl::string_view kind,
                           const Named& named) {
    LC_ASSIGN_OR_RETURN(Statement s, Prepare(sql.insert));
    s.Text(named.id())
        .Text(named.name())
        .Time(TimeOrNull(named.has_created_at(), named.created_at()))
        .Time(TimeOrNull(named.has_modified_at(), named.modified_at()));
    return Describe(s.Run(), AlreadyExists(kind, named.id()), "");
  }

  // FAILED_PRECONDITION when the entry point names an e-mail template that
  // does not exist. Checked beforehand because SQLite's foreign key error
  // does not say which reference failed.
  absl::Status CheckEmailTemplateReference(const v1::EntryPoint& e) {
    if (e.opt_in_template_id().empty()) return absl::OkStatus();
    LC_ASSIGN_OR_RETURN(bool exists,
                        Exists("email_templates", e.opt_in_template_id()));
    if (exists) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("e-mail template ", e.opt_in_template_id(), " not found"));
  }

  // Runs `s`, an UPDATE of the outbox message `id`; NOT_FOUND if there is
  // none.
  static absl::Status UpdateOutboxMessage(Statement& s, absl::string_view id) {
    LC_RETURN_IF_ERROR(s.Run());
    if (s.Changes() == 0) return NotFound("outbox message", id);
    return absl::OkStatus();
  }

  // The QUEUED messages due at `now` (an unset next_attempt_at is due at
  // once), oldest first, with their content.
  absl::StatusOr<std::vector<OutboxItem>> SelectDueOutboxMessages(
      absl::Time now, int limit) {
    std::vector<OutboxItem> items;
    if (limit <= 0) return items;
    LC_ASSIGN_OR_RETURN(
        Statement s,
        Prepare(absl::StrCat(
            "SELECT ", OutboxMessageSql().columns,
            ", content FROM outbox_messages WHERE status = ?"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
            " ORDER BY created_at, seq LIMIT ?")));
    s.Int(v1::QUEUED).Time(now).Int(limit);
    while (true) {
      LC_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return items;
      OutboxItem item;
      LC_ASSIGN_OR_RETURN(item.message, ReadOutboxMessage(s));
      item.content = s.ReadBlob();
      items.push_back(std::move(item));
    }
  }

  absl::Status CheckMembershipReferences(absl::string_view target_list_id,
                                         MemberType type,
                                         absl::string_view member_id) {
    LC_ASSIGN_OR_RETURN(bool list_exists,
                        Exists("target_lists", target_list_id));
    if (!list_exists) {
      return absl::FailedPreconditionError(
          absl::StrCat("target list ", target_list_id, " not found"));
    }
    LC_ASSIGN_OR_RETURN(
        bool member_exists,
        Exists(type == MemberType::kLead ? "leads" : "contacts", member_id));
    if (!member_exists) {
      return absl::FailedPreconditionError(
          absl::StrCat(MemberTypeName(type), " ", member_id, " not found"));
    }
    return absl::OkStatus();
  }

  static absl::StatusOr<v1::TargetListMember> ReadMember(Statement& s) {
    v1::TargetListMember m;
    s.Skip();  // seq
    m.set_type(s.ReadText());
    m.set_id(s.ReadText());
    m.set_opted_out(s.ReadBool());
    s.ReadTime([&] { return m.mutable_created_at(); });
    s.ReadTime([&] { return m.mutable_modified_at(); });
    m.set_email_address(s.ReadText());
    std::string first_name = s.ReadText();
    std::string last_name = s.ReadText();
    m.set_name(std::string(
        absl::StripAsciiWhitespace(absl::StrCat(first_name, " ", last_name))));
    return m;
  }

  absl::Status LoadTeamIds(v1::Lead& lead) {
    LC_ASSIGN_OR_RETURN(
        Statement s, Prepare("SELECT team_id FROM lead_teams WHERE lead_id = ?"
                             " ORDER BY position"));
    s.Text(lead.id());
    lead.clear_team_ids();
    while (true) {
      LC_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return absl::OkStatus();
      lead.add_team_ids(s.ReadText());
    }
  }

  absl::Status SaveTeamIds(const v1::Lead& lead) {
    {
      LC_ASSIGN_OR_RETURN(Statement s,
                          Prepare("DELETE FROM lead_teams WHERE lead_id = ?"));
      LC_RETURN_IF_ERROR(s.Text(lead.id()).Run());
    }
    for (int i = 0; i < lead.team_ids_size(); ++i) {
      LC_ASSIGN_OR_RETURN(
          Statement s,
          Prepare("INSERT INTO lead_teams (lead_id, position, team_id)"
                  " VALUES (?, ?, ?)"));
      LC_RETURN_IF_ERROR(s.Text(lead.id()).Int(i).Text(lead.team_ids(i)).Run());
    }
    return absl::OkStatus();
  }

  std::shared_ptr<ConnectionPool> pool_;
  std::unique_ptr<Connection> connection_;
  bool has_write_turn_ = false;
};

}  // namespace
}  // namespace sqlite_internal

SqliteStore::SqliteStore(std::shared_ptr<sqlite_internal::ConnectionPool> pool)
    : pool_(std::move(pool)) {}

SqliteStore::~SqliteStore() = default;

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const std::string& path) {
  return Open(path, Options());
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const std::string& path, const Options& options) {
  auto pool = std::make_shared<sqlite_internal::ConnectionPool>(
      path, /*in_memory=*/false, options);
  LC_RETURN_IF_ERROR(pool->Start());
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(pool)));
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::OpenInMemory() {
  return OpenInMemory(Options());
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::OpenInMemory(
    const Options& options) {
  auto pool = std::make_shared<sqlite_internal::ConnectionPool>(
      ":memory:", /*in_memory=*/true, options);
  LC_RETURN_IF_ERROR(pool->Start());
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(pool)));
}

absl::StatusOr<std::unique_ptr<Transaction>> SqliteStore::Begin(
    TransactionMode mode) {
  auto transaction =
      std::make_unique<sqlite_internal::SqliteTransaction>(pool_);
  LC_RETURN_IF_ERROR(transaction->Start(mode));
  return std::unique_ptr<Transaction>(std::move(transaction));
}

}  // namespace leadcapture::storage
