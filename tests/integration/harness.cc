#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/sync_stream.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "leadcapture_testing/reflection.pb.h"
#include "services/util/random.h"
#include "services/util/status_macros.h"

extern char** environ;

namespace leadcapture::testing {

const char kLeadcapturedPath[] = LEADCAPTURED_PATH;
const char kGatewayPath[] = LEADCAPTURE_GATEWAY_PATH;
const char kLeadctlPath[] = LEADCTL_PATH;

namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(20);
constexpr absl::Duration kStartTimeout = absl::Seconds(20);
constexpr int kStartAttempts = 3;
constexpr std::size_t kLogTail = 6000;

std::string Tail(const std::string& text, std::size_t n) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Starts a server with its output in `log_base`.out/.err, keeps it in
// `slot`, and waits until it accepts connections on `port`. Errors name the
// program.
absl::Status LaunchServer(Process::Options process, const std::string& log_base,
                          int port, std::unique_ptr<Process>& slot) {
  const std::string name =
      std::string(absl::string_view(process.argv[0])
                      .substr(process.argv[0].rfind('/') + 1));
  process.stdout_path = log_base + ".out";
  process.stderr_path = log_base + ".err";
  absl::StatusOr<std::unique_ptr<Process>> started =
      Process::Start(std::move(process));
  if (!started.ok()) return started.status();
  slot = *std::move(started);
  absl::Status status = WaitUntilAccepting(port, kStartTimeout, slot.get());
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat(name, ": ", status.message()));
  }
  return absl::OkStatus();
}

}  // namespace

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool WriteFile(const std::string& path, const std::string& content,
               mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return false;
  bool ok = write(fd, content.data(), content.size()) ==
            static_cast<ssize_t>(content.size());
  return close(fd) == 0 && ok;
}

TempDir::TempDir() {
  std::string base = ::testing::TempDir();
  if (base.empty() || base.back() != '/') base += '/';
  std::string pattern = base + "leadcapture-it-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << pattern << ": " << std::strerror(errno);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  if (keep_) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::File(const std::string& name) const {
  return path_ + "/" + name;
}

absl::StatusOr<std::unique_ptr<Process>> Process::Start(Options options) {
  // Everything the child needs is made before fork: between fork and exec
  // only async-signal-safe calls are allowed (other threads may hold locks).
  std::vector<char*> argv;
  for (std::string& arg : options.argv) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!absl::StartsWith(*entry, "LEADCAPTURE_")) env.push_back(*entry);
  }
  env.insert(env.end(), options.env.begin(), options.env.end());
  std::vector<char*> envp;
  for (std::string& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  const char* out_path = options.stdout_path.c_str();
  const char* err_path = options.stderr_path.c_str();
  sigset_t empty_mask;
  sigemptyset(&empty_mask);
  const std::string exec_failed = absl::StrCat(
      "cannot execute ", options.argv.empty() ? "" : options.argv[0], "\n");
  const pid_t parent = getpid();

  pid_t pid = fork();
  if (pid < 0) {
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &empty_mask, nullptr);
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) _exit(127);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    close_range(3, ~0U, 0);
    execve(argv[0], argv.data(), envp.data());
    ssize_t ignored =
        write(STDERR_FILENO, exec_failed.data(), exec_failed.size());
    (void)ignored;
    _exit(127);
  }
  return std::unique_ptr<Process>(new Process(std::move(options), pid));
}

Process::~Process() {
  if (Running()) Stop(absl::Seconds(5));
}

bool Process::Reap(int flags) {
  if (exit_status_.has_value()) return true;
  int status = 0;
  pid_t got;
  do {
    got = waitpid(pid_, &status, flags);
  } while (got < 0 && errno == EINTR);
  if (got == pid_) {
    exit_status_ = DecodeWaitStatus(status);
    return true;
  }
  return false;
}

bool Process::Running() { return !Reap(WNOHANG); }

std::optional<int> Process::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!Reap(WNOHANG)) {
    if (absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return exit_status_;
}

int Process::Stop(absl::Duration grace, int signal_number) {
  if (!Running()) return *exit_status_;
  kill(pid_, signal_number);
  if (std::optional<int> status = Wait(grace)) return *status;
  kill(pid_, SIGKILL);
  Reap(0);
  return exit_status_.value_or(-1);
}

int PickFreePort() {
  // Ports handed out once are not handed out again by this process, so
  // that two servers of one test never get the same one.
  static std::mutex mu;
  static std::set<int> given;
  std::lock_guard<std::mutex> lock(mu);
  for (int attempt = 0; attempt < 100; ++attempt) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) break;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
    close(fd);
    if (port != 0 && given.insert(port).second) return port;
  }
  ADD_FAILURE() << "no free port on 127.0.0.1";
  return 0;
}

