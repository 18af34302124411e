// Environment-variable twins of command-line flags (SPEC section 11).
#ifndef LEADCAPTURE_SERVICES_UTIL_ENV_FLAGS_H_
#define LEADCAPTURE_SERVICES_UTIL_ENV_FLAGS_H_

#include <initializer_list>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace leadcapture {

// For each flag name, reads LEADCAPTURE_<NAME IN UPPER CASE> and, when set,
// makes it the flag's value. Call before absl::ParseCommandLine so that a
// flag given on the command line wins. INVALID_ARGUMENT names the variable
// whose value does not parse (the value itself is not repeated: it may be a
// secret).
absl::Status ApplyFlagEnvironment(
    std::initializer_list<absl::string_view> flag_names);

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_UTIL_ENV_FLAGS_H_
