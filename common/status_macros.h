// Early-return helpers for absl::Status / absl::StatusOr, in the style of
// Abseil's internal macros (which Debian's Abseil does not export).
#ifndef HEM_COMMON_STATUS_MACROS_H_
#define HEM_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns from the enclosing function when `expr` is not OK.
#define HEM_RETURN_IF_ERROR(expr)                 \
  do {                                            \
    ::absl::Status hem_status_ = (expr);          \
    if (!hem_status_.ok()) return hem_status_;    \
  } while (0)

#define HEM_STATUS_CONCAT_INNER_(a, b) a##b
#define HEM_STATUS_CONCAT_(a, b) HEM_STATUS_CONCAT_INNER_(a, b)

// `lhs = *expr` when `expr` (a StatusOr) is OK; returns its status otherwise.
#define HEM_ASSIGN_OR_RETURN(lhs, expr)                                      \
  HEM_ASSIGN_OR_RETURN_IMPL_(HEM_STATUS_CONCAT_(hem_statusor_, __LINE__), \
                             lhs, expr)
#define HEM_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                              \
  if (!statusor.ok()) return statusor.status();        \
  lhs = std::move(statusor).value()

#endif  // HEM_COMMON_STATUS_MACROS_H_
