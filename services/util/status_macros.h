// Small status helpers; this Abseil has no status macros of its own.
#ifndef LEADCAPTURE_SERVICES_UTIL_STATUS_MACROS_H_
#define LEADCAPTURE_SERVICES_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LC_STATUS_CONCAT_INNER_(a, b) a##b
#define LC_STATUS_CONCAT_(a, b) LC_STATUS_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the calling function unless it is OK.
#define LC_RETURN_IF_ERROR(expr)              \
  do {                                        \
    const ::absl::Status lc_status_ = (expr); \
    if (!lc_status_.ok()) return lc_status_;  \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status from the
// calling function on error, else moves its value into `lhs`, which may be a
// declaration (`auto x`) or an existing variable.
#define LC_ASSIGN_OR_RETURN(lhs, rexpr)                                     \
  LC_ASSIGN_OR_RETURN_IMPL_(LC_STATUS_CONCAT_(lc_statusor_, __LINE__), lhs, \
                            rexpr)

#define LC_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                              \
  if (!statusor.ok()) return statusor.status();         \
  lhs = std::move(statusor).value()

#endif  // LEADCAPTURE_SERVICES_UTIL_STATUS_MACROS_H_
