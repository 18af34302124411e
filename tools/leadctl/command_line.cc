#include "tools/leadctl/command_line.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/util/status_macros.h"

namespace leadcapture::leadctl {
namespace {

using nlohmann::json;

absl::Status UsageError(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

// How the usage text and the errors spell a flag: "--name", or "-d" for
// one-letter flags.
std::string FlagDisplay(absl::string_view name) {
  return absl::StrCat(name.size() == 1 ? "-" : "--", name);
}

bool IsFlag(absl::string_view arg) { return arg.size() > 1 && arg[0] == '-'; }

// "--name=value" -> {"name", "value"}; "--name" -> {"name", nullopt}.
std::pair<std::string, std::optional<std::string>> SplitFlag(
    absl::string_view arg) {
  arg.remove_prefix(absl::StartsWith(arg, "--") ? 2 : 1);
  const size_t equals = arg.find('=');
  if (equals == absl::string_view::npos) return {std::string(arg), {}};
  return {std::string(arg.substr(0, equals)),
          std::string(arg.substr(equals + 1))};
}

bool IsGlobalFlag(absl::string_view name) {
  return name == "address" || name == "token_file" || name == "deadline";
}

bool IsHelpFlag(absl::string_view arg) {
  return arg == "--help" || arg == "-h";
}

absl::StatusOr<bool> ParseBool(absl::string_view name, absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "true") return true;
  if (lower == "false") return false;
  return UsageError(absl::StrFormat("flag %s takes true or false, not \"%s\"",
                                    FlagDisplay(name), text));
}

// Turns a flag's text into its JSON value.
absl::StatusOr<json> FlagJson(const FlagSpec& spec, absl::string_view text) {
  switch (spec.kind) {
    case FlagKind::kString:
      return json(std::string(text));
    case FlagKind::kList: {
      json items = json::array();
      for (absl::string_view item : absl::StrSplit(text, ',')) {
        item = absl::StripAsciiWhitespace(item);
        if (!item.empty()) items.push_back(std::string(item));
      }
      return items;
    }
    case FlagKind::kBool: {
      LC_ASSIGN_OR_RETURN(bool value, ParseBool(spec.name, text));
      return json(value);
    }
    case FlagKind::kInt: {
      int32_t value = 0;
      if (!absl::SimpleAtoi(text, &value)) {
        // A number too large for int32 parses as a wider one (or is a long
        // run of digits); say so rather than "not an integer".
        absl::string_view digits = absl::StripAsciiWhitespace(text);
        if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
          digits.remove_prefix(1);
        }
        if (!digits.empty() &&
            std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit)) {
          return UsageError(absl::StrFormat(
              "flag %s: \"%s\" is out of range; it takes an integer from "
              "%d to %d",
              FlagDisplay(spec.name), text,
              std::numeric_limits<int32_t>::min(),
              std::numeric_limits<int32_t>::max()));
        }
        return UsageError(
            absl::StrFormat("flag %s takes an integer, not \"%s\"",
                            FlagDisplay(spec.name), text));
      }
      return json(value);
    }
  }
  return UsageError("unknown flag kind");
}

// Whether `address` is HOST:PORT with a non-empty host (an IPv6 host in
// brackets) and a decimal port from 1 to 65535.
bool IsHostPort(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return false;
  const absl::string_view host = address.substr(0, colon);
  const absl::string_view port = address.substr(colon + 1);
  if (host.empty()) return false;
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    const absl::string_view inside = host.substr(1, host.size() - 2);
    if (inside.find_first_of("[]") != absl::string_view::npos) return false;
  } else if (host.find_first_of(":[]") != absl::string_view::npos) {
    return false;
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), absl::ascii_isdigit)) {
    return false;
  }
  int number = 0;
  return absl::SimpleAtoi(port, &number) && number >= 1 && number <= 65535;
}

absl::Status AddressError(absl::string_view source, absl::string_view value) {
  return UsageError(absl::StrFormat(
      "%s takes HOST:PORT with a port from 1 to 65535 (an IPv6 host in "
      "brackets), not \"%s\"",
      source, value));
}

absl::Status ApplyGlobalFlag(absl::string_view name, absl::string_view value,
                             GlobalOptions& options) {
  if (name == "address") {
    if (!IsHostPort(value)) return AddressError("flag --address", value);
    options.address = std::string(value);
  } else if (name == "token_file") {
    options.token_file = std::string(value);
  } else {
    double seconds = 0;
    if (!absl::SimpleAtod(value, &seconds) || !(seconds > 0)) {
      return UsageError(absl::StrFormat(
          "flag --deadline takes a positive number of seconds, not \"%s\"",
          value));
    }
    options.deadline = absl::Seconds(seconds);
  }
  return absl::OkStatus();
}

