#include "storage/mysql_store.h"

#include <cppconn/connection.h>
#include <cppconn/datatype.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/util/status_macros.h"
#include "storage/mysql_schema.h"
#include "storage/record_columns.h"

namespace leadcapture::storage {
namespace mysql_internal {
namespace {

using ::google::protobuf::Timestamp;

// How many times a statement that lost a deadlock is tried in all, when
// its transaction can be started again (see MySqlTransaction::Run).
constexpr int kDeadlockAttempts = 3;

// What a server or client error means to the store.
enum class ErrorKind {
  // The connection is lost, was refused, or the server will not take
  // writes now; the connection is not used again.
  kConnection,
  // A row lock was not granted within innodb_lock_wait_timeout; only the
  // statement was rolled back.
  kLockTimeout,
  // The server chose this transaction as a deadlock victim and rolled all
  // of it back.
  kDeadlock,
  kDuplicateKey,
  kForeignKey,
  kReadOnlyTransaction,
  kBadValue,
  kOther,
};

ErrorKind Classify(int code) {
  switch (code) {
    case 1022:  // ER_DUP_KEY
    case 1062:  // ER_DUP_ENTRY
    case 1586:  // ER_DUP_ENTRY_WITH_KEY_NAME
      return ErrorKind::kDuplicateKey;
    case 1216:  // ER_NO_REFERENCED_ROW
    case 1217:  // ER_ROW_IS_REFERENCED
    case 1451:  // ER_ROW_IS_REFERENCED_2
    case 1452:  // ER_NO_REFERENCED_ROW_2
      return ErrorKind::kForeignKey;
    case 1205:  // ER_LOCK_WAIT_TIMEOUT
      return ErrorKind::kLockTimeout;
    case 1213:  // ER_LOCK_DEADLOCK
      return ErrorKind::kDeadlock;
    case 1792:  // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
      return ErrorKind::kReadOnlyTransaction;
    case 1264:  // ER_WARN_DATA_OUT_OF_RANGE
    case 1366:  // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD (bad characters)
    case 1406:  // ER_DATA_TOO_LONG
      return ErrorKind::kBadValue;
    case 1040:  // ER_CON_COUNT_ERROR (too many connections)
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1152:  // ER_ABORTING_CONNECTION
    case 1158:  // ER_NET_READ_ERROR
    case 1159:  // ER_NET_READ_INTERRUPTED
    case 1160:  // ER_NET_ERROR_ON_WRITE
    case 1161:  // ER_NET_WRITE_INTERRUPTED
    case 1290:  // ER_OPTION_PREVENTS_STATEMENT (--read-only)
    case 1836:  // ER_READ_ONLY_MODE
    case 1927:  // ER_CONNECTION_KILLED (MariaDB)
    case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT
      return ErrorKind::kConnection;
  }
  // 2000-2999 are the client library's own errors (CR_*): no server, lost
  // connection, timeouts, protocol trouble.
  if (code >= 2000 && code < 3000) return ErrorKind::kConnection;
  return ErrorKind::kOther;
}

absl::Status ErrorStatus(ErrorKind kind, int code, absl::string_view what) {
  std::string text = absl::StrCat("mysql: ", what, " (error ", code, ")");
  switch (kind) {
    case ErrorKind::kConnection:
    case ErrorKind::kLockTimeout:
    case ErrorKind::kDeadlock:
      return absl::UnavailableError(text);
    case ErrorKind::kDuplicateKey:
      return absl::AlreadyExistsError(text);
    case ErrorKind::kForeignKey:
      return absl::FailedPreconditionError(text);
    case ErrorKind::kReadOnlyTransaction:
      return absl::FailedPreconditionError(
          "a read-only transaction cannot write");
    case ErrorKind::kBadValue:
      return absl::InvalidArgumentError(text);
    case ErrorKind::kOther:
      break;
  }
  return absl::InternalError(text);
}

int WholeSeconds(absl::Duration duration) {
  return static_cast<int>(std::max<int64_t>(
      1, absl::ToInt64Seconds(absl::Ceil(duration, absl::Seconds(1)))));
}

// The statement parameters, bound in order to the `?`s.
class Params : public ColumnBinder {
 public:
  struct Value {
    enum class Kind { kNull, kText, kBlob, kInt } kind;
    std::string text;
    int64_t number = 0;
  };

  Params& Text(absl::string_view value) override {
    values_.push_back({Value::Kind::kText, std::string(value), 0});
    return *this;
  }
  // "" binds NULL, for optional references.
  Params& TextOrNull(absl::string_view value) override {
    if (value.empty()) return Null();
    return Text(value);
  }
  // Bytes, not text: sent as binary, never read as utf8mb4.
  Params& Blob(absl::string_view value) {
    values_.push_back({Value::Kind::kBlob, std::string(value), 0});
    return *this;
  }
  Params& Int(int64_t value) override {
    values_.push_back({Value::Kind::kInt, std::string(), value});
    return *this;
  }
  Params& Bool(bool value) override { return Int(value ? 1 : 0); }
  Params& Null() {
    values_.push_back({Value::Kind::kNull, std::string(), 0});
    return *this;
  }
  Params& OptBool(std::optional<bool> value) override {
    if (!value.has_value()) return Null();
    return Bool(*value);
  }
  // Binds NULL for an unset time (nullptr).
  Params& Time(const Timestamp* time) override {
    if (time == nullptr) return Null();
    if (time->seconds() < kMinTimestampSeconds ||
        time->seconds() > kMaxTimestampSeconds || time->nanos() < 0 ||
        time->nanos() > 999999999) {
      if (status_.ok()) {
        status_ = absl::InvalidArgumentError("a time is out of range");
      }
      return Null();
    }
    return Int(ToMicros(*time));
  }
  Params& Time(absl::Time time) { return Int(absl::ToUnixMicros(time)); }

  const std::vector<Value>& values() const { return values_; }
  // Not OK when a value could not be bound.
  const absl::Status& status() const { return status_; }

 private:
  std::vector<Value> values_;
  absl::Status status_;
};

// A result read into memory: each cell is its text, nullopt for NULL.
using Cells = std::vector<std::optional<std::string>>;
using Rows = std::vector<Cells>;

// Reads the cells of one row in order.
class Row : public ColumnReader {
 public:
  explicit Row(const Cells& cells) : cells_(cells) {}

