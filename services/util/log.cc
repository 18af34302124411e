#include "services/util/log.h"

#include <unistd.h>

#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace leadcapture {

void LogLine(LogSeverity severity, absl::string_view message) {
  char letter = 'I';
  if (severity == LogSeverity::kWarning) letter = 'W';
  if (severity == LogSeverity::kError) letter = 'E';
  std::string line =
      absl::StrFormat("%c %s %s\n", letter,
                      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                       absl::UTCTimeZone()),
                      message);
  // One write per line keeps lines from different threads whole.
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace leadcapture
