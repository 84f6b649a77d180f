// HER's networks beyond the acting one (paper Appendix C.2, after OpenAI
// baselines): DDPG's critic Q(s, a, g), and the map between the actor's
// normalised actions in [-1, 1] and the task's action box.
//
// DDPG's actor and DQN's Q-network are PolicyNetworks (networks.h) with
// config.algorithm set: the actor's head is the pre-tanh action, the
// Q-network's head is Q(s, g, .) over the discrete actions.
//
//   critic: InputFeatures (CNN for images, the running normaliser) on (s, g),
//           concatenated with the normalised action a in [-1, 1], then the
//           same ReLU MLP widths as the actor and one linear output.
//
// Torch-internal header (learner .cc files only).
#ifndef HEM_LEARNER_HER_NETWORKS_H_
#define HEM_LEARNER_HER_NETWORKS_H_

#include <cstdint>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "learner/input_features.h"
#include "proto/env_spec.pb.h"
#include "proto/policy.pb.h"

namespace hem {

class CriticNetworkImpl : public torch::nn::Module {
 public:
  // The actor's config (completed): spec, widths and normalisation.
  explicit CriticNetworkImpl(const hem::v1::PolicyConfig& config);

  // Q(s, a, g) per row, [B]. `actions`: normalised, float32 [B, action_dim].
  torch::Tensor Forward(const NetworkInputs& inputs, const torch::Tensor& actions);

  void UpdateNormalizer(const NetworkInputs& inputs) { features_.UpdateNormalizer(inputs); }

 private:
  InputFeatures features_;
  torch::nn::Sequential mlp_{nullptr};
};
TORCH_MODULE(CriticNetwork);

// A critic for `config` (completed), initialised from `seed`, on CPU.
absl::StatusOr<CriticNetwork> MakeCriticNetwork(const hem::v1::PolicyConfig& config,
                                                uint64_t seed);

// The task's action box as centre and half-width ([action_dim] each):
// action = centre + half_width * normalised.
struct ActionBox {
  torch::Tensor centre;
  torch::Tensor half_width;

  // REQUIRES: `spec` has a box action space.
  static ActionBox FromSpec(const hem::v1::EnvSpec& spec, const torch::Device& device);

  // Task actions (as stored in replay) -> [-1, 1].
  torch::Tensor Normalize(const torch::Tensor& actions) const;
};

}  // namespace hem

#endif  // HEM_LEARNER_HER_NETWORKS_H_
