// The MySQL/MariaDB implementation of Store, over MySQL Connector/C++ 1.1
// (InnoDB tables, utf8mb4 text; see mysql_schema.cc).
//
// Several processes may share one database; the store keeps the Store
// contract across them:
// - kReadWrite transactions run at READ COMMITTED: every statement reads
//   the latest committed rows, and no gap locks are taken, so captures of
//   different people never block or deadlock each other.
//   Transaction::LockIdentity upserts a row of identity_locks and holds its
//   exclusive lock until the transaction ends, so that a second capture of
//   one person waits for the first and then finds its lead.
// - kReadOnly transactions are READ ONLY with a consistent snapshot
//   (REPEATABLE READ): every read sees the database as it was when the
//   transaction started, as an SQLite reader does.
// - Migrations are applied under a named server lock (GET_LOCK), the
//   version checked again inside it, so each runs once however many
//   processes start at once.
//
// Connections come from a bounded pool. A connection that fails at the
// network level is dropped (with the idle ones, which usually share its
// fate), and a transaction whose first statement fails that way starts
// again on a new connection; when the server is down, Begin gives
// UNAVAILABLE within the connect timeout, and the store serves again as
// soon as the server is back, without a restart.
//
// Error codes as store.h says, plus: UNAVAILABLE for a lost or refused
// connection, a lock wait past the lock timeout, or a deadlock that could
// not be retried; the transaction is then rolled back and refuses further
// work (FAILED_PRECONDITION). When the connection breaks during Commit, the
// transaction may or may not have been stored. A deadlock in a transaction
// that has not written yet is retried by starting it again, invisibly: at
// READ COMMITTED it holds no snapshot and no locks before its first write.
// INVALID_ARGUMENT for a value too long for its column (ids and keys are
// up to 255 bytes, e-mail keys up to 1024). No exception leaves this
// store; the password is never part of a message.
#ifndef LEADCAPTURE_STORAGE_MYSQL_STORE_H_
#define LEADCAPTURE_STORAGE_MYSQL_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage/store.h"

namespace leadcapture::storage {

namespace mysql_internal {
class ConnectionPool;
}  // namespace mysql_internal

// Thread-safe. Transactions may outlive the store object: each keeps the
// connection pool alive until it ends.
class MySqlStore : public Store {
 public:
  struct Options {
    // The server: "tcp://HOST:PORT" or "unix:///path/to/mysqld.sock".
    std::string host;
    std::string user;
    // Never logged nor put in an error message.
    std::string password;
    std::string database;
    // The most connections open at once; Begin waits for a free one past
    // that, up to lock_timeout.
    int max_connections = 8;
    // How long opening a connection may take.
    absl::Duration connect_timeout = absl::Seconds(2);
    // How long one read or write on a connection may take before the
    // connection counts as lost. Longer than lock_timeout, which the
    // server spends inside one statement.
    absl::Duration io_timeout = absl::Seconds(4);
    // How long a statement waits for a row lock (whole seconds, at least
    // one; the server's innodb_lock_wait_timeout), and Begin for a free
    // connection.
    absl::Duration lock_timeout = absl::Seconds(2);
    // How long Open waits for another process's migrations, and how long a
    // migration statement may run.
    absl::Duration migration_timeout = absl::Minutes(10);
  };

  // Connects (utf8mb4, strict SQL mode) and applies the missing schema
  // migrations. UNAVAILABLE when the server cannot be
  // reached or refuses the login; INVALID_ARGUMENT for bad options.
  static absl::StatusOr<std::unique_ptr<MySqlStore>> Open(
      const Options& options);

  ~MySqlStore() override;

  // UNAVAILABLE when no connection could be had (the server is down, or
  // every connection stayed busy for lock_timeout).
  absl::StatusOr<std::unique_ptr<Transaction>> Begin(
      TransactionMode mode) override;

 private:
  explicit MySqlStore(std::shared_ptr<mysql_internal::ConnectionPool> pool);

  std::shared_ptr<mysql_internal::ConnectionPool> pool_;
};

// Parses a MySQL database URL into Options (the password stays empty):
//   mysql://USER@HOST[:PORT]/DATABASE        (TCP; PORT defaults to 3306)
//   mysql://USER@localhost/DATABASE?socket=PATH   (a Unix socket)
// An optional "pool_size=N" parameter (1 to 1000) sets max_connections;
// parameters are joined with '&'. USER, DATABASE and PATH may be
// percent-encoded. INVALID_ARGUMENT for anything else, and for a URL that
// holds a password (USER:PASSWORD@), without repeating it.
absl::StatusOr<MySqlStore::Options> ParseMySqlUrl(absl::string_view url);

}  // namespace leadcapture::storage

#endif  // LEADCAPTURE_STORAGE_MYSQL_STORE_H_
