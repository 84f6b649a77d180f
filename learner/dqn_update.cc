// DQN+HER updates (see dqn_update.h).
#include "learner/dqn_update.h"

#include <utility>

#include "common/status_macros.h"

namespace hem {

absl::StatusOr<std::unique_ptr<DqnUpdate>> DqnUpdate::Create(PolicyNetwork q,
                                                             const HerConfig& her,
                                                             const torch::Device& device) {
  if (q->config().algorithm() != hem::v1::ALGORITHM_DQN_HER) {
    return absl::InvalidArgumentError("algo: DQN needs an ALGORITHM_DQN_HER Q-network");
  }
  HEM_ASSIGN_OR_RETURN(PolicyNetwork target_q, MakePolicyNetwork(q->config(), /*seed=*/0));
  std::unique_ptr<DqnUpdate> update;
  HEM_RETURN_IF_ERROR(CatchTorch("building DQN's networks", [&] {
    target_q->to(device);
    SoftUpdate(*target_q, *q, /*polyak=*/0);
    CopyBuffers(*target_q, *q);
    update.reset(new DqnUpdate(std::move(q), std::move(target_q), her));
    return absl::OkStatus();
  }));
  return update;
}

DqnUpdate::DqnUpdate(PolicyNetwork q, PolicyNetwork target_q, const HerConfig& her)
    : TdAlgorithm(her, q->config().spec()),
      q_(std::move(q)),
      target_q_(std::move(target_q)),
      optimizer_(q_->parameters(), torch::optim::AdamOptions(her.critic_learning_rate)) {}

torch::Tensor DqnUpdate::ComputeTargets(const TrainingBatch& batch) {
  torch::NoGradGuard no_grad;
  torch::Tensor next_q = std::get<0>(target_q_->Forward(NextInputs(batch)).max(/*dim=*/1));
  return TdTarget(batch.rewards, batch.terminals, next_q, td());
}

absl::StatusOr<UpdateStats> DqnUpdate::Train(const TrainingBatch& batch, bool with_stats) {
  HEM_RETURN_IF_ERROR(CheckHasNext(batch));
  UpdateStats stats;
  HEM_RETURN_IF_ERROR(CatchTorch("DQN update", [&] {
    q_->UpdateNormalizer(batch.inputs);
    CopyBuffers(*target_q_, *q_);
    const torch::Tensor y = ComputeTargets(batch);
    q_->train();
    torch::Tensor index = batch.actions.to(torch::kLong).reshape({-1, 1});
    torch::Tensor q = q_->Forward(batch.inputs).gather(1, index).squeeze(1);
    torch::Tensor loss = (q - y).pow(2).mean();
    optimizer_.zero_grad();
    loss.backward();
    optimizer_.step();
    if (TargetUpdateDue()) SoftUpdate(*target_q_, *q_, her().polyak);
    stats.loss = loss.detach();
    if (with_stats) stats.mean_q = q.detach().mean();
    return absl::OkStatus();
  }));
  return stats;
}

CheckpointParts DqnUpdate::checkpoint_parts() {
  CheckpointParts parts;
  parts.network = q_.get();
  parts.optimizer = &optimizer_;
  parts.modules = {{"target_q", target_q_.get()}};
  return parts;
}

}  // namespace hem