  bool NextIsNull() const override {
    return column_ >= cells_.size() || !cells_[column_].has_value();
  }
  void Skip() override { ++column_; }
  // The first cell of the row (seq in every list query).
  int64_t PeekSeq() const { return ParseInt(0); }
  int64_t ReadInt() override { return ParseInt(column_++); }
  std::string ReadText() override {
    if (NextIsNull()) {
      Skip();
      return "";
    }
    return *cells_[column_++];
  }

 private:
  int64_t ParseInt(size_t column) const {
    int64_t value = 0;
    if (column < cells_.size() && cells_[column].has_value()) {
      (void)absl::SimpleAtoi(*cells_[column], &value);
    }
    return value;
  }

  const Cells& cells_;
  size_t column_ = 0;
};

sql::mysql::MySQL_Driver* Driver() {
  // The first call initialises the client library, which is not
  // thread-safe; a function-local static makes it happen once.
  static sql::mysql::MySQL_Driver* const driver =
      sql::mysql::get_mysql_driver_instance();
  return driver;
}

}  // namespace

// One connection with its cache of server-side prepared statements. Used
// by one thread at a time. Every Connector/C++ call of the store goes
// through Guard, which turns exceptions into a Status.
class Connection {
 public:
  ~Connection() {
    // Statements go before their connection; a failing close of a lost
    // connection has nothing left to report.
    prepared_.clear();
    statement_.reset();
    if (connection_ != nullptr) {
      try {
        connection_->close();
      } catch (const std::exception&) {
      }
    }
  }

  // Connects and sets the session up. UNAVAILABLE when the server cannot
  // be reached or refuses the login.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const MySqlStore::Options& options, absl::Duration io_timeout) {
    auto connection = std::unique_ptr<Connection>(new Connection());
    absl::Status status = connection->Guard([&] {
      sql::ConnectOptionsMap properties;
      properties["hostName"] = sql::SQLString(options.host);
      properties["userName"] = sql::SQLString(options.user);
      properties["password"] = sql::SQLString(options.password);
      properties["schema"] = sql::SQLString(options.database);
      properties["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
      properties["OPT_CONNECT_TIMEOUT"] = WholeSeconds(options.connect_timeout);
      properties["OPT_READ_TIMEOUT"] = WholeSeconds(io_timeout);
      properties["OPT_WRITE_TIMEOUT"] = WholeSeconds(io_timeout);
      // A silent reconnect would lose the transaction: the pool reconnects.
      properties["OPT_RECONNECT"] = false;
      // UPDATE counts the rows it matched, changed or not.
      properties["CLIENT_FOUND_ROWS"] = true;
      connection->connection_.reset(Driver()->connect(properties));
    });
    if (!status.ok()) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to the database ", options.database,
                       ": ", status.message()));
    }

