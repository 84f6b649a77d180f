#include "actor/envs/vector_env.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/env_spec_util.h"
#include "common/logging.h"

namespace hem {

absl::StatusOr<std::unique_ptr<VectorEnv>> VectorEnv::Create(absl::string_view name,
                                                             int num_envs) {
  if (num_envs < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_envs: must be >= 1, got ", num_envs));
  }
  std::vector<std::unique_ptr<Env>> envs;
  envs.reserve(num_envs);
  for (int i = 0; i < num_envs; ++i) {
    absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv(name);
    if (!env.ok()) return env.status();
    envs.push_back(*std::move(env));
  }
  return std::unique_ptr<VectorEnv>(new VectorEnv(std::move(envs)));
}

VectorEnv::VectorEnv(std::vector<std::unique_ptr<Env>> envs) : envs_(std::move(envs)) {
  const hem::v1::EnvSpec& spec = envs_.front()->spec();
  const size_t m = envs_.size();
  const bool image = spec.observation().dtype() == hem::v1::DTYPE_UINT8;
  if (image) {
    images_.assign(m * ObservationSize(spec), 0);
  } else {
    states_.assign(m * ObservationSize(spec), 0.0f);
  }
  achieved_goals_.assign(m * spec.goal_dim(), 0.0f);
  desired_goals_.assign(m * spec.goal_dim(), 0.0f);
  goal_images_.assign(m * GoalObservationSize(spec), 0);
  successes_.assign(m, 0);
}

const hem::v1::EnvSpec& VectorEnv::spec() const { return envs_.front()->spec(); }

int VectorEnv::num_envs() const { return static_cast<int>(envs_.size()); }

ObservationSlot VectorEnv::SlotFor(int index) {
  const hem::v1::EnvSpec& s = spec();
  const size_t obs = ObservationSize(s);
  const size_t goal = s.goal_dim();
  const size_t goal_obs = GoalObservationSize(s);
  ObservationSlot slot;
  if (!states_.empty()) slot.state = states_.data() + index * obs;
  if (!images_.empty()) slot.image = images_.data() + index * obs;
  slot.achieved_goal = achieved_goals_.data() + index * goal;
  slot.desired_goal = desired_goals_.data() + index * goal;
  if (goal_obs > 0) slot.goal_image = goal_images_.data() + index * goal_obs;
  return slot;
}

void VectorEnv::Reset(int index, uint64_t seed) {
  HEM_CHECK(index >= 0 && index < num_envs()) << "index " << index;
  envs_[index]->Reset(seed, SlotFor(index));
  successes_[index] = 0;
}

void VectorEnv::Step(absl::Span<const float> actions) {
  const size_t dim = ActionDim(spec());
  HEM_CHECK(actions.size() == dim * envs_.size())
      << "actions has " << actions.size() << " floats, expected " << dim * envs_.size();
  for (size_t i = 0; i < envs_.size(); ++i) {
    successes_[i] = envs_[i]->Step(actions.subspan(i * dim, dim), SlotFor(static_cast<int>(i)));
  }
}

absl::Span<const float> VectorEnv::states() const { return states_; }
absl::Span<const uint8_t> VectorEnv::images() const { return images_; }
absl::Span<const float> VectorEnv::achieved_goals() const { return achieved_goals_; }
absl::Span<const float> VectorEnv::desired_goals() const { return desired_goals_; }
absl::Span<const uint8_t> VectorEnv::goal_images() const { return goal_images_; }
absl::Span<const uint8_t> VectorEnv::successes() const { return successes_; }

}  // namespace hem
