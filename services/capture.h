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

// Thread-safe; holds no state of its own. `store` and `clock` must outlive
// it.
class CaptureProcessor {
 public:
  CaptureProcessor(storage::Store& store, Clock& clock)
      : store_(store), clock_(clock) {}

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
  // list, writes the campaign and capture logs. Does not commit.
  absl::StatusOr<v1::CaptureLog> Apply(storage::Transaction& tx,
                                       const v1::EntryPoint& entry_point,
                                       const CleanPayload& payload,
                                       const v1::ClientContext& client);

 private:
  // Returns the oldest matching contact, if the entry point subscribes
  // contacts.
  absl::StatusOr<std::optional<v1::Contact>> MatchContact(
      storage::Transaction& tx, const v1::EntryPoint& entry_point,
      const CleanPayload& payload);
  absl::StatusOr<std::optional<v1::Lead>> MatchLead(
      storage::Transaction& tx, const v1::EntryPoint& entry_point,
      const CleanPayload& payload);

  // Puts the member on the entry point's target list unless it is there
  // and not opted out; logs "Opted In" when it does. Returns whether it
  // subscribed.
  absl::StatusOr<bool> Subscribe(storage::Transaction& tx,
                                 const v1::EntryPoint& entry_point,
                                 storage::MemberType type,
                                 absl::string_view member_id, absl::Time now);

  absl::Status LogCampaign(storage::Transaction& tx,
                           const v1::EntryPoint& entry_point,
                           absl::string_view action,
                           storage::MemberType type,
                           absl::string_view member_id, absl::string_view data,
                           absl::Time now);

  storage::Store& store_;
  Clock& clock_;
};

// Whether the entry point subscribes to a target list at all.
bool SubscribesToTargetList(const v1::EntryPoint& entry_point);

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_CAPTURE_H_
