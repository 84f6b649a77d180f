#include "actor/envs/point_mass_env.h"

#include <cmath>

#include "absl/strings/str_format.h"
#include "actor/envs/mujoco_env.h"
#include "actor/envs/mujoco_model.h"
#include "common/env_spec_util.h"
#include "common/status_macros.h"

namespace hem {
namespace {

// Frictionless (condim 1) contacts so the ball slides around the pillars; no
// gravity: the ball moves in the plane on slide joints. The camera sits high
// with a narrow field of view (MuJoCo 2.2.2 has no orthographic cameras) and
// sees [-1.1, 1.1]^2.
constexpr char kXmlFormat[] = R"(
<mujoco model="point_mass">
  <compiler autolimits="true" angle="radian"/>
  <!-- mj_resetData clears the whole stack: MuJoCo's default (10 MB) would
       cost 100 us per reset. These models need far less (checked by
       mujoco_env_test). -->
  <size nstack="4000" njmax="50" nconmax="20"/>
  <option timestep="0.01" gravity="0 0 0" integrator="Euler"/>
  <visual>
    <global offwidth="84" offheight="84"/>
    <quality shadowsize="0" offsamples="0" numslices="12" numstacks="6" numquads="1"/>
    <headlight ambient="0.5 0.5 0.5" diffuse="0.5 0.5 0.5" specular="0 0 0"/>
  </visual>
  <asset>
    <texture name="grid" type="2d" builtin="checker" rgb1="0.82 0.84 0.80"
             rgb2="0.74 0.76 0.72" width="64" height="64"/>
    <material name="floor" texture="grid" texrepeat="4 4"/>
  </asset>
  <default>
    <geom condim="1" friction="0 0 0" rgba="0.25 0.27 0.33 1"/>
  </default>
  <worldbody>
    <camera name="top" pos="0 0 12" fovy="10.5"/>
    <geom name="floor" type="plane" size="1.1 1.1 0.1" material="floor" rgba="1 1 1 1"
          contype="0" conaffinity="0"/>
    <geom name="wall_east" type="box" pos="1.05 0 0.05" size="0.05 1.1 0.05"/>
    <geom name="wall_west" type="box" pos="-1.05 0 0.05" size="0.05 1.1 0.05"/>
    <geom name="wall_north" type="box" pos="0 1.05 0.05" size="1.1 0.05 0.05"/>
    <geom name="wall_south" type="box" pos="0 -1.05 0.05" size="1.1 0.05 0.05"/>
    <geom name="pillar_a" type="cylinder" pos="%f %f 0.05" size="%f 0.05"/>
    <geom name="pillar_b" type="cylinder" pos="%f %f 0.05" size="%f 0.05"/>
    <body name="ball" pos="0 0 0.05">
      <joint name="x" type="slide" axis="1 0 0"/>
      <joint name="y" type="slide" axis="0 1 0"/>
      <geom name="ball" type="sphere" size="%f" mass="1" rgba="0.15 0.35 0.95 1"/>
      <!-- Drawn only, so the physics keeps its 0.05 ball: an 8 px disc at
           48 px (14 at 84). The policy's CNN could not read where a 4 or 7 px
           ball was (tests/encoder_probe: no better than the mean position
           after 5,000 supervised steps); this disc it reads to within the
           success radius in 999 of 1,000 frames after 1,000 steps. -->
      <geom name="ball_marker" type="cylinder" size="0.18 0.004" pos="0 0 -0.035" mass="0"
            contype="0" conaffinity="0" rgba="0.15 0.35 0.95 1"/>
    </body>
    <body name="target" mocap="true" pos="0 0 0.02">
      <geom name="target" type="cylinder" size="0.056 0.01" group="2" rgba="0.95 0.1 0.1 1"
            contype="0" conaffinity="0"/>
    </body>
  </worldbody>
  <actuator>
    <velocity name="vx" joint="x" kv="50"/>
    <velocity name="vy" joint="y" kv="50"/>
  </actuator>
</mujoco>
)";

constexpr int kFrameSkip = 5;
constexpr double kMaxSpeed = 2.0;      // m/s at |action| = 1.
constexpr double kSpawnLimit = 0.9;    // Starts and goals in [-0.9, 0.9]^2.
constexpr double kPillarMargin = 0.03;  // Extra clearance around pillars.

bool ClearOfPillars(double x, double y) {
  for (const PointMassPillar& p : kPointMassPillars) {
    const double clearance = p.radius + kPointMassBallRadius + kPillarMargin;
    if (std::hypot(x - p.x, y - p.y) < clearance) return false;
  }
  return true;
}

void SampleFreePoint(EnvRng& rng, double* x, double* y) {
  do {
    *x = rng.Uniform(-kSpawnLimit, kSpawnLimit);
    *y = rng.Uniform(-kSpawnLimit, kSpawnLimit);
  } while (!ClearOfPillars(*x, *y));
}

class PointMassEnv : public MujocoEnv {
 public:
  PointMassEnv(const hem::v1::EnvSpec& spec, const mjModel* model)
      : MujocoEnv(spec, model, kFrameSkip) {}

  const char* camera_name() const override { return "top"; }

 protected:
  void ResetTask(EnvRng& rng, float* goal) override {
    double x, y, gx, gy;
    SampleFreePoint(rng, &x, &y);
    data_->qpos[0] = x;
    data_->qpos[1] = y;
    const float start[2] = {static_cast<float>(x), static_cast<float>(y)};
    do {
      SampleFreePoint(rng, &gx, &gy);
      goal[0] = static_cast<float>(gx);
      goal[1] = static_cast<float>(gy);
    } while (IsSuccess(spec().success(), absl::MakeConstSpan(start, 2),
                       absl::MakeConstSpan(goal, 2)));
    data_->mocap_pos[0] = goal[0];
    data_->mocap_pos[1] = goal[1];
  }

  void ApplyAction(const float* action) override {
    data_->ctrl[0] = kMaxSpeed * action[0];
    data_->ctrl[1] = kMaxSpeed * action[1];
  }

  void WriteState(float* state) const override {
    state[0] = static_cast<float>(data_->qpos[0]);
    state[1] = static_cast<float>(data_->qpos[1]);
    state[2] = static_cast<float>(data_->qvel[0]);
    state[3] = static_cast<float>(data_->qvel[1]);
  }

  void WriteAchievedGoal(float* achieved) const override {
    achieved[0] = static_cast<float>(data_->qpos[0]);
    achieved[1] = static_cast<float>(data_->qpos[1]);
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<Env>> NewPointMassEnv(const hem::v1::EnvSpec& spec) {
  const PointMassPillar& a = kPointMassPillars[0];
  const PointMassPillar& b = kPointMassPillars[1];
  const std::string xml = absl::StrFormat(kXmlFormat, a.x, a.y, a.radius, b.x, b.y, b.radius,
                                          kPointMassBallRadius);
  HEM_ASSIGN_OR_RETURN(const mjModel* model, LoadEmbeddedModel("point_mass.xml", xml));
  auto env = std::make_unique<PointMassEnv>(spec, model);
  HEM_RETURN_IF_ERROR(env->InitRendering());
  return std::unique_ptr<Env>(std::move(env));
}

}  // namespace hem
