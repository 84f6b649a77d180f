#include "actor/envs/flip_bit_env.h"

#include <algorithm>
#include <vector>

#include "actor/envs/action_util.h"
#include "actor/envs/env_rng.h"
#include "common/env_spec_util.h"

namespace hem {
namespace {

class FlipBitEnv : public Env {
 public:
  explicit FlipBitEnv(const hem::v1::EnvSpec& spec)
      : spec_(spec), bits_(spec.goal_dim()), goal_(spec.goal_dim()) {}

  const hem::v1::EnvSpec& spec() const override { return spec_; }

  void Reset(uint64_t seed, const ObservationSlot& out) override {
    EnvRng rng(seed);
    const int k = static_cast<int>(bits_.size());
    for (int i = 0; i < k; ++i) bits_[i] = static_cast<float>(rng.NextU64() >> 63);
    for (int attempt = 0; attempt < 64; ++attempt) {
      for (int i = 0; i < k; ++i) goal_[i] = static_cast<float>(rng.NextU64() >> 63);
      if (goal_ != bits_) break;
    }
    // Small K can draw equal strings 64 times running; flip one bit then.
    if (goal_ == bits_) {
      const int i = rng.UniformInt(k);
      goal_[i] = 1.0f - bits_[i];
    }
    if (out.desired_goal != nullptr) std::copy(goal_.begin(), goal_.end(), out.desired_goal);
    Write(out);
  }

  bool Step(absl::Span<const float> action, const ObservationSlot& out) override {
    const int i = DiscreteAction(action, static_cast<int>(bits_.size()));
    bits_[i] = 1.0f - bits_[i];
    Write(out);
    return IsSuccess(spec_.success(), bits_, goal_);
  }

 private:
  void Write(const ObservationSlot& out) const {
    if (out.state != nullptr) std::copy(bits_.begin(), bits_.end(), out.state);
    if (out.achieved_goal != nullptr) {
      std::copy(bits_.begin(), bits_.end(), out.achieved_goal);
    }
  }

  const hem::v1::EnvSpec spec_;
  std::vector<float> bits_;
  std::vector<float> goal_;
};

}  // namespace

std::unique_ptr<Env> NewFlipBitEnv(const hem::v1::EnvSpec& spec) {
  return std::make_unique<FlipBitEnv>(spec);
}

}  // namespace hem
