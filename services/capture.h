// The capture flow (SPEC section 3): from a posted payload to a stored lead,
// target list membership, campaign log and capture log, in one transaction.
#ifndef LEADCAPTURE_SERVICES_CAPTURE_H_
#define LEADCAPTURE_SERVICES_CAPTURE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "leadcapture/v1/capture_service.pb.h"
#include "leadcapture/v1/resources.pb.h"
#include "services/payload.h"
#include "services/util/clock.h"
#include "storage/store.h"

namespace leadcapture {

// The double opt-in step of a capture (SPEC section 6), run instead of
// steps 5 to 7 when the entry point asks for double opt-in.
class OptInStep {
 public:
  virtual ~OptInStep() = default;

  // Records the request (and its mail) in the capture's transaction `tx`.
  // Returns the capture log it wrote.
  virtual absl::StatusOr<v1::CaptureLog> Request(
      storage::Transaction& tx, const v1::EntryPoint& entry_point,
      const CleanPayload& payload, const v1::ClientContext& client) = 0;

  // Called after a transaction in which Request() ran has committed.
  virtual void Committed() = 0;
};

// Thread-safe; holds no state of its own. `store` and `clock` must outlive
// it.
class CaptureProcessor {
 public:
  CaptureProcessor(storage::Store& store, Clock& clock)
      : store_(store), clock_(clock) {}

  // Sets the double opt-in step; until it is set, captures for entry points
  // with opt_in on fail with FAILED_PRECONDITION. Call before serving.
  void set_opt_in_step(OptInStep* opt_in_step) { opt_in_step_ = opt_in_step; }

  // Runs the whole capture and commits. Returns the capture log it wrote.
  // NOT_FOUND for an unknown or inactive key (the same answer for both);
  // INVALID_ARGUMENT (a FieldError) for a payload that fails validation;
  // UNAVAILABLE when the store cannot be reached. On error nothing is
  // stored.
  absl::StatusOr<v1::CaptureLog> Capture(const v1::CaptureRequest& request);

  // The public settings of the active entry point with this key. NOT_FOUND
  // otherwise.
  absl::StatusOr<v1::Policy> GetPolicy(absl::string_view api_key);

  // Steps 5 to 7 of the capture on an open read-write transaction: finds or
  // creates the lead (or subscribes the contact), subscribes to the target
  // list, writes the campaign and capture logs. Does not commit. A
  // non-empty `known_lead_id` names a lead made earlier for this person
  // (before a double opt-in confirmation); it is used as the matching lead.
  absl::StatusOr<v1::CaptureLog> Apply(storage::Transaction& tx,
                                       const v1::EntryPoint& entry_point,
                                       const CleanPayload& payload,
                                       const v1::ClientContext& client,
                                       absl::string_view known_lead_id = "");

  // Creates a new lead from the payload with the entry point's source,
  // campaign and team, and logs "Lead Created". Does not subscribe it.
  absl::StatusOr<v1::Lead> CreateLead(storage::Transaction& tx,
                                      const v1::EntryPoint& entry_point,
                                      const CleanPayload& payload,
                                      absl::Time now);

  // The oldest lead matching the payload's e-mail or phone, when the entry
  // point checks for duplicates.
  absl::StatusOr<std::optional<v1::Lead>> MatchLead(
      storage::Transaction& tx, const v1::EntryPoint& entry_point,
      const CleanPayload& payload);

  // Returns the oldest matching contact, if the entry point subscribes
  // contacts.
  absl::StatusOr<std::optional<v1::Contact>> MatchContact(
      storage::Transaction& tx, const v1::EntryPoint& entry_point,
      const CleanPayload& payload);

  // Takes the identity locks of the payload's e-mail key and phone.
  absl::Status LockIdentities(storage::Transaction& tx,
                              const CleanPayload& payload);

 private:
  // Puts the member on the entry point's target list unless it is there
  // and not opted out; logs "Opted In" when it does. Returns whether it
  // subscribed.
  absl::StatusOr<bool> Subscribe(storage::Transaction& tx,
                                 const v1::EntryPoint& entry_point,
                                 storage::MemberType type,
                                 absl::string_view member_id, absl::Time now);

  absl::Status LogCampaign(storage::Transaction& tx,
                           const v1::EntryPoint& entry_point,
                           absl::string_view action, storage::MemberType type,
                           absl::string_view member_id, absl::string_view data,
                           absl::Time now);

  storage::Store& store_;
  Clock& clock_;
  OptInStep* opt_in_step_ = nullptr;
};

// The most a capture log keeps of a client's User-Agent, in bytes.
inline constexpr std::size_t kMaxUserAgentBytes = 1024;
// The longest textual IP address (IPv6 with an embedded IPv4 part).
inline constexpr std::size_t kMaxClientIpBytes = 45;

// The client IP as given when it looks like an IPv4 or IPv6 address, else
// empty.
std::string CleanClientIp(absl::string_view ip);

// The User-Agent cut to kMaxUserAgentBytes at a character boundary.
std::string CleanUserAgent(absl::string_view user_agent);

// Whether the entry point subscribes to a target list at all.
bool SubscribesToTargetList(const v1::EntryPoint& entry_point);

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_CAPTURE_H_
