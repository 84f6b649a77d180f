// LibTorch modules behind Policy: the goal-conditioned network pi_theta(a|s,g)
// and its (de)serialisation. Only learner .cc files include this header; the
// rest of the code base sees plain headers (policy.h, m_step.h, ...).
//
// One module serves every task:
//   [features]       InputFeatures (input_features.h): the CNN encoder for
//                    images and the optional running normaliser of vector
//                    observations and goals (buffers, so they travel with the
//                    weights).
//   [MLP]            on [features(s), features(g)] with ReLU hidden layers,
//                    then a linear head: the mean mu(s,g) (continuous actions)
//                    or the logits (discrete actions). HER reuses the module:
//                    DDPG's actor (head = pre-tanh action) and DQN's
//                    Q-network (head = Q(s, g, .)); see config.algorithm.
//   [global sigma]   log_sigma [action_dim]: a parameter when learned, a
//                    buffer when fixed.
//   [likelihood]     Gaussian density, or with config.censored_likelihood
//                    the clipped Gaussian's: an action on a bound of the box
//                    scores the mass beyond it.
#ifndef HEM_LEARNER_NETWORKS_H_
#define HEM_LEARNER_NETWORKS_H_

#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "learner/input_features.h"
#include "learner/sigma_limits.h"
#include "proto/policy.pb.h"
#include "proto/tensor.pb.h"

namespace hem {

// Fills defaults (hidden_sizes 256,256,256; initial_sigma 0.5) and validates
// the config: valid spec, positive widths, positive finite sigma. Errors name
// the field ("policy_config.hidden_sizes: ...").
absl::StatusOr<hem::v1::PolicyConfig> CompletePolicyConfig(
    hem::v1::PolicyConfig config);

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
  void UpdateNormalizer(const NetworkInputs& inputs) { features_.UpdateNormalizer(inputs); }

  bool discrete() const { return discrete_; }
  const hem::v1::PolicyConfig& config() const { return config_; }

 private:
  const hem::v1::PolicyConfig config_;
  const bool discrete_;
  InputFeatures features_;
  torch::nn::Sequential mlp_{nullptr};
  torch::Tensor log_sigma_;
  // The action box (censored likelihood only); not registered, so the
  // weights archive is unchanged, hence moved to the head's device by
  // LogProb itself, the first time it sees that device.
  torch::Tensor low_, high_;
};
TORCH_MODULE(PolicyNetwork);

// Runs `make` with torch's global generator seeded with `seed`, one such
// call at a time in the process: deterministic initialisation of any module.
void WithTorchSeed(uint64_t seed, const std::function<void()>& make);

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
// Works for any module (HER's critic and target networks too).
std::vector<NamedTensor> SnapshotNetwork(torch::nn::Module& network);

// The snapshot as an ordered name -> tensor archive (torch serialisation
// format). Round-trips bit-exactly through LoadNetwork.
absl::StatusOr<std::string> SerializeTensors(const std::vector<NamedTensor>& tensors);

// SerializeTensors(SnapshotNetwork(network)).
absl::StatusOr<std::string> SerializeNetwork(torch::nn::Module& network);

// Loads SerializeNetwork's output. Checks every tensor's presence, dtype and
// shape before touching the network, so a mismatch leaves it unchanged.
absl::Status LoadNetwork(absl::string_view bytes, torch::nn::Module& network);

// Fixes LibTorch's intra-op threads and, when LibTorch runs on OpenBLAS, the
// OpenBLAS pool too (its workers otherwise spin on every core, whatever
// at::set_num_threads says). Inter-op threads are set once per process.
void SetTorchThreads(int intra_op, int inter_op);

// Sets flush-to-zero and denormals-are-zero for the calling thread's float
// arithmetic (per thread on x86), as every thread that trains on the CPU
// should: values below 1.2e-38 become 0 instead of costing ~100 cycles per
// operation. No effect on CUDA kernels.
void FlushDenormalsOnThisThread();

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

// A module built by `make` under WithTorchSeed(seed) (deterministic
// initialisation); torch errors become INTERNAL naming `what`.
template <typename Module>
absl::StatusOr<Module> MakeSeeded(absl::string_view what, uint64_t seed,
                                  const std::function<Module()>& make) {
  Module module{nullptr};
  absl::Status status = CatchTorch(what, [&] {
    WithTorchSeed(seed, [&] { module = make(); });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return module;
}

}  // namespace hem

#endif  // HEM_LEARNER_NETWORKS_H_
