// Hand-built trajectories for replay tests and benchmarks.
//
// Tagged trajectories make provenance checkable: achieved_goals[t] starts
// with (episode_id, t) and every float observation row t starts with t, so a
// test can tell from a sampled goal which episode and step it came from.
#ifndef HEM_REPLAY_SERVICE_REPLAY_TESTING_H_
#define HEM_REPLAY_SERVICE_REPLAY_TESTING_H_

#include <cstdint>

#include "proto/env_spec.pb.h"
#include "proto/trajectory.pb.h"

namespace hem {
namespace testing {

struct TrajectoryOptions {
  int num_steps = 10;     // T, <= spec.horizon.
  uint64_t seed = 1;      // Random content.
  // achieved_goals[t] = (episode_id, t, actor_id, ...) when goal_dim >= 2;
  // otherwise random goals in [-1, 1] (0/1 bits for exact-match specs).
  bool tagged = true;
};

// A trajectory that validates against `spec`; successes follow IsSuccess of
// achieved_goals[t+1] against the desired goal.
hem::v1::Trajectory MakeTrajectory(const hem::v1::EnvSpec& spec,
                                   uint64_t actor_id, uint64_t episode_id,
                                   const TrajectoryOptions& options = {});

}  // namespace testing
}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_REPLAY_TESTING_H_
