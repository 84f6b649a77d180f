#include "actor/envs/nav_env.h"

#include <algorithm>
#include <vector>

#include "actor/envs/action_util.h"
#include "actor/envs/env_rng.h"
#include "common/env_spec_util.h"

namespace hem {
namespace {

class NavEnv : public Env {
 public:
  explicit NavEnv(const hem::v1::EnvSpec& spec)
      : spec_(spec),
        position_(spec.goal_dim()),
        goal_(spec.goal_dim()),
        action_(spec.goal_dim()) {}

  const hem::v1::EnvSpec& spec() const override { return spec_; }

  void Reset(uint64_t seed, const ObservationSlot& out) override {
    EnvRng rng(seed);
    for (float& x : position_) x = static_cast<float>(rng.Uniform(-1.0, 1.0));
    do {
      for (float& x : goal_) x = static_cast<float>(rng.Uniform(-1.0, 1.0));
    } while (IsSuccess(spec_.success(), position_, goal_));
    if (out.desired_goal != nullptr) std::copy(goal_.begin(), goal_.end(), out.desired_goal);
    Write(out);
  }

  bool Step(absl::Span<const float> action, const ObservationSlot& out) override {
    ClipToBox(spec_.action_space().box(), action, action_.data());
    for (size_t i = 0; i < position_.size(); ++i) {
      position_[i] = std::min(1.0f, std::max(-1.0f, position_[i] + action_[i]));
    }
    Write(out);
    return IsSuccess(spec_.success(), position_, goal_);
  }

 private:
  void Write(const ObservationSlot& out) const {
    if (out.state != nullptr) std::copy(position_.begin(), position_.end(), out.state);
    if (out.achieved_goal != nullptr) {
      std::copy(position_.begin(), position_.end(), out.achieved_goal);
    }
  }

  const hem::v1::EnvSpec spec_;
  std::vector<float> position_;
  std::vector<float> goal_;
  std::vector<float> action_;  // Clipped action; scratch to avoid allocation.
};

}  // namespace

std::unique_ptr<Env> NewNavEnv(const hem::v1::EnvSpec& spec) {
  return std::make_unique<NavEnv>(spec);
}

}  // namespace hem
