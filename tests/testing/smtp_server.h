// A real SMTP server for tests that send mail: Debian's aiosmtpd, started
// as a child process on a free loopback port, writing each mail it accepts
// to a Maildir. Also a temporary directory and a self-signed certificate
// for its TLS.
#ifndef LEADCAPTURE_TESTS_TESTING_SMTP_SERVER_H_
#define LEADCAPTURE_TESTS_TESTING_SMTP_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace leadcapture::mail::testing {

// A new empty directory under the test's temporary directory, removed with
// everything in it when the object goes.
class TempDir {
 public:
  static absl::StatusOr<std::unique_ptr<TempDir>> Create();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Writes a new EC key and a self-signed certificate for 127.0.0.1 (as an IP
// subjectAltName) to `cert_file` and `key_file`, both PEM.
absl::Status WriteSelfSignedCertificate(const std::string& cert_file,
                                        const std::string& key_file);

// A TCP port on 127.0.0.1 that nothing listens on right now.
absl::StatusOr<int> FreePort();

struct SmtpServerOptions {
  // The port to listen on; 0 for a free one.
  int port = 0;
  // STARTTLS with this certificate and key (PEM files) when set; the server
  // then refuses mail before STARTTLS.
  std::string tls_cert;
  std::string tls_key;
  // With a certificate: TLS from the first byte (SMTPS) instead.
  bool implicit_tls = false;
  // Use the test handler (tests/testing/smtp_test_handlers.py) instead of
  // aiosmtpd's Mailbox: it rejects some recipients and messages on purpose,
  // notes TLS and AUTH in the stored mail, and offers AUTH (after STARTTLS)
  // for this user and password when they are set.
  bool test_handler = false;
  std::string username;
  std::string password;
};

class SmtpServer {
 public:
  // Starts the server with its Maildir in `dir` and waits until it accepts
  // connections.
  static absl::StatusOr<std::unique_ptr<SmtpServer>> Start(
      const std::string& dir, const SmtpServerOptions& options = {});
  // Stops the server (Stop).
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  // Stops the process by its pid and waits for it. Safe to call twice.
  void Stop();

  int port() const { return port_; }
  // "smtp://127.0.0.1:PORT", or "smtps://..." for implicit TLS.
  std::string url() const;

  // The paths of the delivered mails (files in <maildir>/new/), in name
  // order.
  std::vector<std::string> MailFiles() const;
  // The text of the delivered mails.
  std::vector<std::string> Mails() const;
  // Waits until at least `count` mails were delivered; false on timeout.
  bool WaitForMails(std::size_t count, absl::Duration timeout) const;

 private:
  SmtpServer(pid_t pid, int port, std::string maildir, bool implicit_tls)
      : pid_(pid),
        port_(port),
        maildir_(std::move(maildir)),
        implicit_tls_(implicit_tls) {}

  pid_t pid_;
  int port_;
  std::string maildir_;
  bool implicit_tls_;
};

}  // namespace leadcapture::mail::testing

#endif  // LEADCAPTURE_TESTS_TESTING_SMTP_SERVER_H_
