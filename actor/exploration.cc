// Exploration noise on the policy's actions (see exploration.h).
#include "actor/exploration.h"

#include <algorithm>

#include "common/env_spec_util.h"

namespace hem {

Exploration::Exploration(const hem::v1::EnvSpec& spec,
                         ExplorationOptions options, uint64_t seed)
    : spec_(spec), own_options_(options), options_(options), rng_(seed) {}

void Exploration::UsePolicy(const hem::v1::PolicyConfig& policy) {
  if (policy.algorithm() == hem::v1::ALGORITHM_HEM) {
    options_ = own_options_;
    return;
  }
  options_.action_noise = policy.exploration_noise();
  options_.epsilon = policy.random_action_probability();
}

void Exploration::Perturb(absl::Span<float> actions) {
  if (IsDiscrete(spec_)) {
    if (options_.epsilon <= 0) return;
    std::uniform_real_distribution<float> coin(0.0f, 1.0f);
    std::uniform_int_distribution<int> uniform(0, NumDiscreteActions(spec_) - 1);
    for (float& action : actions) {
      if (coin(rng_) < options_.epsilon) action = static_cast<float>(uniform(rng_));
    }
    return;
  }
  const auto& box = spec_.action_space().box();
  const int dim = box.low_size();
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (size_t i = 0; i < actions.size(); ++i) {
    const int d = static_cast<int>(i % dim);
    // Noise scales with the bounds so sigma_a = 0.5 means the same thing for
    // nav's [-0.2, 0.2] and a MuJoCo task's [-1, 1].
    const float half_width = 0.5f * (box.high(d) - box.low(d));
    actions[i] = std::clamp(actions[i] + options_.action_noise * half_width * normal(rng_),
                            box.low(d), box.high(d));
  }
  if (options_.epsilon <= 0) return;
  // A whole action row at a time, as baselines' random_eps.
  std::uniform_real_distribution<float> coin(0.0f, 1.0f);
  for (size_t row = 0; row + dim <= actions.size(); row += dim) {
    if (coin(rng_) < options_.epsilon) Random(actions.subspan(row, dim));
  }
}

void Exploration::Random(absl::Span<float> actions) {
  if (IsDiscrete(spec_)) {
    std::uniform_int_distribution<int> uniform(0, NumDiscreteActions(spec_) - 1);
    for (float& action : actions) action = static_cast<float>(uniform(rng_));
    return;
  }
  const auto& box = spec_.action_space().box();
  const int dim = box.low_size();
  for (size_t i = 0; i < actions.size(); ++i) {
    const int d = static_cast<int>(i % dim);
    std::uniform_real_distribution<float> uniform(box.low(d), box.high(d));
    actions[i] = uniform(rng_);
  }
}

}  // namespace hem
