// TD targets and target-network updates (see her_targets.h).
#include "learner/her_targets.h"

#include "common/status_macros.h"

namespace hem {

TdTargetOptions TdOptionsFor(const HerConfig& her, const hem::v1::EnvSpec& spec) {
  TdTargetOptions options;
  options.gamma = her.gamma;
  options.clip = her.clip_target;
  options.success_ends_episode = spec.terminate_on_success();
  return options;
}

torch::Tensor TdTarget(const torch::Tensor& rewards, const torch::Tensor& terminals,
                       const torch::Tensor& next_q, const TdTargetOptions& options) {
  torch::NoGradGuard no_grad;
  torch::Tensor done = options.success_ends_episode ? terminals * rewards
                                                    : torch::zeros_like(rewards);
  torch::Tensor y = (rewards - 1.0) + options.gamma * (1.0 - done) * next_q.detach();
  if (options.clip) y = y.clamp(-1.0 / (1.0 - options.gamma), 0.0);
  return y;
}

void SoftUpdate(torch::nn::Module& target, torch::nn::Module& source, double polyak) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> to = target.parameters();
  std::vector<torch::Tensor> from = source.parameters();
  TORCH_CHECK(to.size() == from.size(), "SoftUpdate: different networks");
  for (size_t i = 0; i < to.size(); ++i) {
    if (polyak == 0) {
      to[i].copy_(from[i]);
    } else {
      to[i].mul_(polyak).add_(from[i], 1.0 - polyak);
    }
  }
}

void CopyBuffers(torch::nn::Module& target, torch::nn::Module& source) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> to = target.buffers();
  std::vector<torch::Tensor> from = source.buffers();
  TORCH_CHECK(to.size() == from.size(), "CopyBuffers: different networks");
  for (size_t i = 0; i < to.size(); ++i) to[i].copy_(from[i]);
}

NetworkInputs NextInputs(const TrainingBatch& batch) {
  return {batch.next_observations, batch.inputs.goals, batch.inputs.goal_images};
}

TdAlgorithm::TdAlgorithm(const HerConfig& her, const hem::v1::EnvSpec& spec)
    : her_(her), td_(TdOptionsFor(her, spec)) {}

absl::StatusOr<torch::Tensor> TdAlgorithm::Targets(const TrainingBatch& batch) {
  HEM_RETURN_IF_ERROR(CheckHasNext(batch));
  torch::Tensor y;
  HEM_RETURN_IF_ERROR(CatchTorch("TD targets", [&] {
    y = ComputeTargets(batch);
    return absl::OkStatus();
  }));
  return y;
}

}  // namespace hem
