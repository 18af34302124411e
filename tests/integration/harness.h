// The end-to-end harness: runs the real leadcaptured, leadcapture-gateway
// and leadctl binaries as child processes on free loopback ports, each test
// with its own database, admin token and working directory.
//
// The database is a SQLite file, or, when LEADCAPTURE_TEST_BACKEND=mysql,
// a MySQL/MariaDB database of the test's own on the server that
// LEADCAPTURE_TEST_MYSQL_URL names (tests/testing/mysql_test_server.h);
// ctest runs every end-to-end test both ways.
#ifndef LEADCAPTURE_TESTS_INTEGRATION_HARNESS_H_
#define LEADCAPTURE_TESTS_INTEGRATION_HARNESS_H_

#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <sys/types.h>

#include <csignal>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/testing/mysql_test_server.h"

namespace leadcapture::testing {

using ::nlohmann::json;

// The binaries under test, fixed at build time.
extern const char kLeadcapturedPath[];
extern const char kGatewayPath[];
extern const char kLeadctlPath[];

// The whole content of a file; empty if it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

// Writes `content` to a new or truncated file with permission `mode`.
bool WriteFile(const std::string& path, const std::string& content,
               mode_t mode);

// A directory under the test temporary directory, removed with everything
// in it when the object is destroyed (unless Keep() was called).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // A path inside the directory.
  std::string File(const std::string& name) const;
  // Leaves the directory in place, for looking at after a failure.
  void Keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

// A child process started with fork/exec. Its stdin is /dev/null and its
// stdout and stderr go to files. The environment is the test's own minus
// every LEADCAPTURE_* variable, plus the given extra entries. The child
// gets SIGKILL if the test process dies first, so no server outlives a
// crashed test. Not thread-safe.
class Process {
 public:
  struct Options {
    // The program and its arguments; argv[0] is the program's path.
    std::vector<std::string> argv;
    // Extra "NAME=value" environment entries.
    std::vector<std::string> env;
    std::string stdout_path;
    std::string stderr_path;
  };

  // Starts the program. INTERNAL when fork fails; a program that cannot be
  // executed exits with status 127 and says why on its stderr.
  static absl::StatusOr<std::unique_ptr<Process>> Start(Options options);

  // Stops the process if it still runs.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // Whether the process has not exited yet.
  bool Running();
  // Waits up to `timeout` for the exit. Returns the exit code, or 128 plus
  // the signal number for a process killed by a signal; nullopt if it still
  // runs.
  std::optional<int> Wait(absl::Duration timeout);
  // Sends `signal_number` to this pid, then SIGKILL if it has not exited
  // after `grace`. Returns the exit status as Wait() does.
  int Stop(absl::Duration grace = absl::Seconds(10),
           int signal_number = SIGTERM);

  std::string Stdout() const { return ReadFileOrEmpty(options_.stdout_path); }
  std::string Stderr() const { return ReadFileOrEmpty(options_.stderr_path); }

 private:
  Process(Options options, pid_t pid)
      : options_(std::move(options)), pid_(pid) {}
  bool Reap(int flags);

  Options options_;
  pid_t pid_;
  std::optional<int> exit_status_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for
// port 0). Another process may take it before the caller binds it.
int PickFreePort();

// Waits until 127.0.0.1:port accepts connections. DEADLINE_EXCEEDED after
// `timeout`; FAILED_PRECONDITION as soon as `process` (if given) exits.
absl::Status WaitUntilAccepting(int port, absl::Duration timeout,
                                Process* process);

// What a finished program gave.
struct RunResult {
  // The exit code, or 128 plus the signal number.
  int exit_code = -1;
  std::string out;
  std::string err;
  // `out` parsed as JSON; is_discarded() when it does not parse.
  json parsed;
};

// Runs a program to its end (at most 30 s, then it is killed) and
// returns its exit code and output. Its output files go to `dir`.
RunResult RunToEnd(const std::vector<std::string>& argv,
                   const std::vector<std::string>& env, const std::string& dir);

// The full names of the services a gRPC server lists through server
// reflection (grpc.reflection.v1alpha).
absl::StatusOr<std::vector<std::string>> ListServicesByReflection(
    const std::shared_ptr<grpc::Channel>& channel);

// A running leadcaptured with a gateway in front of it, on free ports, with
// an admin token file (and a SQLite file, unless another database is
// given) in `dir`.
class Deployment {
 public:
  struct Options {
    // The database URL; empty for a SQLite file in the directory. Several
    // deployments may share one MySQL database.
    std::string database_url;
    // The password of a MySQL database_url, handed to leadcaptured in
    // LEADCAPTURE_DB_PASSWORD.
    std::string database_password;
    // Extra leadcaptured flags ("--name=value").
    std::vector<std::string> daemon_flags;
    // Extra gateway flags ("--name=value").
    std::vector<std::string> gateway_flags;
    // Give the servers their addresses, database and token file through
    // the LEADCAPTURE_* environment variables instead of flags.
    bool settings_from_environment = false;
    // Write the admin token file before the first start. When false,
    // leadcaptured must create it.
    bool write_token_file = true;
  };

  Deployment(std::string dir, Options options);
  ~Deployment();
  Deployment(const Deployment&) = delete;
  Deployment& operator=(const Deployment&) = delete;

