// The actor binary's command-line flags: the only place that knows flag
// names. Flags take their defaults from ActorOptions(); errors the library
// reports by field ("num_envs: ...") are reported by flag ("--num_envs: ...").
#ifndef HEM_ACTOR_ACTOR_FLAGS_H_
#define HEM_ACTOR_ACTOR_FLAGS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "actor/actor_options.h"

namespace hem {

// Reads the (already parsed) absl flags into validated ActorOptions; errors
// name the flag.
absl::StatusOr<ActorOptions> ActorOptionsFromFlags();

// Rewrites the "field: ..." prefix of an error from ValidateActorOptions,
// ActorLoop or RunActor into "--flag: ..."; other errors pass unchanged.
absl::Status ActorFlagError(absl::Status status);

}  // namespace hem

#endif  // HEM_ACTOR_ACTOR_FLAGS_H_
