// The mail side of the end-to-end tests: the SMTP server that leadcaptured
// sends to, and the mails it stored, read back from its Maildir.
//
// tools/test starts one SMTP server for the whole suite and names it by
//   LEADCAPTURE_TEST_SMTP_PORT  its port on 127.0.0.1
//   LEADCAPTURE_TEST_MAILDIR    the Maildir it stores each mail in
// Tests run in parallel against it, so each one sends only to addresses of
// its own (UniqueAddress) and reads only the mails to those. Without the
// variables, a test process starts a server of its own.
#ifndef LEADCAPTURE_TESTS_INTEGRATION_MAILBOX_H_
#define LEADCAPTURE_TESTS_INTEGRATION_MAILBOX_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/testing/mime_reader.h"
#include "tests/testing/smtp_server.h"

namespace leadcapture::testing {

// One stored mail, decoded.
struct ReceivedMail {
  // The file in <maildir>/new/.
  std::string file;
  // The whole file as the SMTP server stored it.
  std::string raw;
  // The top-level headers and body.
  mail::testing::MimeEntity message;
  // The Subject header with its encoded-words decoded.
  std::string subject;
  // The decoded text/plain part (the whole body of a text-only mail).
  std::string text;
  // The decoded text/html part; empty when there is none.
  std::string html;
};

// Parses a stored mail. Line ends come out as LF.
ReceivedMail ParseReceivedMail(const std::string& file, const std::string& raw);

// The mails in `maildir`/new/ whose To header holds `address` (any case),
// oldest first (by file time, then name).
std::vector<ReceivedMail> MailsTo(const std::string& maildir,
                                  const std::string& address);

// Waits until at least `count` mails to `address` are in `maildir` and
// returns all there are then; after `timeout`, returns the fewer there
// are.
std::vector<ReceivedMail> WaitForMailsTo(const std::string& maildir,
                                         const std::string& address,
                                         std::size_t count,
                                         absl::Duration timeout);

// A new address that no other test uses: "<name>.<random hex>@optin.example".
std::string UniqueAddress(const std::string& name);

// The SMTP server of the end-to-end tests (see the top of this file).
class TestMailServer {
 public:
  // The suite's server, or this process's own, started at the first call.
  // Not thread-safe.
  static absl::StatusOr<TestMailServer*> Get();

  int port() const { return port_; }
  // "smtp://127.0.0.1:PORT".
  std::string url() const;
  const std::string& maildir() const { return maildir_; }

 private:
  TestMailServer() = default;

  int port_ = 0;
  std::string maildir_;
  // Set only for a server of this process's own.
  std::unique_ptr<mail::testing::TempDir> dir_;
  std::unique_ptr<mail::testing::SmtpServer> server_;
};

}  // namespace leadcapture::testing

#endif  // LEADCAPTURE_TESTS_INTEGRATION_MAILBOX_H_
