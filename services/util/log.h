// The one logging facade of leadcapture: lines to stderr, with a severity
// letter and a UTC time stamp. Thread-safe.
//
// INFO is for start-up and shutdown, WARNING for degraded service, ERROR for
// a failed dependency (logged once, where it becomes an answer). Never log
// secrets.
#ifndef LEADCAPTURE_SERVICES_UTIL_LOG_H_
#define LEADCAPTURE_SERVICES_UTIL_LOG_H_

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace leadcapture {

enum class LogSeverity { kInfo, kWarning, kError };

// Writes one line.
void LogLine(LogSeverity severity, absl::string_view message);

template <typename... Args>
void LogInfo(const absl::FormatSpec<Args...>& format, const Args&... args) {
  LogLine(LogSeverity::kInfo, absl::StrFormat(format, args...));
}

template <typename... Args>
void LogWarning(const absl::FormatSpec<Args...>& format, const Args&... args) {
  LogLine(LogSeverity::kWarning, absl::StrFormat(format, args...));
}

template <typename... Args>
void LogError(const absl::FormatSpec<Args...>& format, const Args&... args) {
  LogLine(LogSeverity::kError, absl::StrFormat(format, args...));
}

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_UTIL_LOG_H_
