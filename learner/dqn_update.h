// DQN+HER, the paper's baseline for discrete actions (HER's bit-flipping
// setup, with baselines' HER defaults where DQN has the same setting). Each
// update on a relabeled with_next batch:
//
//   minimise mean (Q(s, g)[a] - y)^2,  a' = argmax Q_target(s', g, .) in y
//
// (her_targets.h for y), one Adam step, and every target_update_every
// updates the target network moves by Polyak averaging. The Q-network is the
// acting network (PolicyNetwork with ALGORITHM_DQN_HER: head = Q(s, g, .)).
//
// Torch-internal header (learner .cc files only).
#ifndef HEM_LEARNER_DQN_UPDATE_H_
#define HEM_LEARNER_DQN_UPDATE_H_

#include <cstdint>
#include <memory>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "learner/algorithm.h"
#include "learner/her_config.h"
#include "learner/her_targets.h"
#include "learner/networks.h"

namespace hem {

class DqnUpdate final : public TdAlgorithm {
 public:
  // `q`: an ALGORITHM_DQN_HER PolicyNetwork (completed config) on `device`.
  // The target network starts as its copy.
  static absl::StatusOr<std::unique_ptr<DqnUpdate>> Create(PolicyNetwork q,
                                                           const HerConfig& her,
                                                           const torch::Device& device);

  absl::StatusOr<UpdateStats> Train(const TrainingBatch& batch, bool with_stats) override;
  PolicyNetwork acting_network() override { return q_; }
  CheckpointParts checkpoint_parts() override;

  PolicyNetwork target_q() { return target_q_; }  // For tests.

 private:
  DqnUpdate(PolicyNetwork q, PolicyNetwork target_q, const HerConfig& her);

  torch::Tensor ComputeTargets(const TrainingBatch& batch) override;

  PolicyNetwork q_;
  PolicyNetwork target_q_;
  torch::optim::Adam optimizer_;
};

}  // namespace hem

#endif  // HEM_LEARNER_DQN_UPDATE_H_
