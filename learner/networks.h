// LibTorch modules behind Policy: the goal-conditioned network pi_theta(a|s,g)
// and its (de)serialisation. Only learner .cc files include this header; the
// rest of the code base sees plain headers (policy.h, m_step.h, ...).
//
// One module serves every task:
//   [image encoder]  uint8 [B,H,W,3] -> [0,1] -> CHW -> CNN [32,8,4] ->
//                    [64,4,2] -> [64,3,2] (ReLU) -> flatten. Goal images use
//                    the same encoder (shared weights).
//   [normaliser]     optional running mean/std of vector observations and
//                    goals, clipped to +-kNormClip; its statistics are buffers,
//                    so they travel with the weights.
//   [MLP]            on [features(s), g] with ReLU hidden layers, then a
//                    linear head: the mean mu(s,g) (continuous actions) or the
//                    logits (discrete actions).
//   [global sigma]   log_sigma [action_dim]: a parameter when learned, a
//                    buffer when fixed.
#ifndef HEM_LEARNER_NETWORKS_H_
#define HEM_LEARNER_NETWORKS_H_

#include <string>
#include <vector>

#include <torch/torch.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "learner/sigma_limits.h"
#include "proto/policy.pb.h"
#include "proto/tensor.pb.h"

namespace hem {

// Normalised inputs are clipped to [-kNormClip, kNormClip].
inline constexpr double kNormClip = 5.0;

// Fills defaults (hidden_sizes 256,256,256; initial_sigma 0.5) and validates
// the config: valid spec, positive widths, positive finite sigma. Errors name
// the field ("policy_config.hidden_sizes: ...").
absl::StatusOr<hem::v1::PolicyConfig> CompletePolicyConfig(
    hem::v1::PolicyConfig config);

// One batch of network inputs, already on the network's device.
struct NetworkInputs {
  torch::Tensor observations;  // float32 [B, obs] or uint8 [B, H, W, 3].
  torch::Tensor goals;         // float32 [B, goal_dim].
  torch::Tensor goal_images;   // uint8 [B, H, W, 3]; undefined unless image goals.
};

class PolicyNetworkImpl : public torch::nn::Module {
 public:
  // REQUIRES: config is CompletePolicyConfig's output.
  explicit PolicyNetworkImpl(const hem::v1::PolicyConfig& config);

  // Mean [B, action_dim] (continuous) or logits [B, n] (discrete).
  torch::Tensor Forward(const NetworkInputs& inputs);

  // log pi(a | s, g) per row, [B]. `actions`: float32 [B, action_dim] or an
  // integer tensor [B] of indices. `head` is Forward's output.
  torch::Tensor LogProb(const torch::Tensor& head, const torch::Tensor& actions);

  // Entropy of pi(. | s, g) per row, [B].
  torch::Tensor Entropy(const torch::Tensor& head);

  // The global standard deviation [action_dim] (undefined for discrete).
  torch::Tensor Sigma();

  // Folds a batch into the running normaliser (no-op when disabled).
  // Statistics are merged exactly (Chan et al.'s parallel update).
  void UpdateNormalizer(const NetworkInputs& inputs);

  bool discrete() const { return discrete_; }
  const hem::v1::PolicyConfig& config() const { return config_; }

 private:
  torch::Tensor Normalize(const torch::Tensor& x, const torch::Tensor& mean,
                          const torch::Tensor& var);
  torch::Tensor Encode(const torch::Tensor& images);
  static void MergeMoments(const torch::Tensor& x, const torch::Tensor& count,
                           torch::Tensor& mean, torch::Tensor& var);

  const hem::v1::PolicyConfig config_;
  const bool discrete_;
  const bool image_observations_;
  const bool image_goals_;
  torch::nn::Sequential encoder_{nullptr};
  torch::nn::Sequential mlp_{nullptr};
  torch::Tensor log_sigma_;
  // Normaliser (registered only when config.normalize_inputs).
  torch::Tensor norm_count_;  // float64 scalar: rows folded in.
  torch::Tensor obs_mean_, obs_var_, goal_mean_, goal_var_;
};
TORCH_MODULE(PolicyNetwork);

// Builds a network for `config` (completed) with deterministic initialisation
// from `seed`, on CPU.
absl::StatusOr<PolicyNetwork> MakePolicyNetwork(
    const hem::v1::PolicyConfig& config, uint64_t seed);

// A point-in-time copy of every parameter and buffer, detached, on CPU.
// Cheap (one copy of the weights), so the training thread can take one and
// hand the costlier serialisation to another thread.
struct NamedTensor {
  std::string name;
  torch::Tensor tensor;
  bool is_buffer = false;
};
std::vector<NamedTensor> SnapshotNetwork(PolicyNetworkImpl& network);

// The snapshot as an ordered name -> tensor archive (torch serialisation
// format). Round-trips bit-exactly through LoadNetwork.
absl::StatusOr<std::string> SerializeTensors(const std::vector<NamedTensor>& tensors);

// SerializeTensors(SnapshotNetwork(network)).
absl::StatusOr<std::string> SerializeNetwork(PolicyNetworkImpl& network);

// Loads SerializeNetwork's output. Checks every tensor's presence, dtype and
// shape before touching the network, so a mismatch leaves it unchanged.
absl::Status LoadNetwork(absl::string_view bytes, PolicyNetworkImpl& network);

// Fixes LibTorch's intra-op threads and, when LibTorch runs on OpenBLAS, the
// OpenBLAS pool too (its workers otherwise spin on every core, whatever
// at::set_num_threads says). Inter-op threads are set once per process.
void SetTorchThreads(int intra_op, int inter_op);

// Resolves "auto" | "cpu" | "cuda" (auto = CUDA when available).
absl::StatusOr<torch::Device> ParseDevice(absl::string_view name);

// torch tensors from a hem.v1.Tensor's bytes, checked against `dtype`
// (copies; the result owns its memory).
absl::StatusOr<torch::Tensor> TensorFromProto(const hem::v1::Tensor& tensor,
                                              absl::string_view field);

// Runs `fn`, turning c10::Error / std::exception into INTERNAL (or the
// given code) with `what` as context.
template <typename Fn>
absl::Status CatchTorch(absl::string_view what, Fn&& fn) {
  try {
    return fn();
  } catch (const c10::Error& e) {
    return absl::InternalError(
        std::string(what) + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    return absl::InternalError(std::string(what) + ": " + e.what());
  }
}

}  // namespace hem

#endif  // HEM_LEARNER_NETWORKS_H_
