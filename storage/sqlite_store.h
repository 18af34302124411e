// The embedded SQLite implementation of Store.
//
// One database file (or one in-memory database) shared by a small pool of
// connections. The file is in WAL mode, so readers never wait for the
// writer; writers are serialised, first by a mutex of this process, then by
// SQLite's write lock (BEGIN IMMEDIATE), so several processes may share one
// file. A kReadOnly transaction cannot write.
#ifndef LEADCAPTURE_STORAGE_SQLITE_STORE_H_
#define LEADCAPTURE_STORAGE_SQLITE_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/store.h"

namespace leadcapture::storage {

namespace sqlite_internal {
class ConnectionPool;
}  // namespace sqlite_internal

// Thread-safe. Transactions may outlive the store object: each keeps the
// connection pool alive until it ends.
class SqliteStore : public Store {
 public:
  struct Options {
    // How long a transaction waits for the database (another writer's lock,
    // a free connection, this process's write turn) before UNAVAILABLE.
    absl::Duration busy_timeout = absl::Seconds(5);
    // The most connections open at once; Begin waits for a free one past
    // that. An in-memory database always has exactly one.
    int max_connections = 8;
  };

  // Opens the database file at `path`, creating the file (not its
  // directory) if missing, and applies the missing schema migrations.
  // UNAVAILABLE, naming the path, when the file cannot be opened.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(
      const std::string& path);
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(
      const std::string& path, const Options& options);

  // A new private in-memory database that lives as long as this store. It
  // has one connection, so its transactions run one at a time: a thread
  // must not hold two of them at once.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> OpenInMemory();
  static absl::StatusOr<std::unique_ptr<SqliteStore>> OpenInMemory(
      const Options& options);

  ~SqliteStore() override;

  // UNAVAILABLE when no connection, write turn or database lock could be had
  // within the busy timeout.
  absl::StatusOr<std::unique_ptr<Transaction>> Begin(
      TransactionMode mode) override;

 private:
  explicit SqliteStore(std::shared_ptr<sqlite_internal::ConnectionPool> pool);

  std::shared_ptr<sqlite_internal::ConnectionPool> pool_;
};

}  // namespace leadcapture::storage

#endif  // LEADCAPTURE_STORAGE_SQLITE_STORE_H_
