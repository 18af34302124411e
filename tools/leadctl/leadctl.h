// leadctl: the administrators' command-line client of AdminService, in the
// style of grpcurl. This is the whole program behind main(), so that tests
// can drive it with their own streams.
#ifndef LEADCAPTURE_TOOLS_LEADCTL_LEADCTL_H_
#define LEADCAPTURE_TOOLS_LEADCTL_LEADCTL_H_

#include <iosfwd>
#include <string>
#include <vector>

#include "tools/leadctl/command_line.h"

namespace leadcapture::leadctl {

// Exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCallFailed = 1;  // the call or a local step failed
inline constexpr int kExitUsage = 2;       // the command line is wrong

// Runs leadctl with the arguments after the program name. `defaults` are
// the global options before the command line (the environment's twins
// applied). Replies and usage text go to `out`; errors go to `err` as
// "leadctl: CODE: message" for a failed call and "leadctl: message"
// otherwise. `in` is read for `call -d @-`. Returns the exit code.
int RunLeadctl(const std::vector<std::string>& args,
               const GlobalOptions& defaults, std::istream& in,
               std::ostream& out, std::ostream& err);

}  // namespace leadcapture::leadctl

#endif  // LEADCAPTURE_TOOLS_LEADCTL_LEADCTL_H_