absl::Status WaitUntilAccepting(int port, absl::Duration timeout,
                                Process* process) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      return absl::InternalError(
          absl::StrCat("socket: ", std::strerror(errno)));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    bool connected =
        connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (connected) return absl::OkStatus();
    if (process != nullptr && !process->Running()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the process exited before accepting on port ", port));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("nothing accepts on port ", port));
    }
    absl::SleepFor(kPollInterval);
  }
}

RunResult RunToEnd(const std::vector<std::string>& argv,
                   const std::vector<std::string>& env,
                   const std::string& dir) {
  static std::atomic<int> runs{0};
  const int run = ++runs;
  Process::Options options;
  options.argv = argv;
  options.env = env;
  options.stdout_path = absl::StrCat(dir, "/run-", run, ".out");
  options.stderr_path = absl::StrCat(dir, "/run-", run, ".err");

  RunResult result;
  absl::StatusOr<std::unique_ptr<Process>> process =
      Process::Start(std::move(options));
  if (!process.ok()) {
    result.err = process.status().ToString();
    return result;
  }
  std::optional<int> status = (*process)->Wait(absl::Seconds(30));
  if (!status.has_value()) {
    (*process)->Stop(absl::Seconds(1));
    result.err = "timed out after 30 s\n";
  }
  result.exit_code = status.value_or(-1);
  result.out = (*process)->Stdout();
  result.err += (*process)->Stderr();
  result.parsed = json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  return result;
}

absl::StatusOr<std::vector<std::string>> ListServicesByReflection(
    const std::shared_ptr<grpc::Channel>& channel) {
  // The server implements grpc.reflection.v1alpha; the messages are the
  // same as this package's copy, so only the method path is borrowed.
  static const grpc::internal::RpcMethod kMethod(
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      grpc::internal::RpcMethod::BIDI_STREAMING);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  std::unique_ptr<
      grpc::ClientReaderWriter<reflection::ServerReflectionRequest,
                               reflection::ServerReflectionResponse>>
      stream(grpc::internal::ClientReaderWriterFactory<
             reflection::ServerReflectionRequest,
             reflection::ServerReflectionResponse>::Create(channel.get(),
                                                           kMethod, &context));

  reflection::ServerReflectionRequest request;
  request.set_list_services("");
  stream->Write(request);
  stream->WritesDone();
  std::vector<std::string> names;
  reflection::ServerReflectionResponse response;
  while (stream->Read(&response)) {
    if (response.has_error_response()) {
      return absl::InternalError(response.error_response().error_message());
    }
    for (const auto& service : response.list_services_response().service()) {
      names.push_back(service.name());
    }
  }
  grpc::Status status = stream->Finish();
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("reflection call failed: ", status.error_code(), " ",
                     status.error_message()));
  }
  return names;
}

Deployment::Deployment(std::string dir, Options options)
    : dir_(std::move(dir)),
      options_(std::move(options)),
      database_path_(dir_ + "/leadcapture.db"),
      token_file_(dir_ + "/admin-token") {
  if (options_.write_token_file) {
    EXPECT_TRUE(WriteFile(token_file_, RandomHex(16) + "\n", 0600))
        << "cannot write " << token_file_;
  }
}

Deployment::~Deployment() {
  StopGateway();
  StopDaemon();
}

std::string Deployment::grpc_address() const {
  return absl::StrCat("127.0.0.1:", grpc_port_);
}

std::string Deployment::token() const {
  return std::string(absl::StripAsciiWhitespace(ReadFileOrEmpty(token_file_)));
}

absl::Status Deployment::Start() {
  absl::Status status = StartDaemon();
  if (!status.ok()) return status;
  return StartGateway();
}

absl::Status Deployment::StartDaemon() {
  // Only the first start may move to another port: a restart must come
  // back where the gateway expects it.
  const bool may_move = grpc_port_ == 0;
  absl::Status status;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    if (may_move) grpc_port_ = PickFreePort();
    status = StartDaemonOnce();
    if (status.ok()) return status;
  }
  return status;
}