    // Strict mode turns a value that does not fit into an error instead of
    // a silent truncation. Writers run at READ COMMITTED (see the header).
    LC_RETURN_IF_ERROR(connection->Guard([&] {
      connection->statement_.reset(connection->connection_->createStatement());
      connection->statement_->execute(
          "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci");
      connection->statement_->execute(absl::StrCat(
          "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION',"
          " SESSION innodb_lock_wait_timeout = ",
          WholeSeconds(options.lock_timeout)));
      connection->statement_->execute(
          "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    }));
    return connection;
  }

  // Runs SQL that takes no parameters and returns no rows.
  absl::Status Exec(const std::string& sql) {
    return Guard([&] { statement_->execute(sql); });
  }

  // Runs a statement that returns no rows; gives the number of rows it
  // matched.
  absl::StatusOr<int64_t> Update(const std::string& sql, const Params& params) {
    int64_t rows = 0;
    LC_RETURN_IF_ERROR(Guard([&] {
      sql::PreparedStatement* statement = Prepared(sql);
      std::vector<std::unique_ptr<std::istringstream>> blobs;
      Bind(*statement, params, blobs);
      rows = statement->executeUpdate();
    }));
    return rows;
  }

  // Runs a query and reads all of its rows.
  absl::StatusOr<Rows> Query(const std::string& sql, const Params& params) {
    Rows rows;
    LC_RETURN_IF_ERROR(Guard([&] {
      sql::PreparedStatement* statement = Prepared(sql);
      std::vector<std::unique_ptr<std::istringstream>> blobs;
      Bind(*statement, params, blobs);
      std::unique_ptr<sql::ResultSet> result(statement->executeQuery());
      const unsigned int columns = result->getMetaData()->getColumnCount();
      while (result->next()) {
        Cells cells(columns);
        for (unsigned int i = 1; i <= columns; ++i) {
          if (!result->isNull(i)) {
            cells[i - 1] = result->getString(i).asStdString();
          }
        }
        rows.push_back(std::move(cells));
      }
    }));
    return rows;
  }

  // The kind and the code of the last error.
  ErrorKind last_error() const { return last_error_; }
  int last_error_code() const { return last_error_code_; }
  // Whether the connection must not be used again.
  bool broken() const { return broken_; }

 private:
  Connection() = default;

  template <typename Fn>
  absl::Status Guard(Fn fn) {
    try {
      fn();
      return absl::OkStatus();
    } catch (const sql::SQLException& e) {
      last_error_code_ = e.getErrorCode();
      last_error_ = Classify(e.getErrorCode());
      // Code 0 is the connector's own complaint; trust the connection no
      // further.
      if (last_error_ == ErrorKind::kConnection || e.getErrorCode() == 0) {
        broken_ = true;
      }
      return ErrorStatus(last_error_, e.getErrorCode(), e.what());
    } catch (const std::exception& e) {
      last_error_code_ = 0;
      last_error_ = ErrorKind::kOther;
      broken_ = true;
      return absl::InternalError(absl::StrCat("mysql: ", e.what()));
    }
  }

  // May throw.
  sql::PreparedStatement* Prepared(const std::string& sql) {
    auto it = prepared_.find(sql);
    if (it != prepared_.end()) return it->second.get();
    std::unique_ptr<sql::PreparedStatement> statement(
        connection_->prepareStatement(sql));
    sql::PreparedStatement* raw = statement.get();
    prepared_.emplace(sql, std::move(statement));
    return raw;
  }

  // May throw. The statement reads blobs from `blobs` when it runs.
  static void Bind(sql::PreparedStatement& statement, const Params& params,
                   std::vector<std::unique_ptr<std::istringstream>>& blobs) {
    unsigned int index = 1;
    for (const Params::Value& value : params.values()) {
      switch (value.kind) {
        case Params::Value::Kind::kNull:
          statement.setNull(index, sql::DataType::VARCHAR);
          break;
        case Params::Value::Kind::kText:
          statement.setString(index, sql::SQLString(value.text));
          break;
        case Params::Value::Kind::kBlob:
          blobs.push_back(std::make_unique<std::istringstream>(value.text));
          statement.setBlob(index, blobs.back().get());
          break;
        case Params::Value::Kind::kInt:
          statement.setInt64(index, value.number);
          break;
      }
      ++index;
    }
  }

  std::unique_ptr<sql::Connection> connection_;
  std::unique_ptr<sql::Statement> statement_;
  absl::flat_hash_map<std::string, std::unique_ptr<sql::PreparedStatement>>
      prepared_;
  ErrorKind last_error_ = ErrorKind::kOther;
  int last_error_code_ = 0;
  bool broken_ = false;
};

// The connections of one database. Thread-safe.
class ConnectionPool {
 public:
  explicit ConnectionPool(MySqlStore::Options options)
      : options_(std::move(options)) {}

  ~ConnectionPool() {
    absl::MutexLock lock(&mu_);
    idle_.clear();
  }

  const MySqlStore::Options& options() const { return options_; }

  // Brings the schema up to date on a connection of its own.
  absl::Status Start() {
    LC_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection,
                        Connection::Open(options_, options_.migration_timeout +
                                                       absl::Seconds(10)));
    return Migrate(*connection);
  }

  // An idle connection (*reused set), or a new one while fewer than
  // max_connections are open; waits up to the lock timeout for one to come
  // back.
  absl::StatusOr<std::unique_ptr<Connection>> Acquire(bool* reused) {
    *reused = false;
    {
      absl::MutexLock lock(&mu_);
      if (!mu_.AwaitWithTimeout(
              absl::Condition(this, &ConnectionPool::CanTakeConnection),
              options_.lock_timeout)) {
        return absl::UnavailableError(
            absl::StrCat("no database connection became free within ",
                         absl::FormatDuration(options_.lock_timeout)));
      }
      if (!idle_.empty()) {
        std::unique_ptr<Connection> connection = std::move(idle_.back());
        idle_.pop_back();
        *reused = true;
        return connection;
      }
      ++open_;
    }

    auto connection = Connection::Open(options_, options_.io_timeout);
    if (!connection.ok()) {
      absl::MutexLock lock(&mu_);
      --open_;
    }
    return connection;
  }

  // Takes back a connection. A broken one is closed, and so are the idle
  // ones: when the server went away they are all gone.
  void Release(std::unique_ptr<Connection> connection) {
    std::vector<std::unique_ptr<Connection>> closing;
    {
      absl::MutexLock lock(&mu_);
      if (!connection->broken()) {
        idle_.push_back(std::move(connection));
        return;
      }
      --open_;
      closing.swap(idle_);
      open_ -= static_cast<int>(closing.size());
    }
    // Closed outside the lock: a close may wait on the network.
    connection.reset();
    closing.clear();
  }

 private:
  bool CanTakeConnection() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || open_ < options_.max_connections;
  }

  absl::Status Migrate(Connection& connection);
  absl::Status ApplyMissingMigrations(Connection& connection);

  const MySqlStore::Options options_;

  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  // Connections open, idle or lent out.
  int open_ ABSL_GUARDED_BY(mu_) = 0;
};

// Holds a server-wide named lock around the check-and-apply, so that when
// several processes start at once one applies each migration and the
// others find it applied. The lock is named after the database.
absl::Status ConnectionPool::Migrate(Connection& connection) {
  const std::string lock_name =
      absl::StrCat("leadcapture_migrate.", options_.database.substr(0, 40));
  LC_ASSIGN_OR_RETURN(
      Rows locked, connection.Query("SELECT GET_LOCK(?, ?)",
                                    Params().Text(lock_name).Int(WholeSeconds(
                                        options_.migration_timeout))));
  if (locked.empty() || !locked[0][0].has_value() || *locked[0][0] != "1") {
    return absl::UnavailableError(absl::StrCat(
        "another process kept the schema migration lock of database ",
        options_.database, " for ",
        absl::FormatDuration(options_.migration_timeout)));
  }
  absl::Status status = ApplyMissingMigrations(connection);
  absl::StatusOr<Rows> released =
      connection.Query("SELECT RELEASE_LOCK(?)", Params().Text(lock_name));
  if (status.ok() && !released.ok()) status = released.status();
  return status;
}

// Whether a migration statement failed because what it makes exists: a
// crash stopped an earlier run of its migration after this statement.
bool AlreadyApplied(int error_code) {
  switch (error_code) {
    case 1050:  // ER_TABLE_EXISTS_ERROR
    case 1060:  // ER_DUP_FIELDNAME
    case 1061:  // ER_DUP_KEYNAME
    case 1826:  // ER_FK_DUP_NAME
      return true;
  }
  return false;
}

absl::Status ConnectionPool::ApplyMissingMigrations(Connection& connection) {
  LC_RETURN_IF_ERROR(
      connection.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version BIGINT NOT NULL PRIMARY KEY,"
                      " applied_at BIGINT NOT NULL"
                      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));
  LC_ASSIGN_OR_RETURN(
      Rows applied,
      connection.Query("SELECT version FROM schema_migrations", Params()));
  std::vector<int64_t> versions;
  for (const Cells& cells : applied) {
    versions.push_back(Row(cells).ReadInt());
  }

