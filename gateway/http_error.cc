#include "gateway/http_error.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/util/field_error.h"

namespace leadcapture::gateway {
namespace {

// Trailer values come from the backend; keep them short and printable.
constexpr std::size_t kMaxTrailerBytes = 128;
// Retry-After is capped so that a bad trailer cannot ask for days.
constexpr int kMaxRetryAfterSeconds = 3600;

std::string Trailer(const GrpcTrailers& trailers, absl::string_view key) {
  auto it = trailers.find(grpc::string_ref(key.data(), key.size()));
  if (it == trailers.end()) return "";
  std::string value(it->second.data(),
                    std::min(it->second.size(), kMaxTrailerBytes));
  for (char c : value) {
    if (c < 0x21 || c > 0x7e) return "";
  }
  return value;
}

int RetryAfterSeconds(const GrpcTrailers& trailers) {
  int seconds = 0;
  if (!absl::SimpleAtoi(Trailer(trailers, kRetryAfterTrailer), &seconds) ||
      seconds < 1) {
    return 1;
  }
  return std::min(seconds, kMaxRetryAfterSeconds);
}

HttpError Make(int status, absl::string_view code, std::string message) {
  HttpError error;
  error.status = status;
  error.code = std::string(code);
  error.message = std::move(message);
  return error;
}

std::string MessageOr(const grpc::Status& status, absl::string_view fallback) {
  return status.error_message().empty() ? std::string(fallback)
                                        : status.error_message();
}

}  // namespace

HttpError HttpErrorFromGrpc(const grpc::Status& status,
                            const GrpcTrailers& trailers) {
  HttpError error;
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      error = Make(400, "invalid_argument",
                   MessageOr(status, "the request is not valid"));
      break;
    case grpc::StatusCode::NOT_FOUND:
      error = Make(404, "not_found", MessageOr(status, "not found"));
      break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      error = Make(429, "rate_limited",
                   MessageOr(status, "too many requests, try again later"));
      error.retry_after_seconds = RetryAfterSeconds(trailers);
      break;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return UnavailableError(
          "the lead capture service is unavailable, try again later");
    default:
      return InternalError();
  }
  error.field = Trailer(trailers, kFieldTrailer);
  error.rule = Trailer(trailers, kRuleTrailer);
  return error;
}

HttpError PayloadTooLargeError(std::size_t max_body_bytes) {
  return Make(413, "payload_too_large",
              absl::StrCat("the request body is larger than ", max_body_bytes,
                           " bytes"));
}

HttpError UnsupportedMediaTypeError() {
  return Make(415, "unsupported_media_type",
              "Content-Type must be application/json");
}

HttpError OriginNotAllowedError() {
  return Make(403, "origin_not_allowed",
              "this origin may not post to this entry point");
}

HttpError RouteNotFoundError() {
  return Make(404, "not_found", "no such resource");
}

HttpError UnknownApiKeyError() {
  return Make(404, "not_found", "unknown or inactive API key");
}

HttpError MethodNotAllowedError() {
  return Make(405, "method_not_allowed",
              "this resource accepts POST and OPTIONS only");
}

HttpError BadRequestError(int http_status) {
  return Make(http_status, "invalid_argument",
              "the HTTP request could not be read");
}

HttpError UnavailableError(absl::string_view message) {
  return Make(503, "unavailable", std::string(message));
}

HttpError InternalError() { return Make(500, "internal", "internal error"); }

HttpError InvalidJsonError(const absl::Status& status) {
  HttpError error =
      Make(400, "invalid_argument", std::string(status.message()));
  error.field = ErrorField(status);
  error.rule = ErrorRule(status);
  if (error.rule.empty()) error.rule = std::string(kRuleJson);
  return error;
}

std::string ErrorBody(const HttpError& error) {
  nlohmann::json detail = {{"code", error.code}, {"message", error.message}};
  if (!error.field.empty()) detail["field"] = error.field;
  if (!error.rule.empty()) detail["rule"] = error.rule;
  nlohmann::json body = {{"error", std::move(detail)}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace leadcapture::gateway