absl::Status Deployment::StartDaemonOnce() {
  if (http_port_ == 0) http_port_ = PickFreePort();
  const std::vector<std::pair<std::string, std::string>> settings = {
      {"grpc_address", grpc_address()},
      {"database", options_.database_url.empty() ? "sqlite:" + database_path_
                                                 : options_.database_url},
      {"admin_token_file", token_file_},
      {"public_url", absl::StrCat("http://127.0.0.1:", http_port_)},
  };
  Process::Options process;
  process.argv = {kLeadcapturedPath};
  for (const auto& [name, value] : settings) {
    if (options_.settings_from_environment) {
      process.env.push_back(absl::StrCat(
          "LEADCAPTURE_", absl::AsciiStrToUpper(name), "=", value));
    } else {
      process.argv.push_back(absl::StrCat("--", name, "=", value));
    }
  }
  if (!options_.database_password.empty()) {
    process.env.push_back("LEADCAPTURE_DB_PASSWORD=" +
                          options_.database_password);
  }
  process.argv.insert(process.argv.end(), options_.daemon_flags.begin(),
                      options_.daemon_flags.end());
  StopDaemon();
  return LaunchServer(std::move(process),
                      absl::StrCat(dir_, "/leadcaptured-", ++daemon_starts_),
                      grpc_port_, daemon_);
}

int Deployment::StopDaemon(int signal_number) {
  if (daemon_ == nullptr) return -1;
  return daemon_->Stop(absl::Seconds(10), signal_number);
}

absl::Status Deployment::StartGateway() {
  const bool may_move = gateway_starts_ == 0;
  absl::Status status;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    if (may_move && attempt > 0) http_port_ = PickFreePort();
    status = StartGatewayOnce();
    if (status.ok()) return status;
  }
  return status;
}

absl::Status Deployment::StartGatewayOnce() {
  if (http_port_ == 0) http_port_ = PickFreePort();
  const std::vector<std::pair<std::string, std::string>> settings = {
      {"http_address", absl::StrCat("127.0.0.1:", http_port_)},
      {"backend", grpc_address()},
  };
  Process::Options process;
  process.argv = {kGatewayPath};
  for (const auto& [name, value] : settings) {
    if (options_.settings_from_environment) {
      process.env.push_back(absl::StrCat(
          "LEADCAPTURE_", absl::AsciiStrToUpper(name), "=", value));
    } else {
      process.argv.push_back(absl::StrCat("--", name, "=", value));
    }
  }
  process.argv.insert(process.argv.end(), options_.gateway_flags.begin(),
                      options_.gateway_flags.end());
  StopGateway();
  LC_RETURN_IF_ERROR(LaunchServer(
      std::move(process),
      absl::StrCat(dir_, "/leadcapture-gateway-", ++gateway_starts_),
      http_port_, gateway_));

  // The gateway accepts at once; /healthz says when it reaches the backend.
  std::unique_ptr<httplib::Client> client = Http();
  const absl::Time deadline = absl::Now() + kStartTimeout;
  while (true) {
    httplib::Result result = client->Get("/healthz");
    if (result && result->status == 200) return absl::OkStatus();
    if (!gateway_->Running()) {
      return absl::FailedPreconditionError(
          "leadcapture-gateway exited during start-up");
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "leadcapture-gateway: /healthz never answered 200 (last: ",
          result ? absl::StrCat(result->status, " ", result->body)
                 : httplib::to_string(result.error()),
          ")"));
    }
    absl::SleepFor(kPollInterval);
  }
}

int Deployment::StopGateway(int signal_number) {
  if (gateway_ == nullptr) return -1;
  return gateway_->Stop(absl::Seconds(10), signal_number);
}

RunResult Deployment::Leadctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {kLeadctlPath, "--address=" + grpc_address(),
                                   "--token_file=" + token_file_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunToEnd(argv, {}, dir_);
}

std::unique_ptr<httplib::Client> Deployment::Http() const {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", http_port_);
  client->set_connection_timeout(5, 0);
  client->set_read_timeout(15, 0);
  client->set_write_timeout(5, 0);
  return client;
}

std::shared_ptr<grpc::Channel> Deployment::Channel() const {
  return grpc::CreateChannel(grpc_address(),
                             grpc::InsecureChannelCredentials());
}

