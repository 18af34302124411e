#include "gateway/http_error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace leadcapture::gateway {
namespace {

// Owns the strings that the string_ref trailers point into.
class Trailers {
 public:
  Trailers& Add(std::string key, std::string value) {
    storage_.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  GrpcTrailers Get() const {
    GrpcTrailers trailers;
    for (const auto& [key, value] : storage_) {
      trailers.emplace(grpc::string_ref(key), grpc::string_ref(value));
    }
    return trailers;
  }

 private:
  std::list<std::pair<std::string, std::string>> storage_;
};

HttpError Map(grpc::StatusCode code, const std::string& message,
              const Trailers& trailers = Trailers()) {
  return HttpErrorFromGrpc(grpc::Status(code, message), trailers.Get());
}

TEST(HttpErrorFromGrpcTest, InvalidArgumentIs400WithFieldAndRule) {
  Trailers trailers;
  trailers.Add(kFieldTrailer, "emailAddress").Add(kRuleTrailer, "email");
  HttpError error = Map(grpc::StatusCode::INVALID_ARGUMENT,
                        "emailAddress is not an e-mail address", trailers);
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.code, "invalid_argument");
  EXPECT_EQ(error.message, "emailAddress is not an e-mail address");
  EXPECT_EQ(error.field, "emailAddress");
  EXPECT_EQ(error.rule, "email");
  EXPECT_EQ(error.retry_after_seconds, 0);
}

TEST(HttpErrorFromGrpcTest, NotFoundIs404) {
  HttpError error = Map(grpc::StatusCode::NOT_FOUND, "unknown key");
  EXPECT_EQ(error.status, 404);
  EXPECT_EQ(error.code, "not_found");
}

TEST(HttpErrorFromGrpcTest, ResourceExhaustedIs429WithRetryAfter) {
  Trailers trailers;
  trailers.Add(kRetryAfterTrailer, "7");
  HttpError error =
      Map(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow down", trailers);
  EXPECT_EQ(error.status, 429);
  EXPECT_EQ(error.code, "rate_limited");
  EXPECT_EQ(error.retry_after_seconds, 7);
}

TEST(HttpErrorFromGrpcTest, RetryAfterDefaultsToOneSecond) {
  EXPECT_EQ(Map(grpc::StatusCode::RESOURCE_EXHAUSTED, "").retry_after_seconds,
            1);
  Trailers garbage;
  garbage.Add(kRetryAfterTrailer, "soon");
  EXPECT_EQ(Map(grpc::StatusCode::RESOURCE_EXHAUSTED, "", garbage)
                .retry_after_seconds,
            1);
}

TEST(HttpErrorFromGrpcTest, UnavailableAndDeadlineAre503) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED}) {
    HttpError error = Map(code, "failed to connect to all addresses");
    EXPECT_EQ(error.status, 503);
    EXPECT_EQ(error.code, "unavailable");
    EXPECT_EQ(error.message.find("addresses"), std::string::npos);
  }
}

TEST(HttpErrorFromGrpcTest, EverythingElseIs500WithoutBackendMessage) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::INTERNAL, grpc::StatusCode::UNKNOWN,
        grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::UNIMPLEMENTED,
        grpc::StatusCode::FAILED_PRECONDITION}) {
    HttpError error = Map(code, "sqlite: disk I/O error at /var/db");
    EXPECT_EQ(error.status, 500);
    EXPECT_EQ(error.code, "internal");
    EXPECT_EQ(error.message, "internal error");
  }
}

TEST(HttpErrorFromGrpcTest, IgnoresUnprintableTrailers) {
  Trailers trailers;
  trailers.Add(kFieldTrailer, "first\nName");
  HttpError error = Map(grpc::StatusCode::INVALID_ARGUMENT, "bad", trailers);
  EXPECT_EQ(error.field, "");
}

TEST(ErrorBodyTest, HasCodeMessageFieldAndRule) {
  HttpError error;
  error.status = 400;
  error.code = "invalid_argument";
  error.message = "too long";
  error.field = "firstName";
  error.rule = "maxLength";
  nlohmann::json body = nlohmann::json::parse(ErrorBody(error));
  EXPECT_EQ(body, nlohmann::json::parse(R"({"error": {
      "code": "invalid_argument", "message": "too long",
      "field": "firstName", "rule": "maxLength"}})"));
}

TEST(ErrorBodyTest, LeavesOutUnknownFieldAndRule) {
  nlohmann::json body =
      nlohmann::json::parse(ErrorBody(UnsupportedMediaTypeError()));
  EXPECT_EQ(body["error"]["code"], "unsupported_media_type");
  EXPECT_FALSE(body["error"].contains("field"));
  EXPECT_FALSE(body["error"].contains("rule"));
}

TEST(ErrorBodyTest, SurvivesInvalidUtf8InMessage) {
  HttpError error = InternalError();
  error.message = "bad \xFF byte";
  nlohmann::json body = nlohmann::json::parse(ErrorBody(error));
  EXPECT_EQ(body["error"]["message"], "bad \xEF\xBF\xBD byte");
}

TEST(GatewayErrorsTest, HaveTheirStatusesAndCodes) {
  EXPECT_EQ(PayloadTooLargeError(10).status, 413);
  EXPECT_EQ(PayloadTooLargeError(10).code, "payload_too_large");
  EXPECT_EQ(UnsupportedMediaTypeError().status, 415);
  EXPECT_EQ(OriginNotAllowedError().status, 403);
  EXPECT_EQ(OriginNotAllowedError().code, "origin_not_allowed");
  EXPECT_EQ(RouteNotFoundError().status, 404);
  EXPECT_EQ(MethodNotAllowedError().status, 405);
}

}  // namespace
}  // namespace leadcapture::gateway
