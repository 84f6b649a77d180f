// DDPG+HER updates (see ddpg_update.h).
#include "learner/ddpg_update.h"

#include <utility>

#include "common/status_macros.h"

namespace hem {

absl::StatusOr<std::unique_ptr<DdpgUpdate>> DdpgUpdate::Create(PolicyNetwork actor,
                                                               const HerConfig& her,
                                                               double actor_learning_rate,
                                                               uint64_t seed,
                                                               const torch::Device& device) {
  const hem::v1::PolicyConfig& config = actor->config();
  if (config.algorithm() != hem::v1::ALGORITHM_DDPG_HER) {
    return absl::InvalidArgumentError("algo: DDPG needs an ALGORITHM_DDPG_HER actor");
  }
  HEM_ASSIGN_OR_RETURN(CriticNetwork critic, MakeCriticNetwork(config, seed + 1));
  HEM_ASSIGN_OR_RETURN(PolicyNetwork target_actor, MakePolicyNetwork(config, seed));
  HEM_ASSIGN_OR_RETURN(CriticNetwork target_critic, MakeCriticNetwork(config, seed + 1));
  std::unique_ptr<DdpgUpdate> update;
  HEM_RETURN_IF_ERROR(CatchTorch("building DDPG's networks", [&] {
    for (torch::nn::Module* module : std::initializer_list<torch::nn::Module*>{
             critic.get(), target_actor.get(), target_critic.get()}) {
      module->to(device);
    }
    SoftUpdate(*target_actor, *actor, /*polyak=*/0);
    CopyBuffers(*target_actor, *actor);
    SoftUpdate(*target_critic, *critic, /*polyak=*/0);
    CopyBuffers(*target_critic, *critic);
    update.reset(new DdpgUpdate(std::move(actor), std::move(critic), std::move(target_actor),
                                std::move(target_critic), her, actor_learning_rate, device));
    return absl::OkStatus();
  }));
  return update;
}

DdpgUpdate::DdpgUpdate(PolicyNetwork actor, CriticNetwork critic, PolicyNetwork target_actor,
                       CriticNetwork target_critic, const HerConfig& her,
                       double actor_learning_rate, const torch::Device& device)
    : TdAlgorithm(her, actor->config().spec()),
      box_(ActionBox::FromSpec(actor->config().spec(), device)),
      actor_(std::move(actor)),
      critic_(std::move(critic)),
      target_actor_(std::move(target_actor)),
      target_critic_(std::move(target_critic)),
      actor_optimizer_(actor_->parameters(), torch::optim::AdamOptions(actor_learning_rate)),
      critic_optimizer_(critic_->parameters(),
                        torch::optim::AdamOptions(her.critic_learning_rate)) {}

torch::Tensor DdpgUpdate::ComputeTargets(const TrainingBatch& batch) {
  torch::NoGradGuard no_grad;
  const NetworkInputs next = NextInputs(batch);
  torch::Tensor next_actions = torch::tanh(target_actor_->Forward(next));
  return TdTarget(batch.rewards, batch.terminals, target_critic_->Forward(next, next_actions),
                  td());
}

absl::StatusOr<UpdateStats> DdpgUpdate::Train(const TrainingBatch& batch, bool with_stats) {
  HEM_RETURN_IF_ERROR(CheckHasNext(batch));
  UpdateStats stats;
  HEM_RETURN_IF_ERROR(CatchTorch("DDPG update", [&] {
    actor_->UpdateNormalizer(batch.inputs);
    critic_->UpdateNormalizer(batch.inputs);
    CopyBuffers(*target_actor_, *actor_);
    CopyBuffers(*target_critic_, *critic_);
    const torch::Tensor y = ComputeTargets(batch);
    actor_->train();
    critic_->train();
    torch::Tensor pi = torch::tanh(actor_->Forward(batch.inputs));
    torch::Tensor actor_loss =
        -critic_->Forward(batch.inputs, pi).mean() + her().action_l2 * pi.pow(2).mean();
    torch::Tensor q = critic_->Forward(batch.inputs, box_.Normalize(batch.actions));
    torch::Tensor critic_loss = (q - y).pow(2).mean();
    actor_optimizer_.zero_grad();
    actor_loss.backward();
    // The actor's loss reached the critic's parameters too: drop that, so
    // the critic follows its own loss only.
    critic_optimizer_.zero_grad();
    critic_loss.backward();
    critic_optimizer_.step();
    actor_optimizer_.step();
    if (TargetUpdateDue()) {
      SoftUpdate(*target_actor_, *actor_, her().polyak);
      SoftUpdate(*target_critic_, *critic_, her().polyak);
    }
    stats.loss = critic_loss.detach();
    if (with_stats) {
      stats.actor_loss = actor_loss.detach();
      stats.mean_q = q.detach().mean();
    }
    return absl::OkStatus();
  }));
  return stats;
}

CheckpointParts DdpgUpdate::checkpoint_parts() {
  CheckpointParts parts;
  parts.network = actor_.get();
  parts.optimizer = &actor_optimizer_;
  parts.modules = {{"critic", critic_.get()},
                   {"target_actor", target_actor_.get()},
                   {"target_critic", target_critic_.get()}};
  parts.optimizers = {{"critic", &critic_optimizer_}};
  return parts;
}

}  // namespace hem
