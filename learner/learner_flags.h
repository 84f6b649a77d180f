// The `learner` binary's command-line flags: the one place that knows flag
// names. Flags take their defaults from LearnerConfig (learner_config.h), map
// onto its fields through one field -> flag table, and errors about a field
// are reported naming its flag ("--lr: -1 must be a positive number").
#ifndef HEM_LEARNER_LEARNER_FLAGS_H_
#define HEM_LEARNER_LEARNER_FLAGS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "learner/learner_config.h"

namespace hem {

// Reads the (already parsed) absl flags into a validated LearnerConfig.
// Errors name the flag.
absl::StatusOr<LearnerConfig> LearnerConfigFromFlags();

// Rewrites a "<field>: <why>" error from the learner library into
// "--<flag>: <why>" when a flag sets that field; any other status (OK
// included) is returned unchanged.
absl::Status ToFlagError(const absl::Status& status);

}  // namespace hem

#endif  // HEM_LEARNER_LEARNER_FLAGS_H_
