// HTTP error answers of the gateway (SPEC section 4): the one mapping from
// gRPC status codes to HTTP, the errors the gateway makes itself, and the
// JSON body they all share.
#ifndef LEADCAPTURE_GATEWAY_HTTP_ERROR_H_
#define LEADCAPTURE_GATEWAY_HTTP_ERROR_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace leadcapture::gateway {

// Trailing metadata keys by which leadcaptured names the payload field and
// rule that failed, and the seconds to wait after RESOURCE_EXHAUSTED.
inline constexpr char kFieldTrailer[] = "leadcapture-field";
inline constexpr char kRuleTrailer[] = "leadcapture-rule";
inline constexpr char kRetryAfterTrailer[] = "retry-after";

// An HTTP error answer.
struct HttpError {
  int status = 500;
  // The body's error code: "invalid_argument", "not_found", ...
  std::string code;
  // For people; also sent in X-Status-Reason. Never holds a secret.
  std::string message;
  // The payload field and the rule that failed; empty when not known.
  std::string field;
  std::string rule;
  // Seconds for Retry-After; 0: no such header.
  int retry_after_seconds = 0;
};

using GrpcTrailers = std::multimap<grpc::string_ref, grpc::string_ref>;

// The one mapping from a failed backend call to an HTTP error:
// INVALID_ARGUMENT 400 invalid_argument (field and rule from `trailers`),
// NOT_FOUND 404 not_found, RESOURCE_EXHAUSTED 429 rate_limited (Retry-After
// from the `retry-after` trailer, else 1), UNAVAILABLE and
// DEADLINE_EXCEEDED 503 unavailable, everything else 500 internal. The
// backend's message is kept for the 4xx answers; 5xx answers get a fixed
// one, as theirs may hold internal details. The caller redacts secrets.
// REQUIRES: !status.ok().
HttpError HttpErrorFromGrpc(const grpc::Status& status,
                            const GrpcTrailers& trailers);

// Errors made by the gateway itself.
HttpError PayloadTooLargeError(std::size_t max_body_bytes);
HttpError UnsupportedMediaTypeError();
HttpError OriginNotAllowedError();
HttpError RouteNotFoundError();
HttpError UnknownApiKeyError();
HttpError MethodNotAllowedError();
// A request that httplib could not read (bad framing, header too long...).
HttpError BadRequestError(int http_status);
HttpError UnavailableError(absl::string_view message);
HttpError InternalError();
// A body that did not parse as a JSON object; `status` is the FieldError
// from ParseJsonPayload.
HttpError InvalidJsonError(const absl::Status& status);

// The JSON body: {"error": {"code": ..., "message": ..., "field": ...,
// "rule": ...}}, field and rule only when known. Invalid UTF-8 in the
// message becomes U+FFFD.
std::string ErrorBody(const HttpError& error);

}  // namespace leadcapture::gateway

#endif  // LEADCAPTURE_GATEWAY_HTTP_ERROR_H_
