// The names of the hindsight relabeling strategies (the E-step's choice of
// goal, proto/replay_service.proto), in one place for every flag and label
// that spells them: "future" (the paper's q_h), "final", "episode",
// "random", "none", and "default" for RELABEL_STRATEGY_UNSPECIFIED (use the
// shard's configured default).
#ifndef HEM_COMMON_RELABEL_STRATEGY_H_
#define HEM_COMMON_RELABEL_STRATEGY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/replay_service.pb.h"

namespace hem {

// Case-insensitive; "" means "default". INVALID_ARGUMENT listing the known names otherwise.
absl::StatusOr<hem::v1::RelabelStrategy> ParseRelabelStrategy(absl::string_view name);

// "future", ..., "default" for UNSPECIFIED; "unknown(<n>)" for other values.
std::string RelabelStrategyName(hem::v1::RelabelStrategy strategy);

// "none, future, final, episode, random, default": for help texts.
std::string RelabelStrategyNames();

}  // namespace hem

#endif  // HEM_COMMON_RELABEL_STRATEGY_H_
