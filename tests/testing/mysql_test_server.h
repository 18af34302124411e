// MySQL/MariaDB for tests: a scratch database per test on the server the
// environment names, and a server of a test's own that it may stop and
// start (tools/mariadb).
//
// The environment:
//   LEADCAPTURE_TEST_MYSQL_URL  mysql://USER@HOST:PORT/DATABASE, the server
//                               and user of the tests (tools/test starts
//                               one and sets it). Each test gets a database
//                               of its own named DATABASE_t<pid>_<n>: the
//                               user needs the right to create and drop
//                               those (tools/mariadb grants it).
//   LEADCAPTURE_DB_PASSWORD     that user's password.
//   LEADCAPTURE_TEST_MYSQL=off  switches the MySQL tests off for a quick
//                               local run. Without it, a missing URL makes
//                               them fail, not skip.
#ifndef LEADCAPTURE_TESTS_TESTING_MYSQL_TEST_SERVER_H_
#define LEADCAPTURE_TESTS_TESTING_MYSQL_TEST_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/mysql_store.h"

namespace leadcapture::testing {

// Whether LEADCAPTURE_TEST_MYSQL=off switches the MySQL tests off.
bool MySqlTestsSwitchedOff();

// A loopback TCP port nothing listens on right now (bound to port 0, read,
// released).
absl::StatusOr<int> FreeLoopbackPort();

// Rows of a query result, each cell as text ("NULL" for NULL).
using SqlRows = std::vector<std::vector<std::string>>;

// Runs `sql` on a connection of its own to the database of `options`
// (none when options.database is empty). Gives the rows of a query, no
// rows for other statements.
absl::StatusOr<SqlRows> RunSql(const storage::MySqlStore::Options& options,
                               const std::string& sql);

// An empty database of its own on the tests' server, dropped (with
// everything in it) at destruction.
class ScratchDatabase {
 public:
  // FAILED_PRECONDITION, saying how to set the environment, when
  // LEADCAPTURE_TEST_MYSQL_URL is not set; UNAVAILABLE when the server
  // cannot be reached.
  static absl::StatusOr<std::unique_ptr<ScratchDatabase>> Create();

  ~ScratchDatabase();

  // The database URL (the password is not part of it; OpenStore reads it
  // from LEADCAPTURE_DB_PASSWORD).
  const std::string& url() const { return url_; }
  // The store options of this database, password included.
  const storage::MySqlStore::Options& options() const { return options_; }
  const std::string& name() const { return options_.database; }

  // RunSql on this database.
  absl::StatusOr<SqlRows> Query(const std::string& sql) const {
    return RunSql(options_, sql);
  }

 private:
  ScratchDatabase(std::string url, storage::MySqlStore::Options options)
      : url_(std::move(url)), options_(std::move(options)) {}

  std::string url_;
  storage::MySqlStore::Options options_;
};

// A MariaDB server of a test's own, on a free loopback port with its data
// in a new temporary folder, started and stopped by tools/mariadb. Its
// user is leadcapture (password leadcapture), its database
// leadcapture_test. Stopped, and its folder removed, at destruction.
class MariaDbServer {
 public:
  // Creates and starts the server. INTERNAL with the script's output when
  // it does not come up.
  static absl::StatusOr<std::unique_ptr<MariaDbServer>> Start();

  ~MariaDbServer();

  // Stops the server (SIGTERM by its pid, waiting until it has exited).
  absl::Status Stop();
  // Starts the stopped server again, on the same port with the same data.
  absl::Status Restart();

  int port() const { return port_; }
  std::string socket_path() const { return dir_ + "/mysqld.sock"; }
  // mysql://leadcapture@127.0.0.1:PORT/leadcapture_test
  std::string url() const;
  // The store options of leadcapture_test, password included.
  storage::MySqlStore::Options options() const;

 private:
  MariaDbServer(std::string dir, int port)
      : dir_(std::move(dir)), port_(port) {}

  absl::Status RunScript(const std::string& arguments);

  std::string dir_;
  int port_;
};

}  // namespace leadcapture::testing

#endif  // LEADCAPTURE_TESTS_TESTING_MYSQL_TEST_SERVER_H_
