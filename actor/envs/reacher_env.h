// reacher (paper C.1, after gym's Reacher): a 2-link planar arm (links 0.1
// and 0.11 m, shoulder unlimited, elbow within +-3 rad) driven by two joint
// torques (action in [-1,1]^2, x 2 N m); each action lasts 2 RK4 steps of
// 0.01 s. Joint damping and armature dominate the tiny link inertias, so the
// joints respond like damped rotors and a PD controller settles in ~0.5 s.
// State (11): cos q0, sin q0, cos q1, sin q1, q1, q0', q1', elbow xy,
// fingertip xy (velocities=0: the two velocities read 0). Goal: the fingertip xy, uniform in the ring 0.05 <= r <= 0.2;
// the start angles are uniform (elbow in [-2.5, 2.5]). Images: a camera
// looking straight down, the goal as a red marker (geom group 2).
#ifndef HEM_ACTOR_ENVS_REACHER_ENV_H_
#define HEM_ACTOR_ENVS_REACHER_ENV_H_

#include <memory>

#include "absl/status/statusor.h"
#include "actor/envs/env.h"
#include "proto/env_spec.pb.h"

namespace hem {

inline constexpr double kReacherUpperLength = 0.1;
inline constexpr double kReacherLowerLength = 0.11;

// REQUIRES: spec == MakeEnvSpec("reacher...").
absl::StatusOr<std::unique_ptr<Env>> NewReacherEnv(const hem::v1::EnvSpec& spec);

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_REACHER_ENV_H_
