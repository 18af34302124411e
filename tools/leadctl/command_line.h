// leadctl's command line: global flags, then a subcommand of the table with
// its positional argument and kebab-case flags. Parsing checks everything
// that can be checked without a server; its errors are usage errors.
#ifndef LEADCAPTURE_TOOLS_LEADCTL_COMMAND_LINE_H_
#define LEADCAPTURE_TOOLS_LEADCTL_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tools/leadctl/command_table.h"

namespace leadcapture::leadctl {

// The flags that come before the subcommand (they are also accepted after
// it).
struct GlobalOptions {
  // leadcaptured's gRPC address.
  std::string address = "127.0.0.1:50051";
  // The file holding the admin token.
  std::string token_file = "var/admin-token";
  // How long one call may take.
  absl::Duration deadline = absl::Seconds(10);
};

// A flag as given, its value already turned into JSON of the flag's kind.
struct FlagValue {
  const FlagSpec* spec = nullptr;
  nlohmann::json value;
};

// What the command line asks for.
struct Invocation {
  GlobalOptions options;
  // Whether usage text was asked for; help_topic is then "" (everything),
  // a group ("entry-points") or a subcommand's words.
  bool help = false;
  std::string help_topic;
  // The subcommand; nullptr only when help is set.
  const CommandSpec* command = nullptr;
  // The positional argument; empty when left out.
  std::string positional;
  // The flags of the subcommand in the order given; a repeated flag keeps
  // its last value in its first place.
  std::vector<FlagValue> flags;

  // The value of the flag with that name, or nullptr if it was not given.
  const FlagValue* FindFlag(absl::string_view name) const;
  // Whether --page-size or --page-token was given.
  bool HasPagingFlags() const;
};

// Parses the arguments after the program name. `defaults` are the global
// options before the command line is applied (the environment's twins).
// INVALID_ARGUMENT, with a message for the user, for: an unknown command or
// flag (named), a flag without a value, a value that does not fit the
// flag's kind, a missing or extra positional argument, a missing required
// flag, and an update that changes nothing.
absl::StatusOr<Invocation> ParseCommandLine(
    const std::vector<std::string>& args, const GlobalOptions& defaults);

// The request of a table subcommand (mode kUnary, kUpdate or kPaged) as a
// JSON object: the positional argument and each flag at its JSON path, and
// for kUpdate an `updateMask` naming the flags given.
nlohmann::json BuildRequestJson(const Invocation& invocation);

// The usage text for a topic as Invocation::help_topic names it.
std::string UsageText(absl::string_view topic);

}  // namespace leadcapture::leadctl

#endif  // LEADCAPTURE_TOOLS_LEADCTL_COMMAND_LINE_H_
