// Rules for entry point settings: defaults, validation, and the example
// request shown to web site owners.
#ifndef LEADCAPTURE_SERVICES_ENTRY_POINTS_H_
#define LEADCAPTURE_SERVICES_ENTRY_POINTS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "leadcapture/v1/admin_service.pb.h"
#include "leadcapture/v1/resources.pb.h"
#include "storage/store.h"

namespace leadcapture {

// Fills unset settings with their defaults (SPEC section 2) and brings
// lists and codes to their canonical form (phone country in upper case,
// origins in lower case without a trailing slash).
void ApplyEntryPointDefaults(v1::EntryPoint* entry_point);

// Checks settings after ApplyEntryPointDefaults: a name, known and unique
// payload fields, required fields among them, a known phone country, origins
// of the form scheme://host[:port]. INVALID_ARGUMENT names the setting.
// References (target list, team, campaign) are checked in `tx`: NOT_FOUND
// names the missing record.
absl::Status ValidateEntryPoint(const v1::EntryPoint& entry_point,
                                storage::Transaction& tx);

// The example request for an entry point, with the capture URL built from
// `public_url` (the gateway's public base URL).
v1::EntryPointExample MakeExample(const v1::EntryPoint& entry_point,
                                  absl::string_view public_url);

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_ENTRY_POINTS_H_
