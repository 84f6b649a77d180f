// point_mass (paper C.1): a ball in a 2-D room with walls at +-1 and two
// round pillars. The action in [-1,1]^2 is a target velocity (x 2 m/s)
// tracked by velocity actuators; each action lasts 5 steps of 0.01 s, so the
// ball covers up to 0.1 per action and crosses the room in ~25 actions.
// State (x, y, vx, vy); goal and achieved goal (x, y). Start and goal are
// uniform over the free floor (clear of the pillars), the goal redrawn while
// it already succeeds. Images: a camera looking straight down, the goal as a
// red marker (geom group 2).
#ifndef HEM_ACTOR_ENVS_POINT_MASS_ENV_H_
#define HEM_ACTOR_ENVS_POINT_MASS_ENV_H_

#include <memory>

#include "absl/status/statusor.h"
#include "actor/envs/env.h"
#include "proto/env_spec.pb.h"

namespace hem {

// Pillars (x, y, radius) in the room, for scripted controllers and tests.
struct PointMassPillar {
  double x, y, radius;
};
inline constexpr PointMassPillar kPointMassPillars[2] = {{0.45, 0.35, 0.15},
                                                         {-0.4, -0.45, 0.15}};
inline constexpr double kPointMassBallRadius = 0.05;

// REQUIRES: spec == MakeEnvSpec("point_mass...").
absl::StatusOr<std::unique_ptr<Env>> NewPointMassEnv(const hem::v1::EnvSpec& spec);

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_POINT_MASS_ENV_H_