// The value of the flag at args[i]: after its '=', else the next argument
// (then i moves on to it).
absl::StatusOr<std::string> FlagValueText(
    const std::vector<std::string>& args, size_t& i, const std::string& name,
    const std::optional<std::string>& inline_value) {
  if (inline_value.has_value()) return *inline_value;
  if (i + 1 >= args.size()) {
    return UsageError(
        absl::StrCat("flag ", FlagDisplay(name), " needs a value"));
  }
  return args[++i];
}

void SetFlag(Invocation& invocation, FlagValue value) {
  for (FlagValue& given : invocation.flags) {
    if (given.spec == value.spec) {
      given = std::move(value);
      return;
    }
  }
  invocation.flags.push_back(std::move(value));
}

// Parses one flag of the subcommand at args[i] (a global flag is also
// taken); moves i past its value.
absl::Status ParseCommandFlag(const std::vector<std::string>& args, size_t& i,
                              Invocation& invocation) {
  const CommandSpec& command = *invocation.command;
  auto [name, inline_value] = SplitFlag(args[i]);
  const FlagSpec* spec = command.FindFlag(name);
  if (spec == nullptr) {
    if (!IsGlobalFlag(name)) {
      return UsageError(absl::StrFormat("unknown flag %s for \"%s\"",
                                        FlagDisplay(name), command.words));
    }
    LC_ASSIGN_OR_RETURN(std::string text,
                        FlagValueText(args, i, name, inline_value));
    return ApplyGlobalFlag(name, text, invocation.options);
  }

  // A bare bool flag means true; "--flag false" is also read.
  std::string text;
  if (spec->kind == FlagKind::kBool && !inline_value.has_value()) {
    const bool next_is_bool =
        i + 1 < args.size() && ParseBool(name, args[i + 1]).ok();
    text = next_is_bool ? args[++i] : "true";
  } else {
    LC_ASSIGN_OR_RETURN(text, FlagValueText(args, i, name, inline_value));
  }
  LC_ASSIGN_OR_RETURN(json value, FlagJson(*spec, text));
  SetFlag(invocation, {spec, std::move(value)});
  return absl::OkStatus();
}

// Checks what only the whole command line shows.
absl::Status CheckComplete(const Invocation& invocation) {
  const CommandSpec& command = *invocation.command;
  if (command.PositionalRequired() && invocation.positional.empty()) {
    return UsageError(absl::StrFormat("missing %s for \"%s\"",
                                      command.positional, command.words));
  }
  for (const FlagSpec& flag : command.flags) {
    if (flag.required && invocation.FindFlag(flag.name) == nullptr) {
      return UsageError(absl::StrFormat("missing flag %s for \"%s\"",
                                        FlagDisplay(flag.name), command.words));
    }
  }
  if (command.mode == CommandMode::kUpdate && invocation.flags.empty()) {
    return UsageError(absl::StrFormat(
        "nothing to change: \"%s\" needs at least one flag", command.words));
  }
  return absl::OkStatus();
}

// Parses what follows the subcommand's words, from args[i].
absl::Status ParseCommandArgs(const std::vector<std::string>& args, size_t i,
                              Invocation& invocation) {
  const CommandSpec& command = *invocation.command;
  bool only_positional = false;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!only_positional && arg == "--") {
      only_positional = true;
      continue;
    }
    if (!only_positional && IsHelpFlag(arg)) {
      invocation.help = true;
      invocation.help_topic = command.words;
      return absl::OkStatus();
    }
    if (!only_positional && IsFlag(arg)) {
      LC_RETURN_IF_ERROR(ParseCommandFlag(args, i, invocation));
      continue;
    }
    if (command.positional.empty() || !invocation.positional.empty()) {
      return UsageError(absl::StrFormat("unexpected argument \"%s\" for \"%s\"",
                                        arg, command.words));
    }
    invocation.positional = arg;
  }
  return CheckComplete(invocation);
}

// Checks a `help` topic: empty, a group or a subcommand.
absl::Status CheckHelpTopic(absl::string_view topic) {
  if (topic.empty() || IsCommandGroup(topic) || FindCommand(topic)) {
    return absl::OkStatus();
  }
  return UsageError(absl::StrFormat("unknown command \"%s\"", topic));
}

