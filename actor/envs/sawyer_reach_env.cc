// sawyer_reach: model and parameters (see reach_envs.h).
#include "actor/envs/mocap_arm_env.h"
#include "actor/envs/reach_envs.h"

namespace hem {
namespace {

// Table top at z = 0 (multiworld's frame, x forward instead of y); shoulder
// at z = 0.35; links 0.42 + 0.42, hand 0.12. Sawyer-red links with black
// joints; the goal is a green sphere. The camera looks at the workspace from
// the front left.
constexpr char kSawyerXml[] = R"(
<mujoco model="sawyer_reach">
  <compiler autolimits="true" angle="radian"/>
  <!-- mj_resetData clears the whole stack: MuJoCo's default (10 MB) would
       cost 100 us per reset. These models need far less (checked by
       mujoco_env_test). -->
  <size nstack="4000" njmax="50" nconmax="20"/>
  <option timestep="0.004" gravity="0 0 0">
    <flag contact="disable"/>
  </option>
  <visual>
    <global offwidth="84" offheight="84"/>
    <quality shadowsize="0" offsamples="0" numslices="12" numstacks="6" numquads="1"/>
    <headlight ambient="0.45 0.45 0.45" diffuse="0.55 0.55 0.55" specular="0.1 0.1 0.1"/>
  </visual>
  <asset>
    <texture name="table" type="2d" builtin="checker" rgb1="0.8 0.8 0.78"
             rgb2="0.72 0.72 0.7" width="64" height="64"/>
    <material name="table" texture="table" texrepeat="5 5"/>
    <texture name="sky" type="skybox" builtin="gradient" rgb1="0.75 0.8 0.88" rgb2="0.35 0.38 0.45"
             width="32" height="32"/>
  </asset>
  <default>
    <joint damping="3" armature="0.05"/>
    <!-- Fingers held open by a stiff spring (no gripper action, as in FetchReach). -->
    <default class="finger">
      <joint type="slide" range="0 0.04" damping="5" stiffness="500" springref="0.03"/>
    </default>
    <geom rgba="0.72 0.08 0.08 1"/>
  </default>
  <worldbody>
    <light pos="0.5 0 2" dir="0 0 -1" diffuse="0.4 0.4 0.4" castshadow="false"/>
    <camera name="workspace" pos="1.2 -0.6 0.95" xyaxes="0.678 0.735 0 -0.493 0.455 0.742"
            fovy="45"/>
    <geom name="table" type="plane" pos="0.45 0 0" size="0.6 0.6 0.1" material="table"
          rgba="1 1 1 1"/>
    <geom name="pedestal" type="cylinder" pos="0 0 0.14" size="0.08 0.14"
          rgba="0.12 0.12 0.13 1"/>
    <body name="turret" pos="0 0 0.3">
      <joint name="yaw" type="hinge" axis="0 0 1" range="-2 2"/>
      <geom type="cylinder" size="0.075 0.03" rgba="0.12 0.12 0.13 1"/>
      <body name="upper_arm" pos="0 0 0.05">
        <joint name="shoulder" type="hinge" axis="0 1 0" range="-2 2"/>
        <geom type="capsule" fromto="0 0 0 0.42 0 0" size="0.04"/>
        <geom type="cylinder" fromto="0 -0.055 0 0 0.055 0" size="0.05" rgba="0.12 0.12 0.13 1"/>
        <body name="forearm" pos="0.42 0 0">
          <joint name="elbow" type="hinge" axis="0 1 0" range="-2.8 2.8"/>
          <geom type="capsule" fromto="0 0 0 0.42 0 0" size="0.033"/>
          <geom type="cylinder" fromto="0 -0.05 0 0 0.05 0" size="0.043"
                rgba="0.12 0.12 0.13 1"/>
          <body name="wrist" pos="0.42 0 0">
            <joint name="wrist" type="hinge" axis="0 1 0" range="-3 3"/>
            <geom type="capsule" fromto="0 0 0 0 0 -0.05" size="0.028"/>
            <geom type="cylinder" fromto="0 -0.04 0 0 0.04 0" size="0.034"
                  rgba="0.12 0.12 0.13 1"/>
            <body name="hand" pos="0 0 -0.12">
              <joint name="roll" type="hinge" axis="0 0 1" range="-3 3"/>
              <geom name="palm" type="cylinder" pos="0 0 0.05" size="0.035 0.015"
                    rgba="0.15 0.15 0.16 1"/>
              <site name="grip" pos="0 0 0" size="0.01" rgba="0 0 0 0"/>
              <body name="finger_left" pos="0 0 0.015">
                <joint name="finger_left" class="finger" axis="0 1 0"/>
                <geom type="box" pos="0 0.004 0" size="0.01 0.005 0.022" rgba="0.6 0.6 0.62 1"/>
              </body>
              <body name="finger_right" pos="0 0 0.015">
                <joint name="finger_right" class="finger" axis="0 -1 0"/>
                <geom type="box" pos="0 -0.004 0" size="0.01 0.005 0.022"
                      rgba="0.6 0.6 0.62 1"/>
              </body>
            </body>
          </body>
        </body>
      </body>
    </body>
    <body name="effector_target" mocap="true" pos="0.6 0 0.2"/>
    <body name="goal_marker" mocap="true" pos="0.6 0 0.1">
      <geom name="goal_marker" type="sphere" size="0.025" group="2" rgba="0.1 0.85 0.2 1"/>
    </body>
  </worldbody>
  <equality>
    <weld body1="effector_target" body2="hand" relpose="0 0 0 1 0 0 0"/>
  </equality>
</mujoco>
)";

}  // namespace

absl::StatusOr<std::unique_ptr<Env>> NewSawyerReachEnv(const hem::v1::EnvSpec& spec) {
  MocapArmConfig config;
  config.model_file = "sawyer_reach.xml";
  config.xml = kSawyerXml;
  config.camera = "workspace";
  config.frame_skip = 10;
  const double low[3] = {0.55, -0.2, 0.05};  // multiworld's hand_low / hand_high.
  const double high[3] = {0.75, 0.2, 0.3};
  for (int i = 0; i < 3; ++i) {
    config.home[i] = kSawyerHome[i];
    config.goal_low[i] = low[i];
    config.goal_high[i] = high[i];
    config.workspace_low[i] = low[i];
    config.workspace_high[i] = high[i];
  }
  config.action_scale = kSawyerActionScale;
  const double guess[5] = {0, -0.72, 1.55, -0.82, 0};  // Inverse kinematics of home.
  for (int i = 0; i < 5; ++i) config.initial_joints[i] = guess[i];
  config.fetch_observation = false;
  return NewMocapArmEnv(spec, config);
}

}  // namespace hem
