// A MailSender that delivers over SMTP (or SMTPS) with libcurl.
#ifndef LEADCAPTURE_SERVICES_MAIL_SMTP_SENDER_H_
#define LEADCAPTURE_SERVICES_MAIL_SMTP_SENDER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/mail/mail_sender.h"

namespace leadcapture::mail {

struct SmtpOptions {
  // "smtp://host:port" (plain, with STARTTLS) or "smtps://host:port" (TLS
  // from the start). A path ("smtp://host:port/name") is the name this
  // client gives in EHLO, instead of helo_domain.
  std::string url;
  // AUTH (the strongest mechanism both sides know) when not empty. Keep the
  // password off the wire: use smtps:// or require_starttls with it.
  std::string username;
  std::string password;
  // On smtp://: true fails a delivery unless STARTTLS succeeds; false uses
  // STARTTLS when the server offers it. Either way the server's certificate
  // must verify once TLS is in use.
  bool require_starttls = false;
  // The PEM file of the certificate authorities to trust instead of the
  // system's (for a private relay); empty for the system's.
  std::string ca_file;
  // The longest a delivery may take, connecting included.
  absl::Duration timeout = absl::Seconds(30);
  // The name this client gives in EHLO.
  std::string helo_domain = "localhost";
};

// OK when `options` can be used: the URL is smtp:// or smtps:// with a
// host and without credentials ("user:password@"), and the timeout is
// positive. INVALID_ARGUMENT otherwise, without echoing the URL.
absl::Status ValidateSmtpOptions(const SmtpOptions& options);

// Thread-safe: each Send uses its own connection.
class SmtpSender : public MailSender {
 public:
  explicit SmtpSender(SmtpOptions options);

  // See MailSender::Send. Also INVALID_ARGUMENT when the options are not
  // valid (ValidateSmtpOptions), and FAILED_PRECONDITION when `from` or
  // `to` holds a character no address may hold (a control character, "<"
  // or ">").
  absl::Status Send(const std::string& from, const std::string& to,
                    const std::string& mime) override;

 private:
  // Sets what every transfer shares: URL, TLS, AUTH, time limits and the
  // buffer for libcurl's error text.
  void SetConnectionOptions(void* handle /* a CURL* */, char* error) const;

  const SmtpOptions options_;
  // The URL with the EHLO name as its path.
  const std::string url_;
};

}  // namespace leadcapture::mail

#endif  // LEADCAPTURE_SERVICES_MAIL_SMTP_SENDER_H_
