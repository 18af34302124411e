// leadcaptured: serves LeadCaptureService, OptInService and AdminService
// over gRPC, with health checking and server reflection.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "services/admin_auth.h"
#include "services/admin_service.h"
#include "services/capture.h"
#include "services/capture_service.h"
#include "services/mail/outbox_worker.h"
#include "services/mail/smtp_sender.h"
#include "services/opt_in.h"
#include "services/opt_in_cleaner.h"
#include "services/util/clock.h"
#include "services/util/env_flags.h"
#include "services/util/log.h"
#include "services/util/status_macros.h"
#include "services/validators.h"
#include "storage/store.h"

ABSL_FLAG(std::string, grpc_address, "127.0.0.1:50051",
          "Address (host:port) to serve gRPC on.");
ABSL_FLAG(std::string, database, "sqlite:var/leadcapture.db",
          "Database URL: sqlite:PATH, mysql://USER@HOST:PORT/DATABASE or "
          "mysql://USER@localhost/DATABASE?socket=PATH.");
ABSL_FLAG(std::string, database_password_file, "",
          "File holding the MySQL password; when empty, the password comes "
          "from LEADCAPTURE_DB_PASSWORD or the file named by "
          "LEADCAPTURE_DB_PASSWORD_FILE.");
ABSL_FLAG(std::string, admin_token_file, "var/admin-token",
          "File holding the admin token; created with a random token when "
          "missing.");
ABSL_FLAG(std::string, public_url, "http://127.0.0.1:8080",
          "The gateway's public base URL, used in example requests and "
          "links.");
ABSL_FLAG(std::string, smtp_url, "smtp://127.0.0.1:25",
          "SMTP server for outgoing mail: smtp://HOST:PORT (STARTTLS when "
          "offered) or smtps://HOST:PORT.");
ABSL_FLAG(std::string, smtp_username, "",
          "SMTP AUTH user; empty for no AUTH. The password comes from "
          "LEADCAPTURE_SMTP_PASSWORD or --smtp_password_file.");
ABSL_FLAG(std::string, smtp_password_file, "",
          "File holding the SMTP password.");
ABSL_FLAG(bool, smtp_require_starttls, false,
          "Refuse to send over smtp:// without STARTTLS.");
ABSL_FLAG(std::string, mail_from, "leadcapture@localhost.localdomain",
          "From address of mails when the entry point sets none.");
ABSL_FLAG(std::string, time_zone, "UTC",
          "IANA time zone of dates and times in mails.");
ABSL_FLAG(std::string, date_format, "%Y-%m-%d",
          "Date format in mails (absl::FormatTime syntax).");
ABSL_FLAG(std::string, time_format, "%H:%M",
          "Time format in mails (absl::FormatTime syntax).");
ABSL_FLAG(int, mail_max_attempts, 8,
          "Delivery attempts before a mail is marked failed.");
ABSL_FLAG(absl::Duration, mail_initial_backoff, absl::Seconds(2),
          "Wait after the first failed delivery; doubles each time.");
ABSL_FLAG(absl::Duration, mail_max_backoff, absl::Minutes(10),
          "Longest wait between delivery attempts.");
ABSL_FLAG(absl::Duration, opt_in_retention, absl::Hours(24 * 30),
          "How long expired, unconfirmed opt-in requests are kept (their "
          "links say \"expired\" until then).");
ABSL_FLAG(absl::Duration, cleanup_interval, absl::Hours(1),
          "How often expired opt-in requests are removed.");

