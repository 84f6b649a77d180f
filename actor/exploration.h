// Exploration noise of hEM's data collection (paper Appendix C.2): the action
// sampled from pi gets Gaussian noise N(0, sigma_a^2) (sigma_a = 0.5) and is
// clipped to the action bounds; an action is replaced by a uniform one with
// probability epsilon (0 for hEM by default).
//
// HER's policies (learner/her_policy.h) are deterministic and explore as
// their config says, which the learner sets: DDPG's mu(s, g) gets Gaussian
// noise of exploration_noise half-widths and is replaced by a uniform action
// with probability random_action_probability (baselines' noise_eps 0.2 and
// random_eps 0.3); DQN's greedy action is epsilon-greedy with
// random_action_probability. UsePolicy switches between the two.
#ifndef HEM_ACTOR_EXPLORATION_H_
#define HEM_ACTOR_EXPLORATION_H_

#include <cstdint>
#include <random>

#include "absl/types/span.h"
#include "proto/env_spec.pb.h"
#include "proto/policy.pb.h"

namespace hem {

struct ExplorationOptions {
  float action_noise = 0.5f;   // sigma_a, in units of the action bounds' half-width.
  float epsilon = 0.0f;        // Probability of a uniform random action.
};

class Exploration {
 public:
  Exploration(const hem::v1::EnvSpec& spec, ExplorationOptions options,
              uint64_t seed);

  // Perturbs a batch of actions [B, ActionDim] in place.
  void Perturb(absl::Span<float> actions);

  // Explores as `policy` asks: HER's exploration from its config for HER
  // policies, the options given at construction for hEM's.
  void UsePolicy(const hem::v1::PolicyConfig& policy);

  // Uniformly random actions [B, ActionDim] (before any policy exists).
  void Random(absl::Span<float> actions);

 private:
  const hem::v1::EnvSpec spec_;
  const ExplorationOptions own_options_;
  ExplorationOptions options_;  // In use.
  std::mt19937_64 rng_;
};

}  // namespace hem

#endif  // HEM_ACTOR_EXPLORATION_H_
