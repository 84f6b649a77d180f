// The reaching arms (fetch_reach, sawyer_reach): position control of an end
// effector through a mocap body, Fetch-style.
//
// Each model has a 5-hinge arm (base yaw, shoulder pitch, elbow pitch, wrist
// pitch, wrist roll) whose "hand" body is welded to a mocap body with
// relpose identity, so the hand tracks the mocap pose exactly (5 hinges are
// enough for a position with the hand pointing straight down). An action
// moves the mocap target by action_scale * action (clipped to the workspace
// box) and the arm follows through the weld during frame_skip physics steps.
// This replaces the 7-DOF Fetch and Sawyer arms: the policy sees the same
// position-control task, the simulation stays cheap (no gravity, no
// contacts). The hand carries two finger slides that no action drives (as in
// FetchReach, whose gripper is blocked).
//
// Required model names: joints yaw, shoulder, elbow, wrist, roll,
// finger_left, finger_right; body hand (welded); mocap bodies
// effector_target and goal_marker (its geoms in group 2); site grip (the
// effector point = achieved goal).
#ifndef HEM_ACTOR_ENVS_MOCAP_ARM_ENV_H_
#define HEM_ACTOR_ENVS_MOCAP_ARM_ENV_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "actor/envs/env.h"
#include "proto/env_spec.pb.h"

namespace hem {

struct MocapArmConfig {
  std::string model_file;          // VFS name, also the model cache key.
  std::string xml;                 // MJCF text.
  std::string camera;              // Fixed camera for image observations.
  int frame_skip = 10;             // Physics steps per action.
  double home[3] = {0, 0, 0};      // Effector position at every reset.
  double goal_low[3] = {0, 0, 0};  // Goals are uniform in [goal_low, goal_high].
  double goal_high[3] = {0, 0, 0};
  double workspace_low[3] = {0, 0, 0};  // The mocap target stays in this box.
  double workspace_high[3] = {0, 0, 0};
  double action_scale = 0.05;      // Mocap displacement per unit action (m).
  // Joint guess (yaw, shoulder, elbow, wrist, roll) near `home`; the arm then
  // settles onto the mocap target once at construction.
  double initial_joints[5] = {0, 0, 0, 0, 0};
  double finger_opening = 0.03;    // Each finger slide's position.
  // true: 10-d Fetch observation (grip xyz, fingers, grip displacement per
  // action, finger velocities x action time); false: 3-d (grip xyz).
  bool fetch_observation = true;
};

// REQUIRES: spec from MakeEnvSpec with goal_dim 3 and 3 actions; an
// observation size matching config.fetch_observation (10 or 3) or an image.
// Errors: model load failure, missing names, an arm that does not settle.
absl::StatusOr<std::unique_ptr<Env>> NewMocapArmEnv(const hem::v1::EnvSpec& spec,
                                                    const MocapArmConfig& config);

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_MOCAP_ARM_ENV_H_
