// DDPG+HER, the paper's baseline for continuous actions (Appendix C.2), as
// OpenAI baselines' her/ddpg.py trains it. Each update on a relabeled
// with_next batch (her_targets.h for y):
//
//   critic: minimise mean (Q(s, a, g) - y)^2, a the stored action normalised
//           to [-1, 1];
//   actor:  minimise -mean Q(s, pi(s, g), g) + action_l2 * mean pi(s, g)^2,
//           pi = tanh(head) in [-1, 1];
//
// both gradients taken at the same parameters, then one Adam step each;
// every target_update_every updates the target networks move by Polyak
// averaging. Running normalisers see every batch; target networks use the
// current statistics.
//
// Torch-internal header (learner .cc files only).
#ifndef HEM_LEARNER_DDPG_UPDATE_H_
#define HEM_LEARNER_DDPG_UPDATE_H_

#include <cstdint>
#include <memory>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "learner/algorithm.h"
#include "learner/her_config.h"
#include "learner/her_networks.h"
#include "learner/her_targets.h"
#include "learner/networks.h"

namespace hem {

class DdpgUpdate final : public TdAlgorithm {
 public:
  // `actor`: an ALGORITHM_DDPG_HER PolicyNetwork (completed config) on
  // `device`. Builds the critic (seeded from `seed`) and the target networks
  // as copies.
  static absl::StatusOr<std::unique_ptr<DdpgUpdate>> Create(PolicyNetwork actor,
                                                            const HerConfig& her,
                                                            double actor_learning_rate,
                                                            uint64_t seed,
                                                            const torch::Device& device);

  absl::StatusOr<UpdateStats> Train(const TrainingBatch& batch, bool with_stats) override;
  PolicyNetwork acting_network() override { return actor_; }
  CheckpointParts checkpoint_parts() override;

  // The networks, for tests.
  CriticNetwork critic() { return critic_; }
  PolicyNetwork target_actor() { return target_actor_; }
  CriticNetwork target_critic() { return target_critic_; }

 private:
  DdpgUpdate(PolicyNetwork actor, CriticNetwork critic, PolicyNetwork target_actor,
             CriticNetwork target_critic, const HerConfig& her, double actor_learning_rate,
             const torch::Device& device);

  torch::Tensor ComputeTargets(const TrainingBatch& batch) override;

  const ActionBox box_;
  PolicyNetwork actor_;
  CriticNetwork critic_;
  PolicyNetwork target_actor_;
  CriticNetwork target_critic_;
  torch::optim::Adam actor_optimizer_;
  torch::optim::Adam critic_optimizer_;
};

}  // namespace hem

#endif  // HEM_LEARNER_DDPG_UPDATE_H_
