// How actors act with HER's networks (the paper's baseline): the learner's
// PolicyConfig.algorithm says which.
//   DDPG+HER: a = centre + half_width * tanh(head(s, g)), the deterministic
//             actor mu(s, g) in the task's action box;
//   DQN+HER:  a = argmax_a Q(s, g, a), the head being Q(s, g, .).
// Act gives these whether or not `deterministic` is set: the exploration
// HER trains with (Gaussian noise and random actions, or epsilon-greedy) is
// the actor's to add (actor/exploration.h, from the config's
// exploration_noise and random_action_probability), and evaluation uses mu
// or the argmax as they are. The network is hEM's (same module, same
// weights format), so the head comes from an hEM policy's deterministic Act.
// Torch-free.
#ifndef HEM_LEARNER_HER_POLICY_H_
#define HEM_LEARNER_HER_POLICY_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "learner/policy.h"
#include "proto/policy.pb.h"

namespace hem {

// True for configs of ALGORITHM_DDPG_HER and ALGORITHM_DQN_HER.
bool IsHerPolicy(const hem::v1::PolicyConfig& config);

// A freshly initialised HER policy for `config` (seeded).
absl::StatusOr<std::unique_ptr<Policy>> MakeHerPolicy(const hem::v1::PolicyConfig& config,
                                                      uint64_t seed);

}  // namespace hem

#endif  // HEM_LEARNER_HER_POLICY_H_