  absl::Span<const MySqlMigration> migrations = MySqlMigrations();
  for (size_t i = 0; i < migrations.size(); ++i) {
    const int64_t version = static_cast<int64_t>(i) + 1;
    if (std::find(versions.begin(), versions.end(), version) !=
        versions.end()) {
      continue;
    }
    absl::Status status;
    for (const char* statement : migrations[i].statements) {
      status = connection.Exec(statement);
      if (!status.ok() && AlreadyApplied(connection.last_error_code())) {
        status = absl::OkStatus();
      }
      if (!status.ok()) break;
    }
    if (status.ok()) {
      status = connection
                   .Update(
                       "INSERT INTO schema_migrations (version,"
                       " applied_at) VALUES (?, ?)",
                       Params().Int(version).Time(absl::Now()))
                   .status();
    }
    if (!status.ok()) {
      return absl::Status(
          status.code(),
          absl::StrCat("schema migration ", version, " of database ",
                       options_.database, ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<v1::TargetListMember> ReadMember(Row& r) {
  v1::TargetListMember m;
  r.Skip();  // seq
  m.set_type(r.ReadText());
  m.set_id(r.ReadText());
  m.set_opted_out(r.ReadBool());
  r.ReadTime([&] { return m.mutable_created_at(); });
  r.ReadTime([&] { return m.mutable_modified_at(); });
  m.set_email_address(r.ReadText());
  std::string first_name = r.ReadText();
  std::string last_name = r.ReadText();
  m.set_name(std::string(
      absl::StripAsciiWhitespace(absl::StrCat(first_name, " ", last_name))));
  return m;
}

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

std::string AlreadyExists(absl::string_view kind, absl::string_view id) {
  return absl::StrCat(kind, " ", id, " already exists");
}

class MySqlTransaction : public Transaction {
 public:
  MySqlTransaction(std::shared_ptr<ConnectionPool> pool, TransactionMode mode)
      : pool_(std::move(pool)), mode_(mode) {}

  ~MySqlTransaction() override { End(); }

  // Takes a connection and opens the transaction. A pooled connection that
  // turns out to be lost is replaced: nothing has run on it yet.
  absl::Status Start() {
    for (int attempt = 1;; ++attempt) {
      bool reused = false;
      LC_ASSIGN_OR_RETURN(connection_, pool_->Acquire(&reused));
      absl::Status status = Open();
      if (status.ok()) {
        in_transaction_ = true;
        return status;
      }
      const bool retry = reused && connection_->broken() && attempt < 3;
      pool_->Release(std::move(connection_));
      if (!retry) return status;
    }
  }

  absl::Status Commit() override {
    LC_RETURN_IF_ERROR(CheckOpen());
    absl::Status status = connection_->Exec("COMMIT");
    if (status.ok()) in_transaction_ = false;
    End();
    return status;
  }

  absl::Status LockIdentity(absl::string_view identity) override {
    LC_RETURN_IF_ERROR(CheckOpen());
    // A reader changes nothing, so there is nothing to serialise.
    if (mode_ == TransactionMode::kReadOnly) return absl::OkStatus();
    // The upsert takes the row's exclusive lock at once, whether it inserts
    // or updates (a plain INSERT IGNORE or a SELECT ... FOR UPDATE after it
    // would take a shared lock first, and two upgrades deadlock).
    return Update(
               "INSERT INTO identity_locks (identity, locked_at)"
               " VALUES (?, ?) ON DUPLICATE KEY UPDATE"
               " locked_at = VALUES(locked_at)",
               Params().Text(identity).Time(absl::Now()))
        .status();
  }

  // Entry points.

  absl::Status CreateEntryPoint(const v1::EntryPoint& entry_point) override {
    LC_RETURN_IF_ERROR(CheckEmailTemplateReference(entry_point));
    Params p;
    p.Text(entry_point.id());
    LC_RETURN_IF_ERROR(BindEntryPoint(entry_point, p));
    return DescribeEntryPointError(Update(EntryPointSql().insert, p).status(),
                                   entry_point);
  }

  absl::StatusOr<v1::EntryPoint> GetEntryPoint(absl::string_view id) override {
    return GetById<v1::EntryPoint>(EntryPointSql(), "entry point", id,
                                   ReadEntryPoint);
  }

  absl::StatusOr<std::optional<v1::EntryPoint>> FindEntryPointByApiKey(
      absl::string_view api_key) override {
    LC_ASSIGN_OR_RETURN(Rows rows,
                        Query(EntryPointSql().select + "WHERE api_key = ?",
                              Params().Text(api_key)));
    return ReadFirst<v1::EntryPoint>(rows, ReadEntryPoint);
  }

  absl::StatusOr<Page<v1::EntryPoint>> ListEntryPoints(
      const PageRequest& page) override {
    return ListAll<v1::EntryPoint>(EntryPointSql(), page, ReadEntryPoint);
  }

  absl::Status UpdateEntryPoint(const v1::EntryPoint& entry_point) override {
    LC_RETURN_IF_ERROR(CheckEmailTemplateReference(entry_point));
    Params p;
    LC_RETURN_IF_ERROR(BindEntryPoint(entry_point, p));
    p.Text(entry_point.id());
    absl::StatusOr<int64_t> matched = Update(EntryPointSql().update, p);
    LC_RETURN_IF_ERROR(DescribeEntryPointError(matched.status(), entry_point));
    if (*matched == 0) return NotFound("entry point", entry_point.id());
    return absl::OkStatus();
  }

  absl::Status DeleteEntryPoint(absl::string_view id) override {
    return DeleteById("entry_points", "entry point", id);
  }

  // Target lists.

  absl::Status CreateTargetList(const v1::TargetList& target_list) override {
    Params p;
    p.Text(target_list.id())
        .Text(target_list.name())
        .Text(target_list.description())
        .Time(
            TimeOrNull(target_list.has_created_at(), target_list.created_at()))
        .Time(TimeOrNull(target_list.has_modified_at(),
                         target_list.modified_at()));
    return Describe(Update(TargetListSql().insert, p).status(),
                    AlreadyExists("target list", target_list.id()), "");
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
    LC_ASSIGN_OR_RETURN(Rows rows,
                        Query("SELECT opted_out FROM target_list_members"
                              " WHERE target_list_id = ? AND member_type = ?"
                              " AND member_id = ?",
                              Params()
                                  .Text(target_list_id)
                                  .Text(MemberTypeName(type))
                                  .Text(member_id)));
    if (rows.empty()) return std::optional<Membership>();
    Membership membership;
    membership.opted_out = Row(rows[0]).ReadBool();
    return std::optional<Membership>(membership);
  }

  absl::Status PutMembership(absl::string_view target_list_id, MemberType type,
                             absl::string_view member_id, bool opted_out,
                             absl::Time now) override {
    LC_RETURN_IF_ERROR(
        CheckMembershipReferences(target_list_id, type, member_id));

    // One upsert, so that two processes adding one member cannot both
    // insert; an existing row keeps its seq (its place in the list) and
    // created_at.
    return Update(
               "INSERT INTO target_list_members (target_list_id,"
               " member_type, member_id, opted_out, created_at, modified_at)"
               " VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
               " opted_out = VALUES(opted_out),"
               " modified_at = VALUES(modified_at)",
               Params()
                   .Text(target_list_id)
                   .Text(MemberTypeName(type))
                   .Text(member_id)
                   .Bool(opted_out)
                   .Time(now)
                   .Time(now))
        .status();
  }

  absl::Status DeleteMembership(absl::string_view target_list_id,
                                MemberType type,
                                absl::string_view member_id) override {
    LC_ASSIGN_OR_RETURN(
        int64_t deleted,
        Update("DELETE FROM target_list_members WHERE target_list_id = ?"
               " AND member_type = ? AND member_id = ?",
               Params()
                   .Text(target_list_id)
                   .Text(MemberTypeName(type))
                   .Text(member_id)));
    if (deleted == 0) {
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
    Params p;
    p.Text(target_list_id);
    return ReadPage<v1::TargetListMember>(
        "SELECT m.seq, m.member_type, m.member_id, m.opted_out,"
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
        " ORDER BY m.seq LIMIT ?",
        p, page, ReadMember);
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
    Params p;
    p.Text(entry.id())
        .Text(entry.campaign_id())
        .Text(entry.action())
        .Text(entry.parent_type())
        .Text(entry.parent_id())
        .Text(entry.data())
        .Time(TimeOrNull(entry.has_created_at(), entry.created_at()));
    return Describe(
        Update(CampaignLogEntrySql().insert, p).status(),
        AlreadyExists("campaign log entry", entry.id()),
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
    Params p;
    p.Text(contact.id())
        .Text(contact.salutation_name())
        .Text(contact.first_name())
        .Text(contact.last_name())
        .Text(contact.email_address())
        .Text(EmailKey(contact.email_address()))
        .Text(contact.phone_number())
        .Time(TimeOrNull(contact.has_created_at(), contact.created_at()))
        .Time(TimeOrNull(contact.has_modified_at(), contact.modified_at()));
    return Describe(Update(ContactSql().insert, p).status(),
                    AlreadyExists("contact", contact.id()), "");
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
    Params p;
    p.Text(lead.id());
    BindLead(lead, p);
    LC_RETURN_IF_ERROR(Describe(Update(LeadSql().insert, p).status(),
                                AlreadyExists("lead", lead.id()), ""));
    // A new lead has no team rows yet.
    return InsertTeamIds(lead);
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
    Params p;
    BindLead(lead, p);
    p.Text(lead.id());
    LC_ASSIGN_OR_RETURN(int64_t matched, Update(LeadSql().update, p));
    if (matched == 0) return NotFound("lead", lead.id());
    LC_RETURN_IF_ERROR(Update("DELETE FROM lead_teams WHERE lead_id = ?",
                              Params().Text(lead.id()))
                           .status());
    return InsertTeamIds(lead);
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
    Params p;
    p.Text(log.id())
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
    return Describe(Update(CaptureLogSql().insert, p).status(),
                    AlreadyExists("capture log", log.id()), "");
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
    Params p;
    p.Text(email_template.id());
    BindEmailTemplate(email_template, p);
    return Describe(Update(EmailTemplateSql().insert, p).status(),
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
    Params p;
    BindEmailTemplate(email_template, p);
    p.Text(email_template.id());
    LC_ASSIGN_OR_RETURN(int64_t matched, Update(EmailTemplateSql().update, p));
    if (matched == 0) return NotFound("e-mail template", email_template.id());
    return absl::OkStatus();
  }

  absl::Status DeleteEmailTemplate(absl::string_view id) override {
    // The foreign key clears entry points' opt_in_template_id.
    return DeleteById("email_templates", "e-mail template", id);
  }

  // Double opt-in requests.

  absl::Status CreateOptInRequest(const v1::OptInRequest& request,
                                  absl::string_view token_hash) override {
    Params p;
    p.Text(request.id());
    BindOptInRequest(request, p);
    p.Blob(token_hash);
    absl::Status status = Update(OptInRequestSql().insert, p).status();
    // The server names the key that clashed; the hash itself is never
    // shown.
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
    LC_ASSIGN_OR_RETURN(Rows rows,
                        Query(OptInRequestSql().select + "WHERE token_hash = ?",
                              Params().Blob(token_hash)));
    return ReadFirst<v1::OptInRequest>(rows, ReadOptInRequest);
  }

  absl::StatusOr<std::optional<v1::OptInRequest>> FindConfirmedOptInRequest(
      absl::string_view entry_point_id, absl::string_view email_key) override {
    LC_ASSIGN_OR_RETURN(Rows rows,
                        Query(OptInRequestSql().select +
                                  "WHERE entry_point_id = ? AND email_key = ?"
                                  " AND confirmed_at IS NOT NULL"
                                  " ORDER BY created_at, seq LIMIT 1",
                              Params().Text(entry_point_id).Text(email_key)));
    return ReadFirst<v1::OptInRequest>(rows, ReadOptInRequest);
  }

  absl::StatusOr<int64_t> CountOptInRequestsSince(
      absl::string_view entry_point_id, absl::string_view email_key,
      absl::Time since) override {
    LC_ASSIGN_OR_RETURN(
        Rows rows,
        Query("SELECT COUNT(*) FROM opt_in_requests"
              " WHERE entry_point_id = ? AND email_key = ?"
              " AND created_at >= ?",
              Params().Text(entry_point_id).Text(email_key).Time(since)));
    if (rows.empty()) return absl::InternalError("COUNT(*) gave no row");
    return Row(rows[0]).ReadInt();
  }

  absl::Status UpdateOptInRequest(const v1::OptInRequest& request) override {
    Params p;
    BindOptInRequest(request, p);
    p.Text(request.id());
    LC_ASSIGN_OR_RETURN(int64_t matched, Update(OptInRequestSql().update, p));
    if (matched == 0) return NotFound("opt-in request", request.id());
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
    return Update(
        "DELETE FROM opt_in_requests"
        " WHERE confirmed_at IS NULL AND expires_at < ?",
        Params().Time(before));
  }

  // The outbox.

  absl::Status EnqueueOutboxMessage(const v1::OutboxMessage& message,
                                    absl::string_view content) override {
    Params p;
    p.Text(message.id());
    BindOutboxMessage(message, p);
    p.Blob(content);
    return Describe(Update(OutboxMessageSql().insert, p).status(),
                    AlreadyExists("outbox message", message.id()), "");
  }

  absl::StatusOr<std::vector<OutboxItem>> ClaimOutboxMessages(
      absl::Time now, absl::Time lease_until, int limit) override {
    std::vector<OutboxItem> items;
    if (limit <= 0) return items;

    // FOR UPDATE locks the due rows until this transaction ends; SKIP
    // LOCKED passes over the rows another claim holds, so that concurrent
    // claims, in any process, take disjoint messages without waiting. Once
    // a claim commits, its rows are not due any more (leased).
    LC_ASSIGN_OR_RETURN(
        Rows rows,
        LockingQuery(absl::StrCat("SELECT ", OutboxMessageSql().columns,
                                  ", content FROM outbox_messages"
                                  " WHERE status = ?"
                                  " AND (next_attempt_at IS NULL"
                                  " OR next_attempt_at <= ?)"
                                  " ORDER BY created_at, seq LIMIT ?"
                                  " FOR UPDATE SKIP LOCKED"),
                     Params().Int(v1::QUEUED).Time(now).Int(limit)));
    for (const Cells& cells : rows) {
      Row row(cells);
      OutboxItem item;
      LC_ASSIGN_OR_RETURN(item.message, ReadOutboxMessage(row));
      item.content = row.ReadText();
      items.push_back(std::move(item));
    }

    for (OutboxItem& item : items) {
      LC_RETURN_IF_ERROR(
          Update("UPDATE outbox_messages SET next_attempt_at = ?,"
                 " attempts = attempts + 1 WHERE id = ?",
                 Params().Time(lease_until).Text(item.message.id()))
              .status());
      FromMicros(absl::ToUnixMicros(lease_until),
                 item.message.mutable_next_attempt_at());
      item.message.set_attempts(item.message.attempts() + 1);
    }
    return items;
  }

  absl::Status MarkOutboxMessageSent(absl::string_view id,
                                     absl::Time now) override {
    return UpdateOutboxMessage(
        "UPDATE outbox_messages SET status = ?, sent_at = ?, content = ''"
        " WHERE id = ?",
        Params().Int(v1::SENT).Time(now).Text(id), id);
  }

  absl::Status MarkOutboxMessageFailed(absl::string_view id,
                                       absl::string_view error,
                                       absl::Time next_attempt_at,
                                       bool give_up) override {
    if (give_up) {
      return UpdateOutboxMessage(
          "UPDATE outbox_messages SET status = ?, last_error = ?,"
          " content = '' WHERE id = ?",
          Params().Int(v1::FAILED).Text(error).Text(id), id);
    }
    return UpdateOutboxMessage(
        "UPDATE outbox_messages SET last_error = ?, next_attempt_at = ?"
        " WHERE id = ?",
        Params().Text(error).Time(next_attempt_at).Text(id), id);
  }

  absl::StatusOr<Page<v1::OutboxMessage>> ListOutboxMessages(
      const PageRequest& page) override {
    return ListAll<v1::OutboxMessage>(OutboxMessageSql(), page,
                                      ReadOutboxMessage);
  }

 private:
  // Opens the server transaction on connection_.
  absl::Status Open() {
    if (mode_ == TransactionMode::kReadWrite) {
      return connection_->Exec("START TRANSACTION READ WRITE");
    }
    LC_RETURN_IF_ERROR(
        connection_->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
    return connection_->Exec(
        "START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT");
  }

  // FAILED_PRECONDITION once the transaction has ended, or when the server
  // rolled it back after an error (then nothing more may run in it: each
  // statement would commit on its own).
  absl::Status CheckOpen() const {
    if (connection_ == nullptr) {
      return absl::FailedPreconditionError("the transaction has ended");
    }
    if (!in_transaction_) {
      return absl::FailedPreconditionError(
          "the transaction was rolled back after an error");
    }
    return absl::OkStatus();
  }

  // Runs `fn` (a call on connection_) in the open transaction. A deadlock
  // before the first write starts the transaction again and tries once
  // more: at READ COMMITTED, earlier reads held neither locks nor a
  // snapshot, so nothing of the lost attempt is missed. A deadlock after a
  // write, a lock wait timeout (which some servers answer by rolling back
  // the whole transaction: innodb_rollback_on_timeout) or a lost
  // connection ends the transaction.
  template <typename Fn>
  auto Run(bool writes, Fn fn) -> decltype(fn()) {
    LC_RETURN_IF_ERROR(CheckOpen());
    for (int attempt = 1;; ++attempt) {
      auto result = fn();
      if (result.ok()) {
        if (writes) wrote_ = true;
        return result;
      }
      const bool deadlock = connection_->last_error() == ErrorKind::kDeadlock;
      if (deadlock && !wrote_ && attempt < kDeadlockAttempts) {
        absl::Status restarted = Open();
        if (restarted.ok()) continue;
        in_transaction_ = false;
        return restarted;
      }
      const bool lock_timeout =
          connection_->last_error() == ErrorKind::kLockTimeout;
      if (deadlock || lock_timeout || connection_->broken()) {
        if (!connection_->broken()) {
          connection_->Exec("ROLLBACK").IgnoreError();
        }
        in_transaction_ = false;
      }
      return result;
    }
  }

  absl::StatusOr<Rows> Query(const std::string& sql, const Params& params) {
    LC_RETURN_IF_ERROR(params.status());
    return Run(/*writes=*/false,
               [&] { return connection_->Query(sql, params); });
  }

  // A query that locks the rows it reads (FOR UPDATE): counts as a write,
  // since a restart would lose the locks.
  absl::StatusOr<Rows> LockingQuery(const std::string& sql,
                                    const Params& params) {
    LC_RETURN_IF_ERROR(params.status());
    return Run(/*writes=*/true,
               [&] { return connection_->Query(sql, params); });
  }

  absl::StatusOr<int64_t> Update(const std::string& sql, const Params& params) {
    LC_RETURN_IF_ERROR(params.status());
    return Run(/*writes=*/true,
               [&] { return connection_->Update(sql, params); });
  }

  // Rolls back what was not committed and gives back the connection. Safe
  // to call twice.
  void End() {
    if (connection_ == nullptr) return;
    if (in_transaction_ && !connection_->broken()) {
      connection_->Exec("ROLLBACK").IgnoreError();
    }
    in_transaction_ = false;
    pool_->Release(std::move(connection_));
  }

  static absl::Status DescribeEntryPointError(absl::Status status,
                                              const v1::EntryPoint& e) {
    // The server names the key that clashed; the API key itself is never
    // shown.
    if (absl::IsAlreadyExists(status) &&
        absl::StrContains(status.message(), "api_key")) {
      return absl::AlreadyExistsError(
          "an entry point with this API key already exists");
    }
    return Describe(
        status, AlreadyExists("entry point", e.id()),
        absl::StrCat("target list ", e.target_list_id(), " not found"));
  }

  template <typename T, typename Read>
  static absl::StatusOr<std::optional<T>> ReadFirst(const Rows& rows,
                                                    Read read) {
    if (rows.empty()) return std::optional<T>();
    Row row(rows[0]);
    LC_ASSIGN_OR_RETURN(T item, read(row));
    return std::optional<T>(std::move(item));
  }

  template <typename T, typename Read>
  absl::StatusOr<T> GetById(const RecordSql& sql, absl::string_view kind,
                            absl::string_view id, Read read) {
    LC_ASSIGN_OR_RETURN(Rows rows,
                        Query(sql.select + "WHERE id = ?", Params().Text(id)));
    LC_ASSIGN_OR_RETURN(std::optional<T> item, ReadFirst<T>(rows, read));
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
        Rows rows, Query(absl::StrCat(sql.select, "WHERE ", column,
                                      " = ? ORDER BY created_at, seq LIMIT 1"),
                         Params().Text(value)));
    return ReadFirst<T>(rows, read);
  }

  absl::StatusOr<std::optional<v1::Lead>> FindOldestLead(
      absl::string_view column, absl::string_view value) {
    LC_ASSIGN_OR_RETURN(
        std::optional<v1::Lead> lead,
        FindOldest<v1::Lead>(LeadSql(), column, value, ReadLead));
    if (lead.has_value()) LC_RETURN_IF_ERROR(LoadTeamIds(*lead));
    return lead;
  }

  // Reads one page of `sql`, a query whose first column is seq and whose
  // last two parameters are "seq > ?" and "LIMIT ?" (added here to
  // `params`).
  template <typename T, typename Read>
  absl::StatusOr<Page<T>> ReadPage(const std::string& sql, Params params,
                                   const PageRequest& request, Read read) {
    LC_ASSIGN_OR_RETURN(int64_t after, ParsePageToken(request.page_token));
    const int64_t size = ClampPageSize(request.page_size);
    // One row more than asked tells whether another page follows.
    params.Int(after).Int(size + 1);
    LC_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
    Page<T> page;
    int64_t last_seq = after;
    for (const Cells& cells : rows) {
      Row row(cells);
      if (static_cast<int64_t>(page.items.size()) == size) {
        page.next_page_token = absl::StrCat(last_seq);
        break;
      }
      last_seq = row.PeekSeq();
      LC_ASSIGN_OR_RETURN(T item, read(row));
      page.items.push_back(std::move(item));
    }
    return page;
  }

  template <typename T, typename Read>
  absl::StatusOr<Page<T>> ListAll(const RecordSql& sql,
                                  const PageRequest& request, Read read) {
    return ReadPage<T>(sql.select + "WHERE seq > ? ORDER BY seq LIMIT ?",
                       Params(), request, read);
  }

  template <typename T, typename Read>
  absl::StatusOr<Page<T>> ListFiltered(const RecordSql& sql,
                                       absl::string_view column,
                                       absl::string_view value,
                                       const PageRequest& request, Read read) {
    Params p;
    p.Text(value);
    return ReadPage<T>(absl::StrCat(sql.select, "WHERE ", column,
                                    " = ? AND seq > ? ORDER BY seq LIMIT ?"),
                       std::move(p), request, read);
  }

  // Whether `table` has a row with this id.
  absl::StatusOr<bool> Exists(absl::string_view table, absl::string_view id) {
    LC_ASSIGN_OR_RETURN(
        Rows rows, Query(absl::StrCat("SELECT 1 FROM ", table, " WHERE id = ?"),
                         Params().Text(id)));
    return !rows.empty();
  }

  absl::Status DeleteById(absl::string_view table, absl::string_view kind,
                          absl::string_view id) {
    LC_ASSIGN_OR_RETURN(
        int64_t deleted,
        Update(absl::StrCat("DELETE FROM ", table, " WHERE id = ?"),
               Params().Text(id)));
    if (deleted == 0) return NotFound(kind, id);
    return absl::OkStatus();
  }

  template <typename Named>
  absl::Status CreateNamed(const RecordSql& sql, absl::string_view kind,
                           const Named& named) {
    Params p;
    p.Text(named.id())
        .Text(named.name())
        .Time(TimeOrNull(named.has_created_at(), named.created_at()))
        .Time(TimeOrNull(named.has_modified_at(), named.modified_at()));
    return Describe(Update(sql.insert, p).status(),
                    AlreadyExists(kind, named.id()), "");
  }

  // FAILED_PRECONDITION when the entry point names an e-mail template that
  // does not exist; checked beforehand, so that a foreign key error of the
  // insert or update is about the target list.
  absl::Status CheckEmailTemplateReference(const v1::EntryPoint& e) {
    if (e.opt_in_template_id().empty()) return absl::OkStatus();
    LC_ASSIGN_OR_RETURN(bool exists,
                        Exists("email_templates", e.opt_in_template_id()));
    if (exists) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("e-mail template ", e.opt_in_template_id(), " not found"));
  }

  // Runs an UPDATE of the outbox message `id`; NOT_FOUND if there is none.
  absl::Status UpdateOutboxMessage(const std::string& sql, const Params& params,
                                   absl::string_view id) {
    LC_ASSIGN_OR_RETURN(int64_t matched, Update(sql, params));
    if (matched == 0) return NotFound("outbox message", id);
    return absl::OkStatus();
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

  absl::Status LoadTeamIds(v1::Lead& lead) {
    LC_ASSIGN_OR_RETURN(Rows rows,
                        Query("SELECT team_id FROM lead_teams WHERE lead_id = ?"
                              " ORDER BY position",
                              Params().Text(lead.id())));
    lead.clear_team_ids();
    for (const Cells& cells : rows) lead.add_team_ids(Row(cells).ReadText());
    return absl::OkStatus();
  }

  // Inserts the lead's team rows in one statement.
  absl::Status InsertTeamIds(const v1::Lead& lead) {
    if (lead.team_ids().empty()) return absl::OkStatus();
    std::vector<std::string> rows(lead.team_ids_size(), "(?, ?, ?)");
    Params p;
    for (int i = 0; i < lead.team_ids_size(); ++i) {
      p.Text(lead.id()).Int(i).Text(lead.team_ids(i));
    }
    return Update(absl::StrCat("INSERT INTO lead_teams (lead_id, position,"
                               " team_id) VALUES ",
                               absl::StrJoin(rows, ", ")),
                  p)
        .status();
  }

  std::shared_ptr<ConnectionPool> pool_;
  const TransactionMode mode_;
  std::unique_ptr<Connection> connection_;
  // Whether the server transaction is open.
  bool in_transaction_ = false;
  // Whether a statement of this transaction has written (or locked).
  bool wrote_ = false;
};

// Decodes %XX escapes. INVALID_ARGUMENT for a malformed one.
absl::StatusOr<std::string> PercentDecode(absl::string_view text,
                                          absl::string_view what) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed %-escape in the ", what));
    }
    int value = 0;
    for (size_t j = i + 1; j <= i + 2; ++j) {
      const char c = text[j];
      int digit = -1;
      if (c >= '0' && c <= '9') digit = c - '0';
      if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
      if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
      if (digit < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("malformed %-escape in the ", what));
      }
      value = value * 16 + digit;
    }
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

}  // namespace
}  // namespace mysql_internal

absl::StatusOr<MySqlStore::Options> ParseMySqlUrl(absl::string_view url) {
  using mysql_internal::PercentDecode;
  constexpr absl::string_view kScheme = "mysql://";
  constexpr absl::string_view kForm =
      "expected mysql://USER@HOST:PORT/DATABASE or "
      "mysql://USER@localhost/DATABASE?socket=PATH";
  if (!absl::StartsWith(url, kScheme)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a MySQL database URL; ", kForm));
  }
  absl::string_view rest = url.substr(kScheme.size());

  absl::string_view query;
  if (size_t q = rest.find('?'); q != absl::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  if (slash == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("the database URL names no database; ", kForm));
  }
  absl::string_view authority = rest.substr(0, slash);
  absl::string_view database = rest.substr(slash + 1);
  const size_t at = authority.rfind('@');
  if (at == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("the database URL names no user; ", kForm));
  }
  absl::string_view user = authority.substr(0, at);
  absl::string_view host_port = authority.substr(at + 1);
  // What follows the colon is never repeated: it would be the password.
  if (user.find(':') != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        "the database URL must not hold a password; give it in "
        "LEADCAPTURE_DB_PASSWORD or in a password file");
  }

  MySqlStore::Options options;
  LC_ASSIGN_OR_RETURN(options.user, PercentDecode(user, "user name"));
  LC_ASSIGN_OR_RETURN(options.database, PercentDecode(database, "database"));
  if (options.user.empty() || options.database.empty() ||
      options.database.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the database URL needs a user and one database name; ", kForm));
  }

  std::string socket;
  for (absl::string_view parameter :
       absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(parameter, absl::MaxSplits('=', 1));
    if (kv.first == "socket") {
      LC_ASSIGN_OR_RETURN(socket, PercentDecode(kv.second, "socket path"));
    } else if (kv.first == "pool_size") {
      if (!absl::SimpleAtoi(kv.second, &options.max_connections) ||
          options.max_connections < 1 || options.max_connections > 1000) {
        return absl::InvalidArgumentError(
            "pool_size in the database URL must be 1 to 1000");
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown database URL parameter \"", kv.first,
                       "\"; known: socket, pool_size"));
    }
  }

  if (!socket.empty()) {
    if (host_port != "localhost") {
      return absl::InvalidArgumentError(
          "a database URL with a socket must name the host localhost");
    }
    options.host = absl::StrCat("unix://", socket);
    return options;
  }

  // HOST, HOST:PORT, [IPv6] or [IPv6]:PORT.
  absl::string_view host = host_port;
  absl::string_view port = "3306";
  if (absl::StartsWith(host_port, "[")) {
    const size_t close = host_port.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          "malformed IPv6 host in the database URL");
    }
    host = host_port.substr(0, close + 1);
    absl::string_view after = host_port.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return absl::InvalidArgumentError(
            "malformed IPv6 host in the database URL");
      }
      port = after.substr(1);
    }
  } else if (size_t colon = host_port.rfind(':');
             colon != absl::string_view::npos) {
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
  }
  int port_number = 0;
  if (host.empty() || !absl::SimpleAtoi(port, &port_number) ||
      port_number < 1 || port_number > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("the database URL needs a host and a port from 1 to "
                     "65535; ",
                     kForm));
  }
  options.host = absl::StrCat("tcp://", host, ":", port_number);
  return options;
}

