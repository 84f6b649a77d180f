// fetch_reach and sawyer_reach (paper C.1): mocap position control of an arm's
// end effector (see mocap_arm_env.h for the shared arm and why it has 5
// hinges instead of 7).
//
// fetch_reach (after gym's FetchReach): effector starts at kFetchHome, 0.15 m
// above a table; goals uniform in kFetchHome +- 0.15 (z kept 3 cm above the
// table); action moves the target 0.05 * action per step (0.04 s: 10 steps
// of 4 ms); obs 10 = grip xyz, 2 finger positions, grip displacement over
// the last action, 2 finger velocities x 0.04 s; success: distance < 0.05.
//
// sawyer_reach (after multiworld's SawyerReachXYZ): effector starts at
// kSawyerHome; goals uniform in multiworld's hand box (forward 0.55..0.75,
// lateral +-0.2, height 0.05..0.3 above the table); action moves the target
// 0.03 * action per step (multiworld uses 0.01, too slow to cross the box in
// 50 steps); obs 3 = grip xyz; success: distance < 0.06. With image_goal=1
// the goal image shows the arm at the goal, and the goal marker is hidden in
// every image (relabeled goals are images of earlier observations).
#ifndef HEM_ACTOR_ENVS_REACH_ENVS_H_
#define HEM_ACTOR_ENVS_REACH_ENVS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "actor/envs/env.h"
#include "proto/env_spec.pb.h"

namespace hem {

inline constexpr double kFetchHome[3] = {0.5, 0.0, 0.55};
inline constexpr double kFetchActionScale = 0.05;
inline constexpr double kSawyerHome[3] = {0.6, 0.0, 0.2};
inline constexpr double kSawyerActionScale = 0.03;

// REQUIRES: spec == MakeEnvSpec("fetch_reach...").
absl::StatusOr<std::unique_ptr<Env>> NewFetchReachEnv(const hem::v1::EnvSpec& spec);

// REQUIRES: spec == MakeEnvSpec("sawyer_reach...").
absl::StatusOr<std::unique_ptr<Env>> NewSawyerReachEnv(const hem::v1::EnvSpec& spec);

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_REACH_ENVS_H_