// Finds the subcommand whose words start at args[i] and moves i past them.
absl::StatusOr<const CommandSpec*> FindCommandAt(
    const std::vector<std::string>& args, size_t& i) {
  if (i + 1 < args.size()) {
    const CommandSpec* command =
        FindCommand(absl::StrCat(args[i], " ", args[i + 1]));
    if (command != nullptr) {
      i += 2;
      return command;
    }
  }
  if (const CommandSpec* command = FindCommand(args[i])) {
    i += 1;
    return command;
  }
  if (!IsCommandGroup(args[i])) {
    return UsageError(absl::StrFormat("unknown command \"%s\"", args[i]));
  }
  if (i + 1 < args.size() && !IsFlag(args[i + 1])) {
    return UsageError(
        absl::StrFormat("unknown command \"%s %s\"", args[i], args[i + 1]));
  }
  return nullptr;  // A group alone: its usage.
}

// Adds a line of two columns to usage text; a long left column puts the
// right one on a line of its own.
void AppendRow(absl::string_view left, absl::string_view right,
               std::string& text) {
  constexpr int kWidth = 32;
  if (left.size() > kWidth) {
    absl::StrAppendFormat(&text, "  %s\n  %*s %s\n", left, kWidth, "", right);
  } else {
    absl::StrAppendFormat(&text, "  %-*s %s\n", kWidth, left, right);
  }
}

// Adds one command's line to an overview.
void AppendSummary(const CommandSpec& command, std::string& text) {
  std::string synopsis = command.words;
  if (!command.positional.empty()) {
    absl::StrAppend(&synopsis, " ", command.positional);
  }
  AppendRow(synopsis, command.help, text);
}

std::string FlagUsage(const FlagSpec& flag) {
  switch (flag.kind) {
    case FlagKind::kString:
      return flag.name.size() == 1 ? absl::StrCat("-", flag.name, " VALUE")
                                   : absl::StrCat("--", flag.name, "=VALUE");
    case FlagKind::kList:
      return absl::StrCat("--", flag.name, "=A,B,...");
    case FlagKind::kBool:
      return absl::StrCat("--", flag.name, "[=true|false]");
    case FlagKind::kInt:
      return absl::StrCat("--", flag.name, "=N");
  }
  return "";
}

std::string CommandUsage(const CommandSpec& command) {
  std::string text =
      absl::StrCat("Usage: leadctl [GLOBAL FLAGS] ", command.words);
  if (!command.positional.empty()) {
    absl::StrAppend(&text, " ", command.positional);
  }
  if (!command.flags.empty()) absl::StrAppend(&text, " [FLAGS]");
  absl::StrAppend(&text, "\n\n", command.help, "\n");
  if (!command.method.empty()) {
    absl::StrAppend(&text, "Calls ", command.FullMethod(), ".\n");
  }
  if (command.mode == CommandMode::kPaged) {
    absl::StrAppend(&text,
                    "Without paging flags, every page is fetched and the "
                    "items are printed together.\n");
  }
  if (command.mode == CommandMode::kUpdate) {
    absl::StrAppend(&text, "Only the settings given as flags change.\n");
  }
  if (!command.flags.empty()) absl::StrAppend(&text, "\nFlags:\n");
  for (const FlagSpec& flag : command.flags) {
    AppendRow(FlagUsage(flag),
              absl::StrCat(flag.help, flag.required ? " (required)" : ""),
              text);
  }
  return text;
}

constexpr absl::string_view kGlobalUsage =
    "Usage: leadctl [GLOBAL FLAGS] COMMAND [ARGUMENTS] [FLAGS]\n"
    "\n"
    "The administrators' client of leadcapture's AdminService. Replies are\n"
    "printed as JSON with every field shown; a failed call exits 1 with\n"
    "\"leadctl: CODE: message\" on stderr, a usage error exits 2.\n"
    "\n"
    "Global flags:\n"
    "  --address=HOST:PORT   leadcaptured's gRPC address (default\n"
    "                        127.0.0.1:50051, env LEADCAPTURE_ADDRESS)\n"
    "  --token_file=FILE     the admin token file (default var/admin-token,\n"
    "                        env LEADCAPTURE_TOKEN_FILE)\n"
    "  --deadline=SECONDS    how long a call may take (default 10)\n"
    "  --help                this text\n";

}  // namespace

const FlagValue* Invocation::FindFlag(absl::string_view name) const {
  for (const FlagValue& flag : flags) {
    if (flag.spec->name == name) return &flag;
  }
  return nullptr;
}

