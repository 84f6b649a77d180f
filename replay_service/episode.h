// How a shard stores one trajectory: contiguous, immutable buffers laid out
// exactly as the wire tensors, so sampling a transition is a few memcpy calls
// of whole rows and inserting one moves the request's bytes without copying.
//
// Episodes are shared (std::shared_ptr<const Episode>) between the table, the
// samplers holding a read lock, and a checkpoint writer that works from a
// snapshot; nothing mutates an episode after it is built.
#ifndef HEM_REPLAY_SERVICE_EPISODE_H_
#define HEM_REPLAY_SERVICE_EPISODE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "proto/env_spec.pb.h"
#include "proto/trajectory.pb.h"

namespace hem {

// Row sizes derived once from a validated EnvSpec.
struct SpecLayout {
  hem::v1::DType observation_dtype = hem::v1::DTYPE_FLOAT32;
  int64_t observation_elements = 0;  // Per observation.
  int64_t observation_bytes = 0;     // Per observation.
  int goal_dim = 0;                  // float32 elements per goal.
  int action_dim = 0;                // Elements per action (1 if discrete).
  bool discrete = false;             // int32 actions instead of float32.
  int64_t goal_observation_bytes = 0;  // 0 unless the task has image goals.

  static SpecLayout FromSpec(const hem::v1::EnvSpec& spec);
  int64_t goal_bytes() const { return int64_t{goal_dim} * 4; }
  int64_t action_bytes() const { return int64_t{action_dim} * 4; }
};

struct Episode {
  uint64_t actor_id = 0;
  uint64_t episode_id = 0;
  int64_t policy_version = 0;
  uint64_t seed = 0;
  int32_t num_steps = 0;  // T.

  // Raw little-endian rows, as in hem.v1.Trajectory:
  std::string observations;      // (T+1) rows of observation_bytes.
  std::string achieved_goals;    // (T+1) rows of goal_dim float32.
  std::string desired_goal;      // goal_dim float32.
  std::string actions;           // T rows of action_dim float32 / int32.
  std::string successes;         // T bytes, 0 or 1.
  std::string goal_observation;  // goal_observation_bytes, or empty.

  const float* achieved_goal(int t, int goal_dim) const {
    return reinterpret_cast<const float*>(achieved_goals.data()) +
           int64_t{t} * goal_dim;
  }

  // Heap bytes this episode holds (buffers' capacities plus the object).
  int64_t MemoryBytes() const;
};

// Builds an episode by moving the tensor bytes out of `trajectory`.
// REQUIRES: ValidateTrajectory(spec, *trajectory) is OK.
std::shared_ptr<const Episode> EpisodeFromTrajectory(
    hem::v1::Trajectory* trajectory, const hem::v1::EnvSpec& spec);

// The inverse, copying (for checkpoints): a trajectory that validates against
// `spec` and round-trips to an identical episode.
hem::v1::Trajectory TrajectoryFromEpisode(const Episode& episode,
                                          const hem::v1::EnvSpec& spec);

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_EPISODE_H_
