#include "tests/testing/mysql_test_server.h"

#include <arpa/inet.h>
#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/util/status_macros.h"

#ifndef LEADCAPTURE_SOURCE_DIR
#error "LEADCAPTURE_SOURCE_DIR must name the repository root"
#endif

namespace leadcapture::testing {
namespace {

constexpr absl::string_view kHowTo =
    "The MySQL tests need a MySQL/MariaDB server: run them through "
    "tools/test, which starts one, or start one with `tools/mariadb start "
    "DIR PORT` and set LEADCAPTURE_TEST_MYSQL_URL="
    "mysql://leadcapture@127.0.0.1:PORT/leadcapture_test and "
    "LEADCAPTURE_DB_PASSWORD=leadcapture. LEADCAPTURE_TEST_MYSQL=off "
    "switches these tests off.";

}  // namespace

absl::StatusOr<int> FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  if (port <= 0) return absl::InternalError("no free port");
  return port;
}

namespace {

// The URL `url` with its database name replaced by `database`.
std::string WithDatabase(absl::string_view url, absl::string_view database) {
  constexpr absl::string_view kScheme = "mysql://";
  const size_t slash = url.find('/', kScheme.size());
  const size_t query = url.find('?', slash);
  std::string out = absl::StrCat(url.substr(0, slash + 1), database);
  if (query != absl::string_view::npos) {
    absl::StrAppend(&out, url.substr(query));
  }
  return out;
}

}  // namespace

bool MySqlTestsSwitchedOff() {
  const char* value = getenv("LEADCAPTURE_TEST_MYSQL");
  return value != nullptr && absl::string_view(value) == "off";
}

absl::StatusOr<SqlRows> RunSql(const storage::MySqlStore::Options& options,
                               const std::string& sql) {
  try {
    sql::ConnectOptionsMap properties;
    properties["hostName"] = sql::SQLString(options.host);
    properties["userName"] = sql::SQLString(options.user);
    properties["password"] = sql::SQLString(options.password);
    if (!options.database.empty()) {
      properties["schema"] = sql::SQLString(options.database);
    }
    properties["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    properties["OPT_CONNECT_TIMEOUT"] = 5;
    properties["OPT_READ_TIMEOUT"] = 30;
    std::unique_ptr<sql::Connection> connection(
        sql::mysql::get_mysql_driver_instance()->connect(properties));
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    SqlRows rows;
    if (statement->execute(sql)) {
      std::unique_ptr<sql::ResultSet> result(statement->getResultSet());
      const unsigned int columns = result->getMetaData()->getColumnCount();
      while (result->next()) {
        std::vector<std::string> row;
        for (unsigned int i = 1; i <= columns; ++i) {
          row.push_back(result->isNull(i) ? "NULL"
                                          : result->getString(i).asStdString());
        }
        rows.push_back(std::move(row));
      }
    }
    connection->close();
    return rows;
  } catch (const sql::SQLException& e) {
    return absl::UnavailableError(absl::StrCat(
        "mysql: ", e.what(), " (error ", e.getErrorCode(), ") in: ", sql));
  }
}

absl::StatusOr<std::unique_ptr<ScratchDatabase>> ScratchDatabase::Create() {
  const char* url = getenv("LEADCAPTURE_TEST_MYSQL_URL");
  if (url == nullptr || *url == '\0') {
    return absl::FailedPreconditionError(
        absl::StrCat("LEADCAPTURE_TEST_MYSQL_URL is not set. ", kHowTo));
  }
  absl::StatusOr<storage::MySqlStore::Options> server =
      storage::ParseMySqlUrl(url);
  if (!server.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "LEADCAPTURE_TEST_MYSQL_URL: ", server.status().message()));
  }
  if (const char* password = getenv("LEADCAPTURE_DB_PASSWORD")) {
    server->password = password;
  }

  static std::atomic<int> counter{0};
  const std::string name =
      absl::StrCat(server->database, "_t", getpid(), "_", ++counter);
  storage::MySqlStore::Options no_database = *server;
  no_database.database.clear();
  absl::StatusOr<SqlRows> created =
      RunSql(no_database, absl::StrCat("CREATE DATABASE `", name,
                                       "` CHARACTER SET utf8mb4"
                                       " COLLATE utf8mb4_unicode_ci"));
  if (!created.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot make a test database on the server of "
                     "LEADCAPTURE_TEST_MYSQL_URL: ",
                     created.status().message(), ". ", kHowTo));
  }
  storage::MySqlStore::Options options = *server;
  options.database = name;
  return std::unique_ptr<ScratchDatabase>(
      new ScratchDatabase(WithDatabase(url, name), std::move(options)));
}

ScratchDatabase::~ScratchDatabase() {
  storage::MySqlStore::Options no_database = options_;
  no_database.database.clear();
  RunSql(no_database,
         absl::StrCat("DROP DATABASE IF EXISTS `", options_.database, "`"))
      .IgnoreError();
}

absl::StatusOr<std::unique_ptr<MariaDbServer>> MariaDbServer::Start() {
  const char* tmp = getenv("TMPDIR");
  std::string pattern = absl::StrCat(
      tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/lc-mariadb.XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp failed: ", pattern));
  }
  LC_ASSIGN_OR_RETURN(int port, FreeLoopbackPort());
  auto server =
      std::unique_ptr<MariaDbServer>(new MariaDbServer(pattern, port));
  LC_RETURN_IF_ERROR(server->Restart());
  return server;
}

MariaDbServer::~MariaDbServer() {
  Stop().IgnoreError();
  std::error_code error;
  std::filesystem::remove_all(dir_, error);
}

absl::Status MariaDbServer::Stop() { return RunScript("stop " + dir_); }

absl::Status MariaDbServer::Restart() {
  return RunScript(absl::StrCat("start ", dir_, " ", port_));
}

std::string MariaDbServer::url() const {
  return absl::StrCat("mysql://leadcapture@127.0.0.1:", port_,
                      "/leadcapture_test");
}

storage::MySqlStore::Options MariaDbServer::options() const {
  storage::MySqlStore::Options options;
  options.host = absl::StrCat("tcp://127.0.0.1:", port_);
  options.user = "leadcapture";
  options.password = "leadcapture";
  options.database = "leadcapture_test";
  return options;
}

absl::Status MariaDbServer::RunScript(const std::string& arguments) {
  const std::string command = absl::StrCat(
      LEADCAPTURE_SOURCE_DIR, "/tools/mariadb ", arguments, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return absl::InternalError(absl::StrCat("cannot run ", command));
  }
  std::string output;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output.append(buffer, n);
  }
  const int status = pclose(pipe);
  if (status != 0) {
    return absl::InternalError(absl::StrCat(
        "tools/mariadb ", arguments, " failed (status ",
        WIFEXITED(status) ? WEXITSTATUS(status) : status, "): ", output));
  }
  return absl::OkStatus();
}

}  // namespace leadcapture::testing
