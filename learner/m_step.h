// The M-step of hEM: one Adam step on the negative log-likelihood of the
// relabeled batch, L(theta) = -mean_i log pi_theta(a_i | s_i, g_i).
//
// The batch is a sample of the hindsight variational distribution q_h(tau, g)
// (the E-step, done by the replay service), so maximising its likelihood is
// supervised learning: the policy imitates the actions that reached the goals
// they are labelled with. For a Gaussian with a learned global sigma, sigma is
// a parameter of the same loss; a fixed sigma only scales it.
//
// Torch-internal header (learner .cc files only).
#ifndef HEM_LEARNER_M_STEP_H_
#define HEM_LEARNER_M_STEP_H_

#include <torch/torch.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "learner/networks.h"

namespace hem {

struct MStepConfig {
  double learning_rate = 1e-3;  // Adam step size (paper: 1e-3).
  double max_grad_norm = 0;     // Clip the global gradient norm to this; 0 = off.
  // Rows whose observation equals their next observation get no weight
  // (LearnerConfig::skip_noop_transitions); needs with_next batches.
  bool skip_noop_transitions = false;
};

// Statistics of one update, as 0-dim tensors on the network's device: reading
// them (.item()) synchronises with the device, so callers read them only when
// they record metrics.
struct MStepStats {
  torch::Tensor loss;       // -mean log pi(a|s,g) before the step.
  torch::Tensor entropy;    // Mean entropy of pi(.|s,g) before the step.
  torch::Tensor sigma;      // Mean global sigma (continuous); undefined otherwise.
  torch::Tensor grad_norm;  // Global gradient norm before clipping; undefined
                            // unless clipping is on.
  // Host time of clipping and optimizer_.step() (on a GPU: queueing them).
  absl::Duration optimizer_time;
};

// Not thread-safe: one training thread owns it.
class MStep {
 public:
  // `network` is shared (the learner serialises and checkpoints it).
  MStep(PolicyNetwork network, MStepConfig config);

  // One gradient step on (inputs, actions), which must be on the network's
  // device. actions: float32 [B, action_dim] or integer [B]. The loss is
  // always returned; entropy and sigma only `with_fit_stats` (they cost
  // extra operators, and the learner reads them every few updates). With
  // config.skip_noop_transitions, `next_observations` (as
  // inputs.observations) is required and rows equal to it are left out of
  // the mean; FAILED_PRECONDITION without it.
  absl::StatusOr<MStepStats> Update(const NetworkInputs& inputs,
                                    const torch::Tensor& actions,
                                    bool with_fit_stats = true,
                                    const torch::Tensor& next_observations = {});

  // Mean NLL without a step (evaluation of the fit).
  absl::StatusOr<double> Loss(const NetworkInputs& inputs,
                              const torch::Tensor& actions);

  torch::optim::Adam& optimizer() { return optimizer_; }
  const MStepConfig& config() const { return config_; }

 private:
  const MStepConfig config_;
  PolicyNetwork network_;
  torch::optim::Adam optimizer_;
};

}  // namespace hem

#endif  // HEM_LEARNER_M_STEP_H_
