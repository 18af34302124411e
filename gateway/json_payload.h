// Turns a capture request body into the payload Struct sent to
// leadcaptured.
#ifndef LEADCAPTURE_GATEWAY_JSON_PAYLOAD_H_
#define LEADCAPTURE_GATEWAY_JSON_PAYLOAD_H_

#include <google/protobuf/struct.pb.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace leadcapture::gateway {

// The deepest accepted nesting of objects and arrays; the body's own object
// is level 1.
inline constexpr int kMaxJsonDepth = 32;

// Parses `body` (RFC 8259 JSON, UTF-8) into a Struct: numbers become
// doubles (integers beyond 2^53, which a double cannot hold exactly, become
// their decimal text), null a NullValue, nested objects and arrays are
// kept. Strings are kept byte for byte. Parsing is iterative and stops at
// the first object or array deeper than kMaxJsonDepth, so no body can
// exhaust the stack.
// Errors are FieldError statuses with rule "json" (INVALID_ARGUMENT): for
// malformed JSON or invalid UTF-8, for a body that is not an object, and for
// nesting that is too deep. Messages do not quote the body.
absl::StatusOr<google::protobuf::Struct> ParseJsonPayload(
    absl::string_view body);

}  // namespace leadcapture::gateway

#endif  // LEADCAPTURE_GATEWAY_JSON_PAYLOAD_H_
