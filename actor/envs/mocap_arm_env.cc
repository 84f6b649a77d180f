#include "actor/envs/mocap_arm_env.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "actor/envs/mujoco_env.h"
#include "actor/envs/mujoco_model.h"
#include "common/env_spec_util.h"
#include "common/status_macros.h"

namespace hem {
namespace {

constexpr int kSettleSteps = 2000;
constexpr double kSettleTolerance = 1e-3;

struct ArmIds {
  int arm_qpos[5];
  int finger_qpos[2];
  int finger_dof[2];
  int effector_mocap;
  int marker_mocap;
  int grip_site;
};

absl::StatusOr<int> MocapId(const mjModel* model, const char* body) {
  HEM_ASSIGN_OR_RETURN(int id, ObjectId(model, mjOBJ_BODY, body));
  if (model->body_mocapid[id] < 0) {
    return absl::InternalError(absl::StrCat("body '", body, "' is not a mocap body"));
  }
  return model->body_mocapid[id];
}

absl::StatusOr<ArmIds> FindIds(const mjModel* model) {
  ArmIds ids;
  const char* arm[5] = {"yaw", "shoulder", "elbow", "wrist", "roll"};
  for (int i = 0; i < 5; ++i) {
    HEM_ASSIGN_OR_RETURN(int joint, ObjectId(model, mjOBJ_JOINT, arm[i]));
    ids.arm_qpos[i] = model->jnt_qposadr[joint];
  }
  const char* fingers[2] = {"finger_left", "finger_right"};
  for (int i = 0; i < 2; ++i) {
    HEM_ASSIGN_OR_RETURN(int joint, ObjectId(model, mjOBJ_JOINT, fingers[i]));
    ids.finger_qpos[i] = model->jnt_qposadr[joint];
    ids.finger_dof[i] = model->jnt_dofadr[joint];
  }
  HEM_ASSIGN_OR_RETURN(ids.effector_mocap, MocapId(model, "effector_target"));
  HEM_ASSIGN_OR_RETURN(ids.marker_mocap, MocapId(model, "goal_marker"));
  HEM_ASSIGN_OR_RETURN(ids.grip_site, ObjectId(model, mjOBJ_SITE, "grip"));
  return ids;
}

class MocapArmEnv : public MujocoEnv {
 public:
  MocapArmEnv(const hem::v1::EnvSpec& spec, const mjModel* model, const MocapArmConfig& config,
              const ArmIds& ids)
      : MujocoEnv(spec, model, config.frame_skip),
        config_(config),
        ids_(ids),
        settled_qpos_(model->nq) {}

  const char* camera_name() const override { return config_.camera.c_str(); }

  // Drives the arm from the joint guess onto the home target and records the
  // pose every reset starts from.
  absl::Status Settle() {
    mj_resetData(model_, data_);
    for (int i = 0; i < 5; ++i) data_->qpos[ids_.arm_qpos[i]] = config_.initial_joints[i];
    SetMocap(ids_.effector_mocap, config_.home);
    if (!MoveEffectorTo(config_.home, kSettleSteps)) {
      return absl::InternalError(absl::StrCat(config_.model_file,
                                              ": the arm does not reach its home position"));
    }
    std::copy(data_->qpos, data_->qpos + model_->nq, settled_qpos_.begin());
    for (int i = 0; i < 2; ++i) settled_qpos_[ids_.finger_qpos[i]] = config_.finger_opening;
    return absl::OkStatus();
  }

 protected:
  void ResetTask(EnvRng& rng, float* goal) override {
    std::copy(settled_qpos_.begin(), settled_qpos_.end(), data_->qpos);
    SetMocap(ids_.effector_mocap, config_.home);
    const float home[3] = {static_cast<float>(config_.home[0]),
                           static_cast<float>(config_.home[1]),
                           static_cast<float>(config_.home[2])};
    do {
      for (int i = 0; i < 3; ++i) {
        goal[i] = static_cast<float>(rng.Uniform(config_.goal_low[i], config_.goal_high[i]));
      }
    } while (IsSuccess(spec().success(), absl::MakeConstSpan(home, 3),
                       absl::MakeConstSpan(goal, 3)));
    const double marker[3] = {goal[0], goal[1], goal[2]};
    SetMocap(ids_.marker_mocap, marker);
    mj_kinematics(model_, data_);
    std::copy(data_->site_xpos + 3 * ids_.grip_site, data_->site_xpos + 3 * ids_.grip_site + 3,
              previous_grip_);
  }