namespace leadcapture {
namespace {

struct ServerConfig {
  std::string grpc_address;
  std::string database;
  std::string database_password_file;
  std::string admin_token_file;
  std::string public_url;
  mail::SmtpOptions smtp;
  std::string smtp_password_file;
  std::string mail_from;
  std::string time_zone;
  std::string date_format;
  std::string time_format;
  mail::OutboxWorkerOptions outbox;
  absl::Duration opt_in_retention;
  absl::Duration cleanup_interval;
};

ServerConfig ReadConfig() {
  ServerConfig config;
  config.grpc_address = absl::GetFlag(FLAGS_grpc_address);
  config.database = absl::GetFlag(FLAGS_database);
  config.database_password_file = absl::GetFlag(FLAGS_database_password_file);
  config.admin_token_file = absl::GetFlag(FLAGS_admin_token_file);
  config.public_url = absl::GetFlag(FLAGS_public_url);
  config.smtp.url = absl::GetFlag(FLAGS_smtp_url);
  config.smtp.username = absl::GetFlag(FLAGS_smtp_username);
  config.smtp.require_starttls = absl::GetFlag(FLAGS_smtp_require_starttls);
  config.smtp_password_file = absl::GetFlag(FLAGS_smtp_password_file);
  config.mail_from = absl::GetFlag(FLAGS_mail_from);
  config.time_zone = absl::GetFlag(FLAGS_time_zone);
  config.date_format = absl::GetFlag(FLAGS_date_format);
  config.time_format = absl::GetFlag(FLAGS_time_format);
  config.outbox.max_attempts = absl::GetFlag(FLAGS_mail_max_attempts);
  config.outbox.initial_backoff = absl::GetFlag(FLAGS_mail_initial_backoff);
  config.outbox.max_backoff = absl::GetFlag(FLAGS_mail_max_backoff);
  config.opt_in_retention = absl::GetFlag(FLAGS_opt_in_retention);
  config.cleanup_interval = absl::GetFlag(FLAGS_cleanup_interval);
  return config;
}

// Reads the SMTP password from the environment or the password file.
absl::Status LoadSmtpPassword(ServerConfig& config) {
  if (const char* password = std::getenv("LEADCAPTURE_SMTP_PASSWORD")) {
    config.smtp.password = password;
    return absl::OkStatus();
  }
  if (config.smtp_password_file.empty()) return absl::OkStatus();
  std::ifstream in(config.smtp_password_file);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read --smtp_password_file ", config.smtp_password_file));
  }
  std::stringstream text;
  text << in.rdbuf();
  config.smtp.password =
      std::string(absl::StripTrailingAsciiWhitespace(text.str()));
  return absl::OkStatus();
}

absl::Status CheckConfig(const ServerConfig& config) {
  if (!absl::StartsWith(config.public_url, "http://") &&
      !absl::StartsWith(config.public_url, "https://")) {
    return absl::InvalidArgumentError(
        "--public_url must start with http:// or https://");
  }
  const std::size_t colon = config.grpc_address.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(config.grpc_address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        "--grpc_address must be host:port with a port from 0 to 65535");
  }
  LC_RETURN_IF_ERROR(mail::ValidateSmtpOptions(config.smtp));
  if (!absl::StartsWith(config.smtp.url, "smtp://") &&
      !absl::StartsWith(config.smtp.url, "smtps://")) {
    return absl::InvalidArgumentError(
        "--smtp_url must start with smtp:// or smtps://");
  }
  if (!IsValidEmail(config.mail_from)) {
    return absl::InvalidArgumentError("--mail_from is not an e-mail address");
  }
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(config.time_zone, &zone)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--time_zone: unknown time zone \"", config.time_zone, "\""));
  }
  if (config.outbox.max_attempts < 1 ||
      config.outbox.initial_backoff <= absl::ZeroDuration() ||
      config.outbox.max_backoff < config.outbox.initial_backoff) {
    return absl::InvalidArgumentError(
        "--mail_max_attempts must be at least 1 and "
        "0 < --mail_initial_backoff <= --mail_max_backoff");
  }
  if (config.opt_in_retention < absl::ZeroDuration() ||
      config.cleanup_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--opt_in_retention must not be negative and --cleanup_interval "
        "must be positive");
  }
  return absl::OkStatus();
}

// The database URL without a password, for the log.
std::string SafeDatabase(const std::string& url) {
  const std::size_t at = url.rfind('@');
  const std::size_t scheme = url.find("://");
  if (at == std::string::npos || scheme == std::string::npos) return url;
  const std::size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return absl::StrCat(url.substr(0, colon), url.substr(at));
}

