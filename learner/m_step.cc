// The M-step: one Adam step on -mean log pi(a|s,g) (see m_step.h).
#include "learner/m_step.h"

namespace hem {

MStep::MStep(PolicyNetwork network, MStepConfig config)
    : config_(config),
      network_(std::move(network)),
      optimizer_(network_->parameters(),
                 torch::optim::AdamOptions(config.learning_rate)) {}

absl::StatusOr<MStepStats> MStep::Update(const NetworkInputs& inputs,
                                         const torch::Tensor& actions,
                                         bool with_fit_stats,
                                         const torch::Tensor& next_observations) {
  if (config_.skip_noop_transitions && !next_observations.defined()) {
    return absl::FailedPreconditionError(
        "batch.next_observations: missing; skip_noop_transitions needs with_next batches");
  }
  MStepStats stats;
  absl::Status status = CatchTorch("M-step", [&] {
    network_->train();
    torch::Tensor head = network_->Forward(inputs);
    torch::Tensor log_probs = network_->LogProb(head, actions);
    torch::Tensor loss;
    if (config_.skip_noop_transitions) {
      // Rows whose action moved the observation; a batch of nothing but
      // no-ops gives a zero loss (and no step) rather than 0/0.
      const torch::Tensor moved =
          inputs.observations.ne(next_observations).flatten(1).any(1).to(log_probs.dtype());
      loss = -(log_probs * moved).sum() / moved.sum().clamp_min(1);
    } else {
      loss = -log_probs.mean();
    }
    optimizer_.zero_grad();
    loss.backward();
    const absl::Time optimizer_start = absl::Now();
    if (config_.max_grad_norm > 0) {
      stats.grad_norm = torch::tensor(torch::nn::utils::clip_grad_norm_(
          network_->parameters(), config_.max_grad_norm));
    }
    optimizer_.step();
    stats.optimizer_time = absl::Now() - optimizer_start;
    stats.loss = loss.detach();
    if (with_fit_stats) {
      torch::NoGradGuard no_grad;
      stats.entropy = network_->Entropy(head.detach()).mean();
      if (!network_->discrete()) stats.sigma = network_->Sigma().mean();
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return stats;
}

absl::StatusOr<double> MStep::Loss(const NetworkInputs& inputs,
                                   const torch::Tensor& actions) {
  double loss = 0;
  absl::Status status = CatchTorch("M-step loss", [&] {
    torch::NoGradGuard no_grad;
    torch::Tensor head = network_->Forward(inputs);
    loss = -network_->LogProb(head, actions).mean().item<double>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return loss;
}

}  // namespace hem
