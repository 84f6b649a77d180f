// What the learner loop trains, behind one interface: hEM's M-step
// (hem_update.h) or HER, the paper's baseline - DDPG+HER (ddpg_update.h) for
// continuous actions and DQN+HER (dqn_update.h) for discrete ones. Learner::Run
// stays the one training loop: it pops a decoded batch, calls Train, publishes
// acting_network() every few updates and checkpoints checkpoint_parts().
//
// Torch-internal header (learner .cc files only).
#ifndef HEM_LEARNER_ALGORITHM_H_
#define HEM_LEARNER_ALGORITHM_H_

#include <memory>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "learner/checkpoint.h"
#include "learner/learner_config.h"
#include "learner/networks.h"
#include "learner/training_batch.h"
#include "proto/env_spec.pb.h"
#include "proto/policy.pb.h"

namespace hem {

// Statistics of one update as 0-dim tensors on the training device (reading
// them synchronises with it); undefined where an algorithm has no such number.
struct UpdateStats {
  torch::Tensor loss;        // hEM: -mean log pi(a|s,g); HER: critic TD loss.
  torch::Tensor entropy;     // hEM: mean entropy of pi.
  torch::Tensor sigma;       // hEM, continuous actions: mean global sigma.
  torch::Tensor actor_loss;  // DDPG: -mean Q(s, mu(s,g), g) + action L2.
  torch::Tensor mean_q;      // HER: mean Q(s, a, g) over the batch.
  // Host time in the optimizer step(s), for the learner's phase metrics;
  // zero where an algorithm does not measure it.
  absl::Duration optimizer_time;
};

// Not thread-safe: the training thread owns it (and Checkpoint outside Run).
class Algorithm {
 public:
  virtual ~Algorithm() = default;

  // One update on a batch already on the training device (running
  // normalisers folded in first). The loss is always set; the other
  // statistics only `with_stats` (they cost extra operators).
  virtual absl::StatusOr<UpdateStats> Train(const TrainingBatch& batch, bool with_stats) = 0;

  // The network actors act with (its config says which algorithm): what the
  // WeightPublisher snapshots and what a checkpoint's config describes.
  virtual PolicyNetwork acting_network() = 0;

  // Everything a checkpoint holds to continue training exactly.
  virtual CheckpointParts checkpoint_parts() = 0;
};

// The acting network's config for `config` on `spec` (not yet completed):
// hEM's Gaussian/categorical policy, DDPG's actor or DQN's Q-network.
hem::v1::PolicyConfig ActingPolicyConfig(const LearnerConfig& config,
                                         const hem::v1::EnvSpec& spec);

// Builds config.algo's algorithm for `spec` on `device`, initialised from
// config.seed. Errors name the config field.
absl::StatusOr<std::unique_ptr<Algorithm>> MakeAlgorithm(const LearnerConfig& config,
                                                         const hem::v1::EnvSpec& spec,
                                                         const torch::Device& device);

}  // namespace hem

#endif  // HEM_LEARNER_ALGORITHM_H_
