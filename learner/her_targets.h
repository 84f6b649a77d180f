// HER's temporal-difference targets and target networks, shared by DDPG+HER
// and DQN+HER through TdAlgorithm (her_config.h explains each choice against
// baselines):
//
//   y = clip(r' + gamma * (1 - done) * Q_target(s', g, a'), -1/(1 - gamma), 0)
//
// with a' = mu_target(s', g) (DDPG) or the argmax of Q_target(s', g, .)
// (DQN), r' = r - 1 (hem's 1/0 success reward as baselines' 0/-1), and
// done = terminal * r where a success ends the episode: a transition cut at
// the horizon bootstraps.
//
// Torch-internal header (learner .cc files only).
#ifndef HEM_LEARNER_HER_TARGETS_H_
#define HEM_LEARNER_HER_TARGETS_H_

#include <cstdint>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "learner/algorithm.h"
#include "learner/her_config.h"
#include "learner/training_batch.h"
#include "proto/env_spec.pb.h"

namespace hem {

struct TdTargetOptions {
  double gamma = 0.98;
  bool clip = true;                  // To [-1/(1 - gamma), 0].
  bool success_ends_episode = true;  // EnvSpec.terminate_on_success.
};

// The options `her` sets for a task with `spec`.
TdTargetOptions TdOptionsFor(const HerConfig& her, const hem::v1::EnvSpec& spec);

// y [B] from rewards, terminals (float 0/1, [B]) and Q_target(s', g, a')
// [B]; no gradient flows through it.
torch::Tensor TdTarget(const torch::Tensor& rewards, const torch::Tensor& terminals,
                       const torch::Tensor& next_q, const TdTargetOptions& options);

// Every parameter: target <- polyak * target + (1 - polyak) * source
// (polyak = 0 copies). REQUIRES: same architecture.
void SoftUpdate(torch::nn::Module& target, torch::nn::Module& source, double polyak);

// Copies every buffer (the running normaliser's statistics): a target
// network normalises its inputs with the current statistics, as baselines'
// shared normalisers do.
void CopyBuffers(torch::nn::Module& target, torch::nn::Module& source);

// The next state's inputs: s' with the transition's goal.
NetworkInputs NextInputs(const TrainingBatch& batch);

// What DDPG+HER and DQN+HER share: their TD targets on demand, and the
// pace of their target networks.
class TdAlgorithm : public Algorithm {
 public:
  // The TD targets y [B] of a with_next `batch`, with the target networks as
  // they are (tests and diagnostics).
  absl::StatusOr<torch::Tensor> Targets(const TrainingBatch& batch);

 protected:
  TdAlgorithm(const HerConfig& her, const hem::v1::EnvSpec& spec);

  // y for a with_next `batch` from the target networks, without gradient.
  virtual torch::Tensor ComputeTargets(const TrainingBatch& batch) = 0;

  // Counts one update; true when the target networks are due to move
  // (every her.target_update_every updates since start).
  bool TargetUpdateDue() { return ++updates_ % her_.target_update_every == 0; }

  const HerConfig& her() const { return her_; }
  const TdTargetOptions& td() const { return td_; }

 private:
  const HerConfig her_;
  const TdTargetOptions td_;
  int64_t updates_ = 0;
};

}  // namespace hem

#endif  // HEM_LEARNER_HER_TARGETS_H_