bool Invocation::HasPagingFlags() const {
  return FindFlag("page-size") != nullptr || FindFlag("page-token") != nullptr;
}

absl::StatusOr<Invocation> ParseCommandLine(
    const std::vector<std::string>& args, const GlobalOptions& defaults) {
  Invocation invocation;
  invocation.options = defaults;

  // Global flags come first.
  size_t i = 0;
  for (; i < args.size() && IsFlag(args[i]); ++i) {
    if (IsHelpFlag(args[i])) {
      invocation.help = true;
      return invocation;
    }
    auto [name, inline_value] = SplitFlag(args[i]);
    if (!IsGlobalFlag(name)) {
      return UsageError(absl::StrCat("unknown flag ", FlagDisplay(name)));
    }
    LC_ASSIGN_OR_RETURN(std::string text,
                        FlagValueText(args, i, name, inline_value));
    LC_RETURN_IF_ERROR(ApplyGlobalFlag(name, text, invocation.options));
  }
  if (i == args.size()) return UsageError("missing command");

  if (args[i] == "help") {
    std::vector<std::string> topic(args.begin() + i + 1, args.end());
    invocation.help = true;
    invocation.help_topic = absl::StrJoin(topic, " ");
    LC_RETURN_IF_ERROR(CheckHelpTopic(invocation.help_topic));
    return invocation;
  }

  // A group without a subcommand shows the group's usage, as help when
  // asked for and as a usage error otherwise.
  const std::string first_word = args[i];
  LC_ASSIGN_OR_RETURN(invocation.command, FindCommandAt(args, i));
  if (invocation.command == nullptr) {
    if (i + 1 < args.size() && IsHelpFlag(args[i + 1])) {
      invocation.help = true;
      invocation.help_topic = first_word;
      return invocation;
    }
    return UsageError(
        absl::StrFormat("\"%s\" needs a subcommand; see leadctl help %s",
                        first_word, first_word));
  }
  LC_RETURN_IF_ERROR(ParseCommandArgs(args, i, invocation));
  // An address given as a flag was checked when read; this checks one
  // that came from the defaults (the environment's twin).
  if (!invocation.help && !IsHostPort(invocation.options.address)) {
    return AddressError("LEADCAPTURE_ADDRESS (the twin of --address)",
                        invocation.options.address);
  }
  return invocation;
}

json BuildRequestJson(const Invocation& invocation) {
  const CommandSpec& command = *invocation.command;
  json request = json::object();
  auto set = [&request](absl::string_view path, json value) {
    json* node = &request;
    for (absl::string_view name : absl::StrSplit(path, '.')) {
      node = &(*node)[std::string(name)];
    }
    *node = std::move(value);
  };

  if (!command.positional_path.empty() && !invocation.positional.empty()) {
    set(command.positional_path, invocation.positional);
  }
  std::vector<std::string> mask;
  for (const FlagValue& flag : invocation.flags) {
    set(flag.spec->json_path, flag.value);
    // The mask names fields of the message under the first path element;
    // the JSON form of a FieldMask takes lowerCamelCase paths.
    const absl::string_view path = flag.spec->json_path;
    const size_t dot = path.find('.');
    mask.push_back(std::string(
        dot == absl::string_view::npos ? path : path.substr(dot + 1)));
  }
  if (command.mode == CommandMode::kUpdate) {
    request["updateMask"] = absl::StrJoin(mask, ",");
  }
  return request;
}

std::string UsageText(absl::string_view topic) {
  if (const CommandSpec* command = FindCommand(topic)) {
    return CommandUsage(*command);
  }

  // An overview of everything, or of one group's subcommands.
  std::string text;
  if (topic.empty()) {
    absl::StrAppend(&text, kGlobalUsage, "\nCommands:\n");
  } else {
    absl::StrAppend(&text, "Usage: leadctl [GLOBAL FLAGS] ", topic,
                    " SUBCOMMAND [ARGUMENTS] [FLAGS]\n\nSubcommands:\n");
  }
  const std::string prefix = absl::StrCat(topic, " ");
  for (const CommandSpec& command : Commands()) {
    if (topic.empty() || absl::StartsWith(command.words, prefix)) {
      AppendSummary(command, text);
    }
  }
  absl::StrAppend(&text,
                  "\nRun \"leadctl COMMAND --help\" for a command's flags.\n");
  return text;
}

}  // namespace leadcapture::leadctl
