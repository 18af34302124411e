// Double opt-in (SPEC section 6): holding a capture until the person
// confirms by the link in a mail, and confirming it.
#ifndef LEADCAPTURE_SERVICES_OPT_IN_H_
#define LEADCAPTURE_SERVICES_OPT_IN_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "leadcapture/v1/opt_in_service.pb.h"
#include "services/capture.h"
#include "services/opt_in_mail.h"
#include "services/util/clock.h"
#include "storage/store.h"

namespace leadcapture {

struct OptInOptions {
  // The gateway's public base URL; links are <public_url>/optin/confirm.
  std::string public_url = "http://127.0.0.1:8080";
  // The From address when an entry point sets none.
  std::string mail_from = "leadcapture@localhost.localdomain";
  // How dates and times are written in mails.
  MailTimeFormat time_format;
  // At most this many confirmation mails per address and entry point in
  // any 24 hours.
  int max_mails_per_day = 3;
};

// A confirmation token: 128 bits from a CSPRNG, base64url without padding
// (22 characters).
std::string NewOptInToken();

// Whether `token` has the form NewOptInToken() makes.
bool IsWellFormedOptInToken(absl::string_view token);

// What the store keeps of a token: its SHA-256, in hex.
std::string OptInTokenHash(absl::string_view token);

// Thread-safe. Everything passed in must outlive it. `mail_queued` is
// called after a commit that queued mail (to wake the outbox worker).
class OptInProcessor : public OptInStep {
 public:
  OptInProcessor(storage::Store& store, Clock& clock, CaptureProcessor& capture,
                 OptInOptions options, std::function<void()> mail_queued)
      : store_(store),
        clock_(clock),
        capture_(capture),
        options_(std::move(options)),
        mail_queued_(std::move(mail_queued)) {}

  // OptInStep: INVALID_ARGUMENT (rule required) without an e-mail address.
  absl::StatusOr<v1::CaptureLog> Request(
      storage::Transaction& tx, const v1::EntryPoint& entry_point,
      const CleanPayload& payload, const v1::ClientContext& client) override;
  void Committed() override;

  // Confirms the request behind a token and applies the capture, in one
  // transaction. A confirmed token answers CONFIRMED again and changes
  // nothing; an expired one answers EXPIRED and stores nothing. NOT_FOUND
  // for an unknown token.
  absl::StatusOr<v1::ConfirmResponse> Confirm(
      const v1::ConfirmRequest& request);

  // The state of a token; UNKNOWN for none. Changes nothing.
  absl::StatusOr<v1::InspectResponse> Inspect(absl::string_view token);

  // Sends a new link for a pending request. NOT_FOUND for an unknown token,
  // FAILED_PRECONDITION for a confirmed or expired one, RESOURCE_EXHAUSTED
  // past the mail limit.
  absl::Status Resend(absl::string_view token);

 private:
  // Stores a new request with a new token and queues its mail.
  absl::StatusOr<v1::OptInRequest> IssueRequest(
      storage::Transaction& tx, const v1::EntryPoint& entry_point,
      const CleanPayload& payload, const v1::ClientContext& client,
      absl::string_view lead_id, absl::Time now);

  // Whether the person is already on the entry point's target list.
  absl::StatusOr<std::optional<v1::CaptureLog>> SkipIfSubscribed(
      storage::Transaction& tx, const v1::EntryPoint& entry_point,
      const CleanPayload& payload);

  // The request behind a token, or nullopt.
  absl::StatusOr<std::optional<v1::OptInRequest>> FindRequest(
      storage::Transaction& tx, absl::string_view token);

  // The person's confirmation of another request of the same entry point
  // since this one was made, if any.
  absl::StatusOr<std::optional<v1::OptInRequest>> ConfirmationSince(
      storage::Transaction& tx, const v1::OptInRequest& request);

  v1::ConfirmResponse Confirmed(const v1::EntryPoint& entry_point) const;

  storage::Store& store_;
  Clock& clock_;
  CaptureProcessor& capture_;
  const OptInOptions options_;
  const std::function<void()> mail_queued_;
};

// The state of a request at `now`.
v1::OptInState StateOf(const v1::OptInRequest& request, absl::Time now);

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_OPT_IN_H_
