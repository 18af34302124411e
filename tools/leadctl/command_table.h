// The table of leadctl's subcommands: one row per subcommand, naming the
// AdminService method it calls, its positional argument and its flags, each
// mapped to a field of the request. Parsing, request building and help text
// are all driven by this table.
#ifndef LEADCAPTURE_TOOLS_LEADCTL_COMMAND_TABLE_H_
#define LEADCAPTURE_TOOLS_LEADCTL_COMMAND_TABLE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace leadcapture::leadctl {

// The full name of the service that the table's subcommands call.
inline constexpr absl::string_view kAdminService =
    "leadcapture.v1.AdminService";

// How a flag's text becomes a JSON value in the request.
enum class FlagKind {
  kString,  // the text as given
  kList,    // comma-separated items -> JSON array of strings ("" -> [])
  kBool,    // true|false (also yes|no, 1|0); a bare --flag means true
  kInt,     // a 32-bit decimal integer
};

// One flag of a subcommand.
struct FlagSpec {
  // Kebab-case name without dashes, for example "payload-fields".
  std::string name;
  FlagKind kind = FlagKind::kString;
  // Dotted path of lowerCamelCase JSON names in the request message, for
  // example "entryPoint.payloadFields". Empty for flags of built-in
  // commands, which do not build a request from flags.
  std::string json_path;
  // One line for the usage text.
  std::string help;
  // Whether the subcommand fails with a usage error without it.
  bool required = false;
};

// What a subcommand does with its request and reply.
enum class CommandMode {
  kUnary,    // one call; prints the reply
  kUpdate,   // one call whose update_mask names exactly the flags given
  kPaged,    // a list call; follows every page unless paging flags are given
  kCall,     // built-in: the generic `call METHOD -d JSON`
  kList,     // built-in: lists services, or one service's methods
  kDescribe  // built-in: prints a descriptor
};

// One subcommand.
struct CommandSpec {
  // The words that select it, for example "entry-points create".
  std::string words;
  CommandMode mode = CommandMode::kUnary;
  // The AdminService method, for example "CreateEntryPoint". Empty for the
  // built-in commands.
  std::string method;
  // The positional argument's name in the usage text ("ID"); empty: none.
  // In brackets ("[SERVICE]") it may be left out.
  std::string positional;
  // The JSON path that the positional argument fills; empty for built-ins.
  std::string positional_path;
  // The flags. Paged commands also have page-size and page-token.
  std::vector<FlagSpec> flags;
  // One line for the usage text.
  std::string help;

  // The full method name, "leadcapture.v1.AdminService/CreateEntryPoint";
  // empty for the built-in commands.
  std::string FullMethod() const;
  // Whether the positional argument must be given.
  bool PositionalRequired() const;
  // The flag with that name, or nullptr.
  const FlagSpec* FindFlag(absl::string_view name) const;
};

// All subcommands, in the order the usage text lists them.
const std::vector<CommandSpec>& Commands();

// The subcommand whose words are exactly `words`, or nullptr.
const CommandSpec* FindCommand(absl::string_view words);

// Whether `word` is the first word of some subcommand with more than one
// word, for example "entry-points".
bool IsCommandGroup(absl::string_view word);

}  // namespace leadcapture::leadctl

#endif  // LEADCAPTURE_TOOLS_LEADCTL_COMMAND_TABLE_H_
