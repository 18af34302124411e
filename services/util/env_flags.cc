#include "services/util/env_flags.h"

#include <cstdlib>
#include <string>

#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace leadcapture {

absl::Status ApplyFlagEnvironment(
    std::initializer_list<absl::string_view> flag_names) {
  for (absl::string_view name : flag_names) {
    std::string variable = absl::StrCat("LEADCAPTURE_", name);
    absl::AsciiStrToUpper(&variable);
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) {
      return absl::InternalError(absl::StrCat("no flag --", name));
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(absl::StrCat(variable, ": ", error));
    }
  }
  return absl::OkStatus();
}

}  // namespace leadcapture
