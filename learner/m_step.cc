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
                                         bool with_fit_stats) {
  MStepStats stats;
  absl::Status status = CatchTorch("M-step", [&] {
    network_->train();
    torch::Tensor head = network_->Forward(inputs);
    torch::Tensor loss = -network_->LogProb(head, actions).mean();
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
