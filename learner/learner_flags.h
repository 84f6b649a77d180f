// The learner's command-line flags, mapped onto LearnerConfig in one place.
// Errors name the flag: "--hidden_sizes: 'a' is not an integer".
#ifndef HEM_LEARNER_LEARNER_FLAGS_H_
#define HEM_LEARNER_LEARNER_FLAGS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "learner/learner_loop.h"
#include "proto/replay_service.pb.h"

namespace hem {

// Reads the (already parsed) absl flags into a validated LearnerConfig.
absl::StatusOr<LearnerConfig> LearnerConfigFromFlags();

// "none" | "future" | "final" | "episode" | "random" | "default".
absl::StatusOr<hem::v1::RelabelStrategy> ParseRelabelStrategy(absl::string_view name);

}  // namespace hem

#endif  // HEM_LEARNER_LEARNER_FLAGS_H_