std::string Deployment::Logs() const {
  std::string logs;
  for (int i = 1; i <= daemon_starts_; ++i) {
    std::string path = absl::StrCat(dir_, "/leadcaptured-", i, ".err");
    absl::StrAppend(&logs, "--- ", path, "\n",
                    Tail(ReadFileOrEmpty(path), kLogTail), "\n");
  }
  for (int i = 1; i <= gateway_starts_; ++i) {
    std::string path = absl::StrCat(dir_, "/leadcapture-gateway-", i, ".err");
    absl::StrAppend(&logs, "--- ", path, "\n",
                    Tail(ReadFileOrEmpty(path), kLogTail), "\n");
  }
  return logs;
}

bool MySqlBackendChosen() {
  const char* backend = getenv("LEADCAPTURE_TEST_BACKEND");
  return backend != nullptr && absl::string_view(backend) == "mysql";
}

void DeploymentTest::SetUp() {
  // A peer that closes early must give an error, not kill the test.
  signal(SIGPIPE, SIG_IGN);
  Deployment::Options options = DeploymentOptions();
  if (MySqlBackendChosen() && options.database_url.empty()) {
    if (MySqlTestsSwitchedOff()) {
      GTEST_SKIP() << "LEADCAPTURE_TEST_MYSQL=off";
    }
    absl::StatusOr<std::unique_ptr<ScratchDatabase>> database =
        ScratchDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(database).value();
    options.database_url = database_->url();
    options.database_password = database_->options().password;
  }
  dir_ = std::make_unique<TempDir>();
  deployment_ = std::make_unique<Deployment>(dir_->path(), options);
  absl::Status status = deployment_->Start();
  ASSERT_TRUE(status.ok()) << status << "\n" << deployment_->Logs();
}

void DeploymentTest::TearDown() {
  if (HasFailure() && deployment_ != nullptr) {
    std::cerr << "Servers' logs (files kept in " << dir_->path() << "):\n"
              << deployment_->Logs();
    dir_->Keep();
  }
  deployment_.reset();
  dir_.reset();
  database_.reset();
}

json DeploymentTest::MustLeadctl(const std::vector<std::string>& args) {
  RunResult result = deployment_->Leadctl(args);
  EXPECT_EQ(result.exit_code, 0)
      << "leadctl " << absl::StrJoin(args, " ") << "\nstderr: " << result.err;
  EXPECT_TRUE(result.parsed.is_object())
      << "leadctl " << absl::StrJoin(args, " ")
      << " printed no JSON object: " << result.out;
  if (result.exit_code != 0 || !result.parsed.is_object()) {
    return json::object();
  }
  return result.parsed;
}

std::string DeploymentTest::CreateTargetList(const std::string& name) {
  return Str(MustLeadctl({"target-lists", "create", "--name", name}), "id");
}

std::string DeploymentTest::CreateTeam(const std::string& name) {
  return Str(MustLeadctl({"teams", "create", "--name", name}), "id");
}

std::string DeploymentTest::CreateCampaign(const std::string& name) {
  return Str(MustLeadctl({"campaigns", "create", "--name", name}), "id");
}

json DeploymentTest::CreateEntryPoint(const std::vector<std::string>& flags) {
  std::vector<std::string> args = {"entry-points", "create", "--name",
                                   "Website"};
  bool has_payload_fields = false;
  for (const std::string& flag : flags) {
    if (absl::StartsWith(flag, "--payload-fields")) has_payload_fields = true;
  }
  if (!has_payload_fields) {
    args.push_back("--payload-fields");
    args.push_back("firstName,lastName,emailAddress");
  }
  args.insert(args.end(), flags.begin(), flags.end());
  json entry_point = MustLeadctl(args);
  EXPECT_FALSE(Str(entry_point, "id").empty());
  EXPECT_FALSE(Str(entry_point, "apiKey").empty());
  return entry_point;
}

json DeploymentTest::Leads(const std::string& entry_point_id) {
  std::vector<std::string> args = {"leads", "list"};
  if (!entry_point_id.empty()) {
    args.push_back("--entry-point");
    args.push_back(entry_point_id);
  }
  return Field(MustLeadctl(args), "leads", json::array());
}

json DeploymentTest::CaptureLogs(const std::string& entry_point_id) {
  std::vector<std::string> args = {"capture-logs", "list"};
  if (!entry_point_id.empty()) {
    args.push_back("--entry-point");
    args.push_back(entry_point_id);
  }
  return Field(MustLeadctl(args), "captureLogs", json::array());
}

