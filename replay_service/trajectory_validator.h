// Full validation of a trajectory against its environment's spec, done before
// a shard stores anything, so a stored episode can be sampled with unchecked
// memcpy and index arithmetic.
#ifndef HEM_REPLAY_SERVICE_TRAJECTORY_VALIDATOR_H_
#define HEM_REPLAY_SERVICE_TRAJECTORY_VALIDATOR_H_

#include "absl/status/status.h"
#include "proto/env_spec.pb.h"
#include "proto/trajectory.pb.h"

namespace hem {

// OK when `trajectory` is a well-formed episode of `spec`: same env_name and
// spec_id; num_steps in [1, horizon]; every tensor with the dtype and shape of
// trajectory.proto; finite floats; actions inside the box bounds or the
// discrete range; successes T bytes of 0/1; goal_observation present iff the
// spec has image goals. Otherwise INVALID_ARGUMENT "trajectory.<field>:
// <reason>". REQUIRES: ValidateEnvSpec(spec) is OK.
absl::Status ValidateTrajectory(const hem::v1::EnvSpec& spec,
                                const hem::v1::Trajectory& trajectory);

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_TRAJECTORY_VALIDATOR_H_
