// The front every learner network shares: the inputs (s, g) turned into one
// feature row per transition. Image observations (and image goals) go
// through the paper's CNN [32,8,4] -> [64,4,2] -> [64,3,2] (ReLU), goal
// images with the same weights; each layer is zero-padded just enough that
// its windows reach the input's last row (48 px: one pixel on the second
// layer, output 2x2; 84 px: none, output 4x4), so every pixel counts.
// Vector observations and goals optionally go through a running mean/std
// normaliser clipped to +-kNormClip. hEM's policy, HER's actor, critic and
// Q-network all build on it, so they see their inputs the same way.
//
// InputFeatures is not a module: it registers its encoder and normaliser
// buffers on the module that owns it, under fixed names ("encoder",
// "norm_count", "obs_mean", "obs_var", "goal_mean", "goal_var"), so the
// owner's serialised weights name them as they always have.
//
// Torch-internal header (learner .cc files only).
#ifndef HEM_LEARNER_INPUT_FEATURES_H_
#define HEM_LEARNER_INPUT_FEATURES_H_

#include <cstdint>

#include <torch/torch.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "proto/policy.pb.h"

namespace hem {

// Normalised inputs are clipped to [-kNormClip, kNormClip].
inline constexpr double kNormClip = 5.0;

// One batch of network inputs, already on the network's device.
struct NetworkInputs {
  torch::Tensor observations;  // float32 [B, obs] or uint8 [B, H, W, 3].
  torch::Tensor goals;         // float32 [B, goal_dim].
  torch::Tensor goal_images;   // uint8 [B, H, W, 3]; undefined unless image goals.
};

// The normaliser's divisor for a running variance `var`: its square root,
// floored so that a coordinate that never varied (a bit that is always 0 so
// far) is not blown up. The lean MLP path (lean_mlp.h) divides by the same.
torch::Tensor NormalizerStd(const torch::Tensor& var);

// OK when `spec` (an observation or goal image spec) fits the encoder:
// uint8 [w, w, 3] with w large enough; INVALID_ARGUMENT naming `field`.
absl::Status CheckImageSpec(const hem::v1::TensorSpec& spec, absl::string_view field);

class InputFeatures {
 public:
  InputFeatures() = default;
  // Registers the encoder (image tasks) and, with config.normalize_inputs,
  // the normaliser buffers on `owner`. REQUIRES: config is complete
  // (CompletePolicyConfig).
  InputFeatures(torch::nn::Module& owner, const hem::v1::PolicyConfig& config);

  // Width of Forward's rows: features(s) + features(g).
  int64_t size() const { return size_; }

  // [B, size()]: features(s) concatenated with features(g).
  torch::Tensor Forward(const NetworkInputs& inputs);

  // Folds a batch into the running normaliser (no-op when disabled).
  // Statistics are merged exactly (Chan et al.'s parallel update).
  void UpdateNormalizer(const NetworkInputs& inputs);

 private:
  torch::Tensor Encode(const torch::Tensor& images);

  bool image_observations_ = false;
  bool image_goals_ = false;
  int64_t size_ = 0;
  torch::nn::Sequential encoder_{nullptr};
  torch::Tensor norm_count_;  // float64 scalar: rows folded in.
  torch::Tensor obs_mean_, obs_var_, goal_mean_, goal_var_;
};

}  // namespace hem

#endif  // HEM_LEARNER_INPUT_FEATURES_H_
