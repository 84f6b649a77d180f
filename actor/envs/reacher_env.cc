#include "actor/envs/reacher_env.h"

#include <cmath>

#include "absl/strings/str_format.h"
#include "actor/envs/mujoco_env.h"
#include "actor/envs/mujoco_model.h"
#include "common/env_catalog.h"
#include "common/env_spec_util.h"
#include "common/status_macros.h"

namespace hem {
namespace {

// No contacts (the arm moves above the arena); the camera at z = 3 with a
// 9.6 degree field of view sees [-0.25, 0.25]^2.
constexpr char kXmlFormat[] = R"(
<mujoco model="reacher">
  <compiler autolimits="true" angle="radian"/>
  <!-- mj_resetData clears the whole stack: MuJoCo's default (10 MB) would
       cost 100 us per reset. These models need far less (checked by
       mujoco_env_test). -->
  <size nstack="4000" njmax="50" nconmax="20"/>
  <option timestep="0.01" gravity="0 0 0" integrator="RK4">
    <flag contact="disable"/>
  </option>
  <visual>
    <global offwidth="84" offheight="84"/>
    <quality shadowsize="0" offsamples="0" numslices="12" numstacks="6" numquads="1"/>
    <headlight ambient="0.5 0.5 0.5" diffuse="0.5 0.5 0.5" specular="0 0 0"/>
  </visual>
  <asset>
    <texture name="grid" type="2d" builtin="checker" rgb1="0.86 0.86 0.82"
             rgb2="0.78 0.78 0.74" width="64" height="64"/>
    <material name="arena" texture="grid" texrepeat="3 3"/>
  </asset>
  <default>
    <joint damping="0.3" armature="0.05"/>
    <geom contype="0" conaffinity="0"/>
  </default>
  <worldbody>
    <camera name="top" pos="0 0 3" fovy="9.6"/>
    <geom name="arena" type="plane" pos="0 0 -0.02" size="0.25 0.25 0.1" material="arena"
          rgba="1 1 1 1"/>
    <geom name="rim" type="cylinder" pos="0 0 -0.019" size="0.215 0.0005" rgba="0.7 0.7 0.66 1"/>
    <geom name="base" type="cylinder" size="0.016 0.01" rgba="0.2 0.2 0.25 1"/>
    <body name="upper" pos="0 0 0.01">
      <joint name="shoulder" type="hinge" axis="0 0 1"/>
      <geom name="upper" type="capsule" fromto="0 0 0 %f 0 0" size="0.011"
            rgba="0.15 0.45 0.85 1"/>
      <body name="lower" pos="%f 0 0">
        <joint name="elbow" type="hinge" axis="0 0 1" range="-3 3"/>
        <geom name="lower" type="capsule" fromto="0 0 0 %f 0 0" size="0.009"
              rgba="0.15 0.65 0.9 1"/>
        <site name="elbow" pos="0 0 0" size="0.005"/>
        <site name="fingertip" pos="%f 0 0" size="0.005"/>
        <geom name="fingertip" type="sphere" pos="%f 0 0" size="0.012" rgba="0.1 0.2 0.6 1"/>
      </body>
    </body>
    <body name="target" mocap="true" pos="0.1 0.1 -0.01">
      <geom name="target" type="cylinder" size="0.014 0.002" group="2" rgba="0.95 0.1 0.1 1"/>
    </body>
  </worldbody>
  <actuator>
    <motor name="shoulder" joint="shoulder" gear="2"/>
    <motor name="elbow" joint="elbow" gear="2"/>
  </actuator>
</mujoco>
)";

constexpr int kFrameSkip = 2;
constexpr double kPi = 3.14159265358979323846;
constexpr double kGoalMinRadius = 0.05;
constexpr double kGoalMaxRadius = 0.2;

class ReacherEnv : public MujocoEnv {
 public:
  ReacherEnv(const hem::v1::EnvSpec& spec, const mjModel* model, int elbow_site,
             int fingertip_site, bool velocities)
      : MujocoEnv(spec, model, kFrameSkip),
        elbow_site_(elbow_site),
        fingertip_site_(fingertip_site),
        velocities_(velocities) {}

