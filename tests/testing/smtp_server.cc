#include "tests/testing/smtp_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

extern char** environ;

namespace leadcapture::mail::testing {
namespace {

namespace fs = std::filesystem;

// Polling step while waiting for the server process, which has no other
// way to tell that it is ready or that a mail has arrived.
constexpr absl::Duration kPollStep = absl::Milliseconds(1);

bool CanConnect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected =
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Starts the server process with its output in `log_file`.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& args,
                            const std::vector<std::string>& extra_env,
                            const std::string& log_file) {
  std::vector<char*> argv;
  for (const std::string& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings(extra_env);
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  pid_t pid = -1;
  const int error =
      posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    return absl::InternalError(
        absl::StrCat("cannot start ", args[0], ": ", std::strerror(error)));
  }
  return pid;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TempDir>> TempDir::Create() {
  std::string pattern = ::testing::TempDir() + "leadcapture-mail.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
  }
  return std::unique_ptr<TempDir>(new TempDir(pattern));
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

absl::Status WriteSelfSignedCertificate(const std::string& cert_file,
                                        const std::string& key_file) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"),
                                                          &EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  if (key == nullptr || cert == nullptr) {
    return absl::InternalError("cannot make a key or certificate");
  }
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()),
                   static_cast<long>(absl::ToUnixSeconds(absl::Now())));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);

  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] :
       {std::pair<int, const char*>{NID_subject_alt_name, "IP:127.0.0.1"},
        {NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* extension =
        X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    if (extension == nullptr) {
      return absl::InternalError("cannot make a certificate extension");
    }
    X509_add_ext(cert.get(), extension, -1);
    X509_EXTENSION_free(extension);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return absl::InternalError("cannot sign the certificate");
  }

  FILE* cert_out = std::fopen(cert_file.c_str(), "w");
  FILE* key_out = std::fopen(key_file.c_str(), "w");
  const bool written = cert_out != nullptr && key_out != nullptr &&
                       PEM_write_X509(cert_out, cert.get()) == 1 &&
                       PEM_write_PrivateKey(key_out, key.get(), nullptr,
                                            nullptr, 0, nullptr, nullptr) == 1;
  if (cert_out != nullptr) std::fclose(cert_out);
  if (key_out != nullptr) std::fclose(key_out);
  if (!written) return absl::InternalError("cannot write the certificate");
  return absl::OkStatus();
}

absl::StatusOr<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool ok =
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!ok) return absl::InternalError("cannot bind a free port");
  return static_cast<int>(ntohs(address.sin_port));
}

absl::StatusOr<std::unique_ptr<SmtpServer>> SmtpServer::Start(
    const std::string& dir, const SmtpServerOptions& options) {
  const std::string maildir = dir + "/maildir";
  const std::string log_file = dir + "/smtp-server.log";
  std::vector<std::string> env;
  if (options.test_handler) {
    // The handler module lives beside the tests; keep the source tree free
    // of byte code.
    env.push_back(absl::StrCat("PYTHONPATH=", LEADCAPTURE_TESTING_DIR));
    env.push_back("PYTHONDONTWRITEBYTECODE=1");
  }

  // A port found free may be taken before the server binds it: try again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::StatusOr<int> port =
        options.port != 0 ? absl::StatusOr<int>(options.port) : FreePort();
    if (!port.ok()) return port.status();
    std::vector<std::string> args = {"/usr/bin/python3",
                                     "-m",
                                     "aiosmtpd",
                                     "-n",
                                     "-l",
                                     absl::StrCat("127.0.0.1:", *port),
                                     "-c",
                                     options.test_handler
                                         ? "smtp_test_handlers.TestMailbox"
                                         : "aiosmtpd.handlers.Mailbox"};
    if (!options.tls_cert.empty()) {
      const bool smtps = options.implicit_tls;
      args.insert(args.end(),
                  {smtps ? "--smtpscert" : "--tlscert", options.tls_cert,
                   smtps ? "--smtpskey" : "--tlskey", options.tls_key});
    }
    args.push_back(maildir);
    if (options.test_handler && !options.username.empty()) {
      args.insert(args.end(), {options.username, options.password});
    }
    absl::StatusOr<pid_t> pid = Spawn(args, env, log_file);
    if (!pid.ok()) return pid.status();
    std::unique_ptr<SmtpServer> server(
        new SmtpServer(*pid, *port, maildir, options.implicit_tls));

    const absl::Time deadline = absl::Now() + absl::Seconds(15);
    bool exited = false;
    while (absl::Now() < deadline) {
      int status = 0;
      if (waitpid(*pid, &status, WNOHANG) == *pid) {
        server->pid_ = -1;
        exited = true;
        break;
      }
      if (CanConnect(*port)) return server;
      absl::SleepFor(kPollStep);
    }
    if (!exited) {
      return absl::DeadlineExceededError(
          absl::StrCat("the SMTP server did not start: ", ReadFile(log_file)));
    }
  }
  return absl::UnavailableError(
      absl::StrCat("the SMTP server exited at start: ", ReadFile(log_file)));
}

SmtpServer::~SmtpServer() { Stop(); }

void SmtpServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    absl::SleepFor(kPollStep);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string SmtpServer::url() const {
  return absl::StrCat(implicit_tls_ ? "smtps" : "smtp", "://127.0.0.1:", port_);
}

std::vector<std::string> SmtpServer::MailFiles() const {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(maildir_ + "/new", error)) {
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> SmtpServer::Mails() const {
  std::vector<std::string> mails;
  for (const std::string& file : MailFiles()) mails.push_back(ReadFile(file));
  return mails;
}

bool SmtpServer::WaitForMails(std::size_t count, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  while (MailFiles().size() < count) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(kPollStep);
  }
  return true;
}

}  // namespace leadcapture::mail::testing