  // Starts leadcaptured and then the gateway, and waits until the gateway's
  // /healthz answers 200.
  absl::Status Start();

  // Starts leadcaptured and waits until it accepts connections. The first
  // start picks the port (retrying on a port taken meanwhile); later ones
  // reuse it and the same database file.
  absl::Status StartDaemon();
  // Stops leadcaptured with `signal_number` (SIGKILL after a grace
  // period); returns its exit status.
  int StopDaemon(int signal_number = SIGTERM);
  // Starts the gateway and waits until /healthz answers 200.
  absl::Status StartGateway();
  // Stops the gateway with `signal_number` (SIGKILL after a grace
  // period); returns its exit status.
  int StopGateway(int signal_number = SIGTERM);

  // The directory of the database, token and log files.
  const std::string& dir() const { return dir_; }
  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_port_; }
  std::string grpc_address() const;
  const std::string& token_file() const { return token_file_; }
  const std::string& database_path() const { return database_path_; }
  // The admin token as read from the token file.
  std::string token() const;

  // Runs `leadctl --address=... --token_file=... args...`.
  RunResult Leadctl(const std::vector<std::string>& args) const;
  // A client of the gateway with short timeouts.
  std::unique_ptr<httplib::Client> Http() const;
  // A channel to leadcaptured.
  std::shared_ptr<grpc::Channel> Channel() const;

  // The servers' stderr, for failure messages.
  std::string Logs() const;

 private:
  absl::Status StartDaemonOnce();
  absl::Status StartGatewayOnce();

  std::string dir_;
  Options options_;
  std::string database_path_;
  std::string token_file_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  int daemon_starts_ = 0;
  int gateway_starts_ = 0;
  std::unique_ptr<Process> daemon_;
  std::unique_ptr<Process> gateway_;
};

// The base of every end-to-end test: a fresh Deployment per test, started
// in SetUp with DeploymentOptions(), with helpers for the common steps.
// After a failure the servers' logs are printed and the directory kept.
class DeploymentTest : public ::testing::Test {
 protected:
  // Override to start the servers with other settings. SetUp fills in
  // the database of LEADCAPTURE_TEST_BACKEND unless database_url is set.
  virtual Deployment::Options DeploymentOptions() const { return {}; }

  void SetUp() override;
  void TearDown() override;

  Deployment& deployment() { return *deployment_; }

  // Runs leadctl, expects exit code 0 and a JSON object on stdout, and
  // returns it (an empty object after a failure).
  json MustLeadctl(const std::vector<std::string>& args);
  // `<kind> create --name NAME`; returns the new id.
  std::string CreateTargetList(const std::string& name = "Newsletter");
  std::string CreateTeam(const std::string& name = "Sales");
  std::string CreateCampaign(const std::string& name = "Spring");
  // `entry-points create --name NAME <flags...>`; returns the entry point.
  json CreateEntryPoint(const std::vector<std::string>& flags = {});

  // The arrays that `leads list`, `capture-logs list`, `target-lists
  // members ID` and `campaigns logs ID` print.
  json Leads(const std::string& entry_point_id = "");
  json CaptureLogs(const std::string& entry_point_id = "");
  json Members(const std::string& target_list_id);
  json CampaignLogs(const std::string& campaign_id);

  // POSTs `body` to the capture route of `api_key` with the seed's headers
  // (Content-Type and Accept application/json) plus `headers`.
  httplib::Result PostCapture(
      const std::string& api_key, const std::string& body,
      const httplib::Headers& headers = {},
      const std::string& content_type = "application/json");

  // The seed's browser payload for one person.
  static std::string SeedPayload(const std::string& first_name,
                                 const std::string& last_name,
                                 const std::string& email_address);

 private:
  std::unique_ptr<TempDir> dir_;
  // The test's MySQL database (LEADCAPTURE_TEST_BACKEND=mysql).
  std::unique_ptr<ScratchDatabase> database_;
  std::unique_ptr<Deployment> deployment_;
};

// Whether LEADCAPTURE_TEST_BACKEND=mysql puts the end-to-end tests on
// MySQL/MariaDB.
bool MySqlBackendChosen();

// The capture route of an API key.
std::string CapturePath(const std::string& api_key);

// Whether `result` is the answer to an accepted capture: 200 with the body
// `true`.
::testing::AssertionResult IsAccepted(const httplib::Result& result);

// Whether `result` is an error answer of the capture route (SPEC section
// 4): `status`; a JSON body {"error": {"code": code, "message": ...}} with
// `field` and `rule` when they are not empty; an X-Status-Reason header;
// and an Access-Control-Allow-Origin header.
::testing::AssertionResult IsErrorAnswer(const httplib::Result& result,
                                         int status, const std::string& code,
                                         const std::string& field = "",
                                         const std::string& rule = "");

// `object[key]` when `object` is a JSON object holding it; else a test
// failure naming the key and `fallback`.
json Field(const json& object, const std::string& key,
           const json& fallback = nullptr);

// `object[key]` as a string; else a test failure and "".
std::string Str(const json& object, const std::string& key);

// The items of `array` whose `key` equals `value`.
json Where(const json& array, const std::string& key, const json& value);

}  // namespace leadcapture::testing

#endif  // LEADCAPTURE_TESTS_INTEGRATION_HARNESS_H_