  void ApplyAction(const float* action) override {
    double* target = data_->mocap_pos + 3 * ids_.effector_mocap;
    for (int i = 0; i < 3; ++i) {
      target[i] = std::clamp(target[i] + config_.action_scale * action[i],
                             config_.workspace_low[i], config_.workspace_high[i]);
    }
    std::copy(data_->site_xpos + 3 * ids_.grip_site, data_->site_xpos + 3 * ids_.grip_site + 3,
              previous_grip_);
  }

  void WriteState(float* state) const override {
    const double* grip = data_->site_xpos + 3 * ids_.grip_site;
    for (int i = 0; i < 3; ++i) state[i] = static_cast<float>(grip[i]);
    if (!config_.fetch_observation) return;
    const double action_time = model_->opt.timestep * frame_skip();
    for (int i = 0; i < 2; ++i) {
      state[3 + i] = static_cast<float>(data_->qpos[ids_.finger_qpos[i]]);
      state[8 + i] = static_cast<float>(data_->qvel[ids_.finger_dof[i]] * action_time);
    }
    for (int i = 0; i < 3; ++i) state[5 + i] = static_cast<float>(grip[i] - previous_grip_[i]);
  }

  void WriteAchievedGoal(float* achieved) const override {
    const double* grip = data_->site_xpos + 3 * ids_.grip_site;
    for (int i = 0; i < 3; ++i) achieved[i] = static_cast<float>(grip[i]);
  }

  // Moves the arm to the goal in a scratch run, renders, and restores the
  // episode's state exactly.
  absl::Status RenderGoalImage(uint8_t* goal_image) override {
    std::vector<mjtNum> qpos(data_->qpos, data_->qpos + model_->nq);
    std::vector<mjtNum> qvel(data_->qvel, data_->qvel + model_->nv);
    std::vector<mjtNum> mocap(data_->mocap_pos, data_->mocap_pos + 3 * model_->nmocap);
    std::vector<mjtNum> warmstart(data_->qacc_warmstart, data_->qacc_warmstart + model_->nv);
    const mjtNum time = data_->time;
    const double target[3] = {goal()[0], goal()[1], goal()[2]};
    const bool reached = MoveEffectorTo(target, kSettleSteps);
    RenderOrDie(goal_image);
    std::copy(qpos.begin(), qpos.end(), data_->qpos);
    std::copy(qvel.begin(), qvel.end(), data_->qvel);
    std::copy(mocap.begin(), mocap.end(), data_->mocap_pos);
    std::copy(warmstart.begin(), warmstart.end(), data_->qacc_warmstart);
    data_->time = time;
    mj_forward(model_, data_);
    if (!reached) {
      return absl::InternalError("the arm did not reach the goal for the goal image");
    }
    return absl::OkStatus();
  }

 private:
  void SetMocap(int mocap, const double xyz[3]) {
    std::copy(xyz, xyz + 3, data_->mocap_pos + 3 * mocap);
  }

  // Steps the physics with the mocap target at `xyz` until the grip is there
  // and at rest. Leaves kinematics current.
  bool MoveEffectorTo(const double xyz[3], int max_steps) {
    SetMocap(ids_.effector_mocap, xyz);
    for (int step = 0; step < max_steps; ++step) {
      mj_step(model_, data_);
      if (step % 10 != 9) continue;
      mj_kinematics(model_, data_);
      const double* grip = data_->site_xpos + 3 * ids_.grip_site;
      const double error = std::hypot(grip[0] - xyz[0], grip[1] - xyz[1], grip[2] - xyz[2]);
      double speed = 0;
      for (int i = 0; i < model_->nv; ++i) speed = std::max(speed, std::fabs(data_->qvel[i]));
      if (error < kSettleTolerance && speed < 1e-2) return true;
    }
    mj_kinematics(model_, data_);
    return false;
  }

  const MocapArmConfig config_;
  const ArmIds ids_;
  std::vector<mjtNum> settled_qpos_;
  double previous_grip_[3] = {0, 0, 0};  // Grip before the latest action.
};

}  // namespace

absl::StatusOr<std::unique_ptr<Env>> NewMocapArmEnv(const hem::v1::EnvSpec& spec,
                                                    const MocapArmConfig& config) {
  HEM_ASSIGN_OR_RETURN(const mjModel* model, LoadEmbeddedModel(config.model_file, config.xml));
  HEM_ASSIGN_OR_RETURN(ArmIds ids, FindIds(model));
  auto env = std::make_unique<MocapArmEnv>(spec, model, config, ids);
  HEM_RETURN_IF_ERROR(env->Settle());
  HEM_RETURN_IF_ERROR(env->InitRendering());
  return std::unique_ptr<Env>(std::move(env));
}

}  // namespace hem
