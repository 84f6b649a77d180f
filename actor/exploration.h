// Exploration noise of hEM's data collection (paper Appendix C.2): the action
// sampled from pi gets Gaussian noise N(0, sigma_a^2) (sigma_a = 0.5) and is
// clipped to the action bounds; a discrete action is replaced by a uniform
// one with probability epsilon.
#ifndef HEM_ACTOR_EXPLORATION_H_
#define HEM_ACTOR_EXPLORATION_H_

#include <cstdint>
#include <random>

#include "absl/types/span.h"
#include "proto/env_spec.pb.h"

namespace hem {

struct ExplorationOptions {
  float action_noise = 0.5f;   // sigma_a, in units of the action bounds' half-width.
  float epsilon = 0.0f;        // Discrete tasks: probability of a uniform action.
};

class Exploration {
 public:
  Exploration(const hem::v1::EnvSpec& spec, ExplorationOptions options,
              uint64_t seed);

  // Perturbs a batch of actions [B, ActionDim] in place.
  void Perturb(absl::Span<float> actions);

  // Uniformly random actions [B, ActionDim] (before any policy exists).
  void Random(absl::Span<float> actions);

 private:
  const hem::v1::EnvSpec spec_;
  const ExplorationOptions options_;
  std::mt19937_64 rng_;
};

}  // namespace hem

#endif  // HEM_ACTOR_EXPLORATION_H_
