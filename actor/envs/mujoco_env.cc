#include "actor/envs/mujoco_env.h"

#include <algorithm>

#include "actor/envs/action_util.h"
#include "common/env_spec_util.h"
#include "common/logging.h"

namespace hem {

MujocoEnv::MujocoEnv(const hem::v1::EnvSpec& spec, const mjModel* model, int frame_skip)
    : model_(model),
      data_(mj_makeData(model)),
      spec_(spec),
      frame_skip_(frame_skip),
      image_observations_(spec.observation().dtype() == hem::v1::DTYPE_UINT8),
      goal_(spec.goal_dim()),
      achieved_(spec.goal_dim()),
      action_(ActionDim(spec)) {}

MujocoEnv::~MujocoEnv() {
  renderer_.reset();
  mj_deleteData(data_);
}

absl::Status MujocoEnv::InitRendering() {
  if (!image_observations_) return absl::OkStatus();
  RenderOptions options;
  options.width = static_cast<int>(spec_.observation().shape(0));
  options.camera = camera_name();
  options.hidden_geom_group = kGoalMarkerGroup;
  absl::StatusOr<std::unique_ptr<OffscreenRenderer>> renderer =
      OffscreenRenderer::Create(model_, options);
  if (!renderer.ok()) return renderer.status();
  renderer_ = *std::move(renderer);
  return absl::OkStatus();
}

void MujocoEnv::RenderOrDie(uint8_t* rgb) {
  const absl::Status status = renderer_->Render(data_, rgb);
  if (!status.ok()) HEM_LOG(FATAL) << spec_.env_name() << ": rendering failed: " << status;
}

void MujocoEnv::Reset(uint64_t seed, const ObservationSlot& out) {
  EnvRng rng(seed);
  mj_resetData(model_, data_);
  ResetTask(rng, goal_.data());
  mj_forward(model_, data_);
  if (out.desired_goal != nullptr) std::copy(goal_.begin(), goal_.end(), out.desired_goal);
  if (out.goal_image != nullptr && GoalObservationSize(spec_) > 0) {
    const absl::Status status = RenderGoalImage(out.goal_image);
    if (!status.ok()) HEM_LOG(FATAL) << spec_.env_name() << ": goal image failed: " << status;
  }
  WriteObservation(out);
}

bool MujocoEnv::Step(absl::Span<const float> action, const ObservationSlot& out) {
  ClipToBox(spec_.action_space().box(), action, action_.data());
  ApplyAction(action_.data());
  for (int i = 0; i < frame_skip_; ++i) mj_step(model_, data_);
  // mj_step leaves positions derived from the state before its last
  // integration; refresh them so goals and images match qpos exactly.
  mj_kinematics(model_, data_);
  AfterStep();
  WriteObservation(out);
  return IsSuccess(spec_.success(), achieved_, goal_);
}

void MujocoEnv::WriteObservation(const ObservationSlot& out) {
  WriteAchievedGoal(achieved_.data());
  if (out.achieved_goal != nullptr) {
    std::copy(achieved_.begin(), achieved_.end(), out.achieved_goal);
  }
  if (image_observations_) {
    if (out.image != nullptr) RenderOrDie(out.image);
  } else if (out.state != nullptr) {
    WriteState(out.state);
  }
}

}  // namespace hem
