// The interface of whatever hands finished mails to a mail server.
#ifndef LEADCAPTURE_SERVICES_MAIL_MAIL_SENDER_H_
#define LEADCAPTURE_SERVICES_MAIL_MAIL_SENDER_H_

#include <string>

#include "absl/status/status.h"

namespace leadcapture::mail {

// Thread-safe: several threads may call Send at once.
class MailSender {
 public:
  virtual ~MailSender() = default;

  // Delivers `mime` (a whole message with CRLF line ends, see BuildMime)
  // from the envelope sender `from` to the one recipient `to`. OK once the
  // server has accepted the message.
  //
  // Errors: UNAVAILABLE when the server cannot be reached, the connection
  // fails or times out, or the server answers with a temporary (4xx) reply:
  // try again later. FAILED_PRECONDITION when the server rejects this
  // message for good (a 5xx reply to the sender, the recipient or the
  // data, such as an unknown mailbox): sending it again cannot succeed.
  // Other codes for a configuration the sender cannot use. Error messages
  // never contain a password.
  virtual absl::Status Send(const std::string& from, const std::string& to,
                            const std::string& mime) = 0;
};

}  // namespace leadcapture::mail

#endif  // LEADCAPTURE_SERVICES_MAIL_MAIL_SENDER_H_
