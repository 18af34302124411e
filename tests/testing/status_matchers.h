// gMock matchers for absl::Status and absl::StatusOr<T>:
//
//   EXPECT_THAT(store->Begin(mode), IsOk());
//   EXPECT_THAT(tx->GetLead("x"), StatusIs(absl::StatusCode::kNotFound));
//   EXPECT_THAT(tx->GetLead("x"), StatusIs(absl::StatusCode::kNotFound,
//                                          HasSubstr("lead x")));
//   EXPECT_THAT(ParseCount("3"), IsOkAndHolds(3));
//   LC_ASSERT_OK_AND_ASSIGN(auto tx, store->Begin(mode));
#ifndef LEADCAPTURE_TESTS_TESTING_STATUS_MATCHERS_H_
#define LEADCAPTURE_TESTS_TESTING_STATUS_MATCHERS_H_

#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace leadcapture::testing {
namespace internal {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}

template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

}  // namespace internal

// Matches an OK Status or StatusOr.
MATCHER(IsOk, negation ? "is not OK" : "is OK") {
  const absl::Status& status = internal::GetStatus(arg);
  if (!status.ok()) *result_listener << "whose status is " << status;
  return status.ok();
}

// Matches a Status or StatusOr whose code is `code`.
MATCHER_P(StatusIs, code,
          std::string(negation ? "doesn't have" : "has") + " status code " +
              absl::StatusCodeToString(code)) {
  const absl::Status& status = internal::GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code;
}

// Matches a Status or StatusOr whose code is `code` and whose message
// matches `message_matcher`.
MATCHER_P2(StatusIs, code, message_matcher,
           std::string(negation ? "doesn't have" : "has") + " status code " +
               absl::StatusCodeToString(code) + " and a message that " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const absl::Status& status = internal::GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code &&
         ::testing::Matches(message_matcher)(std::string(status.message()));
}

// Matches an OK StatusOr whose value matches `value_matcher`.
MATCHER_P(
    IsOkAndHolds, value_matcher,
    std::string(negation ? "isn't" : "is") + " OK with a value that " +
        ::testing::DescribeMatcher<typename std::decay_t<arg_type>::value_type>(
            value_matcher)) {
  if (!arg.ok()) {
    *result_listener << "whose status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace leadcapture::testing

// Fails the test (fatally) unless `expr` is OK.
#define LC_ASSERT_OK(expr) ASSERT_THAT((expr), ::leadcapture::testing::IsOk())
#define LC_EXPECT_OK(expr) EXPECT_THAT((expr), ::leadcapture::testing::IsOk())

// Evaluates `rexpr` (an absl::StatusOr<T>); fails the test (fatally) unless
// it is OK, else moves its value into `lhs` (a declaration or a variable).
#define LC_ASSERT_OK_AND_ASSIGN(lhs, rexpr)                                 \
  LC_ASSERT_OK_AND_ASSIGN_IMPL_(LC_TESTING_CONCAT_(lc_statusor_, __LINE__), \
                                lhs, rexpr)

#define LC_TESTING_CONCAT_INNER_(a, b) a##b
#define LC_TESTING_CONCAT_(a, b) LC_TESTING_CONCAT_INNER_(a, b)
#define LC_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                  \
  ASSERT_TRUE(statusor.ok()) << statusor.status();          \
  lhs = std::move(statusor).value()

#endif  // LEADCAPTURE_TESTS_TESTING_STATUS_MATCHERS_H_
