// Conversions between absl::Time and google.protobuf.Timestamp.
#ifndef LEADCAPTURE_SERVICES_TIME_UTIL_H_
#define LEADCAPTURE_SERVICES_TIME_UTIL_H_

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace leadcapture {

inline google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  const int64_t micros = absl::ToUnixMicros(time);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(static_cast<int32_t>(rest * 1000));
  return timestamp;
}

inline absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_TIME_UTIL_H_
