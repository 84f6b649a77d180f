// From config-field errors to flag errors. Libraries validate config structs
// and name the field ("num_envs: must be >= 1"); only a binary's flags layer
// knows flag names, and reports the same error as "--num_envs: must be >= 1".
// Each binary keeps one table of its fields and flags and passes it here.
#ifndef HEM_COMMON_FLAG_ERRORS_H_
#define HEM_COMMON_FLAG_ERRORS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace hem {

// (config field, flag name without dashes), e.g. {"learning_rate", "lr"}.
using FieldFlag = std::pair<absl::string_view, absl::string_view>;

// `status` with a leading "<field>: " rewritten to "--<flag>: " when the
// field is in `table`; anything else (OK, no known field) unchanged. The
// code is kept.
absl::Status FieldErrorToFlagError(const absl::Status& status,
                                   absl::Span<const FieldFlag> table);

}  // namespace hem

#endif  // HEM_COMMON_FLAG_ERRORS_H_