int Serve(const ServerConfig& config) {
  storage::OpenStoreOptions store_options;
  store_options.password_file = config.database_password_file;
  auto store = storage::OpenStore(config.database, store_options);
  if (!store.ok()) {
    LogError("cannot open the database: %s", store.status().ToString());
    return 1;
  }
  auto token = LoadOrCreateAdminToken(config.admin_token_file);
  if (!token.ok()) {
    LogError("%s", token.status().message());
    return 1;
  }

  SystemClock clock;
  AdminAuth auth(*token);
  mail::SmtpSender sender(config.smtp);
  mail::OutboxWorker outbox(**store, sender, clock, config.outbox);
  OptInCleaner cleaner(**store, clock, config.opt_in_retention,
                       config.cleanup_interval);

  OptInOptions opt_in_options;
  opt_in_options.public_url = config.public_url;
  opt_in_options.mail_from = config.mail_from;
  absl::LoadTimeZone(config.time_zone, &opt_in_options.time_format.zone);
  opt_in_options.time_format.date_format = config.date_format;
  opt_in_options.time_format.time_format = config.time_format;
  CaptureProcessor processor(**store, clock);
  OptInProcessor opt_in(**store, clock, processor, opt_in_options,
                        [&outbox] { outbox.Notify(); });
  processor.set_opt_in_step(&opt_in);

  LeadCaptureServiceImpl capture_service(processor);
  OptInServiceImpl opt_in_service(opt_in);
  AdminServiceImpl admin_service(**store, clock, auth, config.public_url);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  // Two servers on one port would split the traffic between two
  // databases without a word: refuse to share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(config.grpc_address,
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&capture_service);
  builder.RegisterService(&opt_in_service);
  builder.RegisterService(&admin_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    LogError("cannot listen on %s", config.grpc_address);
    return 1;
  }
  for (const char* name :
       {"leadcapture.v1.LeadCaptureService", "leadcapture.v1.OptInService",
        "leadcapture.v1.AdminService"}) {
    server->GetHealthCheckService()->SetServingStatus(name, true);
  }
  outbox.Start();
  cleaner.Start();
  LogInfo(
      "leadcaptured serving gRPC on %s (port %d), database %s, admin token "
      "file %s, public URL %s, SMTP %s%s, mail from %s, time zone %s",
      config.grpc_address, port, SafeDatabase(config.database),
      config.admin_token_file, config.public_url, config.smtp.url,
      config.smtp.username.empty() ? "" : " with AUTH", config.mail_from,
      config.time_zone);

  // The signal is taken synchronously here; every other thread has it
  // blocked (the mask was set before any thread started).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int signal_number = 0;
  sigwait(&signals, &signal_number);

  LogInfo("leadcaptured stopping (signal %d)", signal_number);
  server->GetHealthCheckService()->Shutdown();
  // Calls still running after this grace are cancelled; idle client
  // connections would otherwise hold the whole deadline.
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(500));
  server->Wait();
  cleaner.Stop();
  outbox.Stop();
  LogInfo("leadcaptured stopped");
  return 0;
}

}  // namespace
}  // namespace leadcapture

int main(int argc, char** argv) {
  // The database, its journal and the token file hold personal data and
  // secrets: nobody but this user reads what the server creates.
  umask(0077);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::SetProgramUsageMessage(
      "leadcaptured: the leadcapture gRPC server. Every flag has an "
      "environment twin LEADCAPTURE_<FLAG>.");
  absl::Status env = leadcapture::ApplyFlagEnvironment(
      {"grpc_address", "database", "database_password_file", "admin_token_file",
       "public_url", "smtp_url", "smtp_username", "smtp_password_file",
       "smtp_require_starttls", "mail_from", "time_zone", "date_format",
       "time_format", "mail_max_attempts", "mail_initial_backoff",
       "mail_max_backoff", "opt_in_retention", "cleanup_interval"});
  if (!env.ok()) {
    leadcapture::LogError("%s", env.message());
    return 2;
  }
  absl::ParseCommandLine(argc, argv);
  leadcapture::ServerConfig config = leadcapture::ReadConfig();
  absl::Status valid = leadcapture::CheckConfig(config);
  if (valid.ok()) valid = leadcapture::LoadSmtpPassword(config);
  if (!valid.ok()) {
    leadcapture::LogError("%s", valid.message());
    return 2;
  }
  return leadcapture::Serve(config);
}