json DeploymentTest::Members(const std::string& target_list_id) {
  return Field(MustLeadctl({"target-lists", "members", target_list_id}),
               "members", json::array());
}

json DeploymentTest::CampaignLogs(const std::string& campaign_id) {
  return Field(MustLeadctl({"campaigns", "logs", campaign_id}), "entries",
               json::array());
}

httplib::Result DeploymentTest::PostCapture(const std::string& api_key,
                                            const std::string& body,
                                            const httplib::Headers& headers,
                                            const std::string& content_type) {
  httplib::Headers all = {{"Accept", "application/json"}};
  all.insert(headers.begin(), headers.end());
  return deployment_->Http()->Post(CapturePath(api_key), all, body,
                                   content_type);
}

std::string DeploymentTest::SeedPayload(const std::string& first_name,
                                        const std::string& last_name,
                                        const std::string& email_address) {
  // The seed's form script sends `value || null`.
  auto value = [](const std::string& text) -> json {
    return text.empty() ? json(nullptr) : json(text);
  };
  return json{{"firstName", value(first_name)},
              {"lastName", value(last_name)},
              {"emailAddress", value(email_address)}}
      .dump();
}

std::string CapturePath(const std::string& api_key) {
  return "/api/v1/LeadCapture/" + api_key;
}

::testing::AssertionResult IsAccepted(const httplib::Result& result) {
  if (!result) {
    return ::testing::AssertionFailure()
           << "no answer: " << httplib::to_string(result.error());
  }
  if (result->status != 200 || result->body != "true") {
    return ::testing::AssertionFailure()
           << "expected 200 `true`, got " << result->status << " `"
           << result->body << "` (X-Status-Reason: "
           << result->get_header_value("X-Status-Reason") << ")";
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsErrorAnswer(const httplib::Result& result,
                                         int status, const std::string& code,
                                         const std::string& field,
                                         const std::string& rule) {
  if (!result) {
    return ::testing::AssertionFailure()
           << "no answer: " << httplib::to_string(result.error());
  }
  std::vector<std::string> problems;
  if (result->status != status) {
    problems.push_back(
        absl::StrCat("status ", result->status, ", expected ", status));
  }
  json body = json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  json error =
      body.is_object() && body.contains("error") ? body.at("error") : json();
  if (!error.is_object()) {
    problems.push_back("the body has no \"error\" object");
  } else {
    auto expect = [&](const std::string& key, const std::string& want) {
      json got = error.contains(key) ? error.at(key) : json();
      if (got != json(want)) {
        problems.push_back(absl::StrCat("error.", key, " is ", got.dump(),
                                        ", expected \"", want, "\""));
      }
    };
    expect("code", code);
    if (!field.empty()) expect("field", field);
    if (!rule.empty()) expect("rule", rule);
    if (!error.contains("message") || !error.at("message").is_string()) {
      problems.push_back("error.message is missing");
    }
  }
  if (result->get_header_value("X-Status-Reason").empty()) {
    problems.push_back("no X-Status-Reason header");
  }
  if (!result->has_header("Access-Control-Allow-Origin")) {
    problems.push_back("no Access-Control-Allow-Origin header");
  }
  if (!absl::StartsWith(result->get_header_value("Content-Type"),
                        "application/json")) {
    problems.push_back(absl::StrCat(
        "Content-Type is \"", result->get_header_value("Content-Type"), "\""));
  }
  if (problems.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << absl::StrJoin(problems, "; ") << "\nbody: " << result->body;
}

json Field(const json& object, const std::string& key, const json& fallback) {
  if (!object.is_object() || !object.contains(key)) {
    ADD_FAILURE() << "no \"" << key << "\" in " << object.dump();
    return fallback;
  }
  return object.at(key);
}

std::string Str(const json& object, const std::string& key) {
  json value = Field(object, key, "");
  if (!value.is_string()) {
    ADD_FAILURE() << "\"" << key << "\" is not a string in " << object.dump();
    return "";
  }
  return value.get<std::string>();
}

json Where(const json& array, const std::string& key, const json& value) {
  json matches = json::array();
  if (!array.is_array()) return matches;
  for (const json& item : array) {
    if (item.is_object() && item.contains(key) && item.at(key) == value) {
      matches.push_back(item);
    }
  }
  return matches;
}

}  // namespace leadcapture::testing
