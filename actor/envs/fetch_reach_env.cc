// fetch_reach: model and parameters (see reach_envs.h).
#include "actor/envs/mocap_arm_env.h"
#include "actor/envs/reach_envs.h"

namespace hem {
namespace {

// Table top at z = 0.4; the arm stands on a pedestal beside it, shoulder at
// z = 0.6; links 0.45 + 0.45, hand 0.15 from wrist to grip point. Light
// grey links with dark joints and a blue palm, like Fetch; the goal is a red
// sphere. The camera looks at the workspace from the front right.
constexpr char kFetchXml[] = R"(
<mujoco model="fetch_reach">
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
    <texture name="floor" type="2d" builtin="checker" rgb1="0.55 0.57 0.6"
             rgb2="0.48 0.5 0.53" width="64" height="64"/>
    <material name="floor" texture="floor" texrepeat="6 6"/>
    <texture name="sky" type="skybox" builtin="gradient" rgb1="0.75 0.8 0.88" rgb2="0.35 0.38 0.45"
             width="32" height="32"/>
  </asset>
  <default>
    <joint damping="3" armature="0.05"/>
    <!-- Fingers held open by a stiff spring (no gripper action, as in FetchReach). -->
    <default class="finger">
      <joint type="slide" range="0 0.045" damping="5" stiffness="500" springref="0.03"/>
    </default>
    <geom rgba="0.88 0.88 0.86 1"/>
  </default>
  <worldbody>
    <light pos="0.5 0 2.5" dir="0 0 -1" diffuse="0.4 0.4 0.4" castshadow="false"/>
    <camera name="workspace" pos="1.25 0.5 1.3" xyaxes="-0.530 0.848 0 -0.505 -0.316 0.803"
            fovy="45"/>
    <geom name="floor" type="plane" size="2 2 0.1" material="floor" rgba="1 1 1 1"/>
    <geom name="table" type="box" pos="0.55 0 0.2" size="0.25 0.35 0.2" rgba="0.72 0.58 0.42 1"/>
    <geom name="pedestal" type="cylinder" pos="0 0 0.275" size="0.09 0.275"
          rgba="0.3 0.32 0.36 1"/>
    <body name="turret" pos="0 0 0.55">
      <joint name="yaw" type="hinge" axis="0 0 1" range="-2 2"/>
      <geom type="cylinder" size="0.08 0.03" rgba="0.25 0.27 0.3 1"/>
      <body name="upper_arm" pos="0 0 0.05">
        <joint name="shoulder" type="hinge" axis="0 1 0" range="-2 2"/>
        <geom type="capsule" fromto="0 0 0 0.45 0 0" size="0.045"/>
        <geom type="cylinder" fromto="0 -0.06 0 0 0.06 0" size="0.055" rgba="0.25 0.27 0.3 1"/>
        <body name="forearm" pos="0.45 0 0">
          <joint name="elbow" type="hinge" axis="0 1 0" range="-2.8 2.8"/>
          <geom type="capsule" fromto="0 0 0 0.45 0 0" size="0.038"/>
          <geom type="cylinder" fromto="0 -0.055 0 0 0.055 0" size="0.048"
                rgba="0.25 0.27 0.3 1"/>
          <body name="wrist" pos="0.45 0 0">
            <joint name="wrist" type="hinge" axis="0 1 0" range="-3 3"/>
            <geom type="capsule" fromto="0 0 0 0 0 -0.07" size="0.03"/>
            <geom type="cylinder" fromto="0 -0.045 0 0 0.045 0" size="0.038"
                  rgba="0.25 0.27 0.3 1"/>
            <body name="hand" pos="0 0 -0.15">
              <joint name="roll" type="hinge" axis="0 0 1" range="-3 3"/>
              <geom name="palm" type="box" pos="0 0 0.065" size="0.025 0.055 0.02"
                    rgba="0.2 0.45 0.85 1"/>
              <site name="grip" pos="0 0 0" size="0.01" rgba="0 0 0 0"/>
              <body name="finger_left" pos="0 0 0.02">
                <joint name="finger_left" class="finger" axis="0 1 0"/>
                <geom type="box" pos="0 0.005 0" size="0.012 0.006 0.03" rgba="0.2 0.2 0.22 1"/>
              </body>
              <body name="finger_right" pos="0 0 0.02">
                <joint name="finger_right" class="finger" axis="0 -1 0"/>
                <geom type="box" pos="0 -0.005 0" size="0.012 0.006 0.03" rgba="0.2 0.2 0.22 1"/>
              </body>
            </body>
          </body>
        </body>
      </body>
    </body>
    <body name="effector_target" mocap="true" pos="0.5 0 0.55"/>
    <body name="goal_marker" mocap="true" pos="0.5 0 0.7">
      <geom name="goal_marker" type="sphere" size="0.025" group="2" rgba="0.95 0.08 0.08 1"/>
    </body>
  </worldbody>
  <equality>
    <weld body1="effector_target" body2="hand" relpose="0 0 0 1 0 0 0"/>
  </equality>
</mujoco>
)";

}  // namespace

absl::StatusOr<std::unique_ptr<Env>> NewFetchReachEnv(const hem::v1::EnvSpec& spec) {
  MocapArmConfig config;
  config.model_file = "fetch_reach.xml";
  config.xml = kFetchXml;
  config.camera = "workspace";
  config.frame_skip = 10;
  for (int i = 0; i < 3; ++i) {
    config.home[i] = kFetchHome[i];
    config.goal_low[i] = kFetchHome[i] - 0.15;
    config.goal_high[i] = kFetchHome[i] + 0.15;
    config.workspace_low[i] = kFetchHome[i] - 0.3;
    config.workspace_high[i] = kFetchHome[i] + 0.3;
  }
  config.goal_low[2] = 0.43;       // 3 cm above the table top.
  config.workspace_low[2] = 0.42;  // The hand never enters the table.
  config.action_scale = kFetchActionScale;
  const double guess[5] = {0, -1.17, 1.94, -0.77, 0};  // Inverse kinematics of home.
  for (int i = 0; i < 5; ++i) config.initial_joints[i] = guess[i];
  config.fetch_observation = true;
  return NewMocapArmEnv(spec, config);
}

}  // namespace hem
