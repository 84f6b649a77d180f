// The acting network's config and the algorithm for a LearnerConfig (see
// algorithm.h).
#include "learner/algorithm.h"

#include <utility>

#include "common/env_spec_util.h"
#include "common/status_macros.h"
#include "learner/ddpg_update.h"
#include "learner/dqn_update.h"
#include "learner/hem_update.h"

namespace hem {

hem::v1::PolicyConfig ActingPolicyConfig(const LearnerConfig& config,
                                         const hem::v1::EnvSpec& spec) {
  hem::v1::PolicyConfig policy;
  *policy.mutable_spec() = spec;
  for (int h : config.hidden_sizes) policy.add_hidden_sizes(h);
  policy.set_initial_sigma(static_cast<float>(config.sigma));
  if (config.algo == LearnerAlgorithm::kHem) {
    policy.set_learn_sigma(config.learn_sigma);
    policy.set_normalize_inputs(config.normalize);
    policy.set_censored_likelihood(config.censored_likelihood && !IsDiscrete(spec));
    return policy;
  }
  const bool discrete = IsDiscrete(spec);
  policy.set_algorithm(discrete ? hem::v1::ALGORITHM_DQN_HER : hem::v1::ALGORITHM_DDPG_HER);
  policy.set_normalize_inputs(config.her.normalize_inputs);
  if (!discrete) policy.set_exploration_noise(config.her.exploration_noise);
  policy.set_random_action_probability(discrete ? config.her.epsilon
                                                : config.her.random_action_probability);
  return policy;
}

absl::StatusOr<std::unique_ptr<Algorithm>> MakeAlgorithm(const LearnerConfig& config,
                                                         const hem::v1::EnvSpec& spec,
                                                         const torch::Device& device) {
  HEM_ASSIGN_OR_RETURN(const hem::v1::PolicyConfig policy,
                       CompletePolicyConfig(ActingPolicyConfig(config, spec)));
  HEM_ASSIGN_OR_RETURN(PolicyNetwork network, MakePolicyNetwork(policy, config.seed));
  HEM_RETURN_IF_ERROR(CatchTorch("moving the network to the device", [&] {
    network->to(device);
    return absl::OkStatus();
  }));
  switch (policy.algorithm()) {
    case hem::v1::ALGORITHM_DDPG_HER:
      return DdpgUpdate::Create(std::move(network), config.her, config.learning_rate,
                                config.seed, device);
    case hem::v1::ALGORITHM_DQN_HER:
      return DqnUpdate::Create(std::move(network), config.her, device);
    default: {
      PolicyNetwork averaged = nullptr;
      const double decay = ActingAverage(config);
      if (decay > 0) {
        HEM_ASSIGN_OR_RETURN(averaged, MakePolicyNetwork(policy, config.seed));
        HEM_RETURN_IF_ERROR(CatchTorch("moving the averaged network to the device", [&] {
          averaged->to(device);
          return absl::OkStatus();
        }));
      }
      return std::make_unique<HemUpdate>(
          std::move(network),
          MStepConfig{config.learning_rate, config.max_grad_norm, config.skip_noop_transitions},
          std::move(averaged), decay);
    }
  }
}

}  // namespace hem