  const char* camera_name() const override { return "top"; }

 protected:
  void ResetTask(EnvRng& rng, float* goal) override {
    data_->qpos[0] = rng.Uniform(-kPi, kPi);
    data_->qpos[1] = rng.Uniform(-2.5, 2.5);
    mj_kinematics(model_, data_);
    float start[2];
    WriteAchievedGoal(start);
    do {
      double x, y, r;
      do {
        x = rng.Uniform(-kGoalMaxRadius, kGoalMaxRadius);
        y = rng.Uniform(-kGoalMaxRadius, kGoalMaxRadius);
        r = std::hypot(x, y);
      } while (r < kGoalMinRadius || r > kGoalMaxRadius);
      goal[0] = static_cast<float>(x);
      goal[1] = static_cast<float>(y);
    } while (IsSuccess(spec().success(), absl::MakeConstSpan(start, 2),
                       absl::MakeConstSpan(goal, 2)));
    data_->mocap_pos[0] = goal[0];
    data_->mocap_pos[1] = goal[1];
  }

  void ApplyAction(const float* action) override {
    data_->ctrl[0] = action[0];
    data_->ctrl[1] = action[1];
  }

  void WriteState(float* state) const override {
    const double q0 = data_->qpos[0], q1 = data_->qpos[1];
    state[0] = static_cast<float>(std::cos(q0));
    state[1] = static_cast<float>(std::sin(q0));
    state[2] = static_cast<float>(std::cos(q1));
    state[3] = static_cast<float>(std::sin(q1));
    state[4] = static_cast<float>(q1);
    state[5] = velocities_ ? static_cast<float>(data_->qvel[0]) : 0.0f;
    state[6] = velocities_ ? static_cast<float>(data_->qvel[1]) : 0.0f;
    state[7] = static_cast<float>(data_->site_xpos[3 * elbow_site_ + 0]);
    state[8] = static_cast<float>(data_->site_xpos[3 * elbow_site_ + 1]);
    state[9] = static_cast<float>(data_->site_xpos[3 * fingertip_site_ + 0]);
    state[10] = static_cast<float>(data_->site_xpos[3 * fingertip_site_ + 1]);
  }

  void WriteAchievedGoal(float* achieved) const override {
    achieved[0] = static_cast<float>(data_->site_xpos[3 * fingertip_site_ + 0]);
    achieved[1] = static_cast<float>(data_->site_xpos[3 * fingertip_site_ + 1]);
  }

 private:
  const int elbow_site_;
  const int fingertip_site_;
  const bool velocities_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Env>> NewReacherEnv(const hem::v1::EnvSpec& spec) {
  const double l1 = kReacherUpperLength, l2 = kReacherLowerLength;
  const std::string xml = absl::StrFormat(kXmlFormat, l1, l1, l2, l2, l2);
  HEM_ASSIGN_OR_RETURN(const mjModel* model, LoadEmbeddedModel("reacher.xml", xml));
  HEM_ASSIGN_OR_RETURN(int elbow, ObjectId(model, mjOBJ_SITE, "elbow"));
  HEM_ASSIGN_OR_RETURN(int fingertip, ObjectId(model, mjOBJ_SITE, "fingertip"));
  HEM_ASSIGN_OR_RETURN(const EnvName name, ParseEnvName(spec.env_name()));
  HEM_ASSIGN_OR_RETURN(const bool velocities, ReacherStateHasVelocities(name));
  auto env = std::make_unique<ReacherEnv>(spec, model, elbow, fingertip, velocities);
  HEM_RETURN_IF_ERROR(env->InitRendering());
  return std::unique_ptr<Env>(std::move(env));
}

}  // namespace hem