MySqlStore::MySqlStore(std::shared_ptr<mysql_internal::ConnectionPool> pool)
    : pool_(std::move(pool)) {}

MySqlStore::~MySqlStore() = default;

absl::StatusOr<std::unique_ptr<MySqlStore>> MySqlStore::Open(
    const Options& options) {
  if (options.host.empty() || options.user.empty() ||
      options.database.empty()) {
    return absl::InvalidArgumentError(
        "a MySQL store needs a host, a user and a database");
  }
  if (options.max_connections < 1) {
    return absl::InvalidArgumentError("max_connections must be at least 1");
  }
  if (options.lock_timeout < absl::Seconds(1) ||
      options.io_timeout <= options.lock_timeout ||
      options.connect_timeout < absl::Seconds(1) ||
      options.migration_timeout < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "MySQL timeouts must be at least 1s, and the I/O timeout longer "
        "than the lock timeout");
  }
  auto pool = std::make_shared<mysql_internal::ConnectionPool>(options);
  LC_RETURN_IF_ERROR(pool->Start());
  return std::unique_ptr<MySqlStore>(new MySqlStore(std::move(pool)));
}

absl::StatusOr<std::unique_ptr<Transaction>> MySqlStore::Begin(
    TransactionMode mode) {
  auto transaction =
      std::make_unique<mysql_internal::MySqlTransaction>(pool_, mode);
  LC_RETURN_IF_ERROR(transaction->Start());
  return std::unique_ptr<Transaction>(std::move(transaction));
}

}  // namespace leadcapture::storage
