// Encoder and normaliser in front of every learner network (see
// input_features.h).
#include "learner/input_features.h"

#include "absl/strings/str_cat.h"
#include "common/env_spec_util.h"

namespace hem {
namespace {

// Normaliser std floor: a coordinate that never varies (a bit that is always
// 0 so far) must not be blown up by 1/sqrt(0).
constexpr double kMinStd = 1e-2;

struct ConvLayer {
  int channels, kernel, stride;
};
// The paper's encoder (Appendix C.2).
constexpr ConvLayer kEncoder[] = {{32, 8, 4}, {64, 4, 2}, {64, 3, 2}};

// The zero padding (each side) a layer needs so that its windows reach the
// last row of a width-wide input. The paper leaves padding open; without it
// a 48 px image ends at a 1x1 map that sees only pixels 0-35, so a ball or
// fingertip in the right or bottom quarter was invisible. 84 px (and 36)
// need none.
int OutputWidth(const ConvLayer& layer, int width, int pad) {
  return (width + 2 * pad - layer.kernel) / layer.stride + 1;
}

int CoveringPadding(const ConvLayer& layer, int width) {
  for (int pad = 0;; ++pad) {
    const int last_seen =
        (OutputWidth(layer, width, pad) - 1) * layer.stride + layer.kernel - 1 - pad;
    if (last_seen >= width - 1) return pad;
  }
}

// Spatial size after the encoder for a width x width input; <= 0 if too small.
int EncodedWidth(int width) {
  for (const ConvLayer& layer : kEncoder) {
    if (width < layer.kernel) return 0;
    width = OutputWidth(layer, width, CoveringPadding(layer, width));
  }
  return width;
}

int64_t EncodedSize(const hem::v1::TensorSpec& image) {
  const int w = EncodedWidth(static_cast<int>(image.shape(0)));
  return static_cast<int64_t>(kEncoder[2].channels) * w * w;
}

bool IsImage(const hem::v1::TensorSpec& spec) {
  return spec.dtype() == hem::v1::DTYPE_UINT8;
}

torch::Tensor Normalize(const torch::Tensor& x, const torch::Tensor& mean,
                        const torch::Tensor& var) {
  if (!mean.defined()) return x;
  return ((x - mean) / NormalizerStd(var)).clamp(-kNormClip, kNormClip);
}

void MergeMoments(const torch::Tensor& x, const torch::Tensor& count, torch::Tensor& mean,
                  torch::Tensor& var) {
  const double n_old = count.item<double>();
  const double n_new = static_cast<double>(x.size(0));
  const double n = n_old + n_new;
  torch::Tensor x64 = x.to(torch::kFloat64);
  torch::Tensor batch_mean = x64.mean(0);
  torch::Tensor batch_var = x64.var(0, /*unbiased=*/false);
  torch::Tensor old_mean = mean.to(torch::kFloat64);
  torch::Tensor delta = batch_mean - old_mean;
  torch::Tensor m2 = var.to(torch::kFloat64) * n_old + batch_var * n_new +
                     delta * delta * (n_old * n_new / n);
  mean.copy_(old_mean + delta * (n_new / n));
  var.copy_(m2 / n);
}

}  // namespace

torch::Tensor NormalizerStd(const torch::Tensor& var) {
  return var.clamp_min(kMinStd * kMinStd).sqrt();
}

absl::Status CheckImageSpec(const hem::v1::TensorSpec& spec, absl::string_view field) {
  if (spec.shape_size() != 3 || spec.shape(2) != 3 || spec.shape(0) != spec.shape(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": image tensors must be uint8 [w, w, 3], got rank ", spec.shape_size()));
  }
  if (EncodedWidth(static_cast<int>(spec.shape(0))) <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": image width ", spec.shape(0), " is too small for the encoder (>= 36)"));
  }
  return absl::OkStatus();
}

InputFeatures::InputFeatures(torch::nn::Module& owner, const hem::v1::PolicyConfig& config)
    : image_observations_(IsImage(config.spec().observation())),
      image_goals_(config.spec().has_goal_observation()) {
  const hem::v1::EnvSpec& spec = config.spec();
  if (image_observations_ || image_goals_) {
    torch::nn::Sequential encoder;
    // Observation and goal images share the encoder; CompletePolicyConfig
    // makes them the same width where both exist.
    int width = static_cast<int>(image_observations_ ? spec.observation().shape(0)
                                                     : spec.goal_observation().shape(0));
    int in_channels = 3;
    for (const ConvLayer& layer : kEncoder) {
      const int pad = CoveringPadding(layer, width);
      encoder->push_back(torch::nn::Conv2d(
          torch::nn::Conv2dOptions(in_channels, layer.channels, layer.kernel)
              .stride(layer.stride)
              .padding(pad)));
      encoder->push_back(torch::nn::ReLU());
      in_channels = layer.channels;
      width = OutputWidth(layer, width, pad);
    }
    encoder->push_back(torch::nn::Flatten());
    encoder_ = owner.register_module("encoder", encoder);
  }
  size_ = (image_observations_ ? EncodedSize(spec.observation()) : ObservationSize(spec)) +
          (image_goals_ ? EncodedSize(spec.goal_observation()) : spec.goal_dim());
  if (config.normalize_inputs()) {
    norm_count_ = owner.register_buffer("norm_count", torch::zeros({}, torch::kFloat64));
    if (!image_observations_) {
      obs_mean_ = owner.register_buffer("obs_mean", torch::zeros({ObservationSize(spec)}));
      obs_var_ = owner.register_buffer("obs_var", torch::ones({ObservationSize(spec)}));
    }
    if (!image_goals_) {
      goal_mean_ = owner.register_buffer("goal_mean", torch::zeros({spec.goal_dim()}));
      goal_var_ = owner.register_buffer("goal_var", torch::ones({spec.goal_dim()}));
    }
  }
}

torch::Tensor InputFeatures::Encode(const torch::Tensor& images) {
  // uint8 HWC -> float CHW in [0, 1].
  torch::Tensor x = images.permute({0, 3, 1, 2}).to(torch::kFloat32).div_(255.0);
  return encoder_->forward(x);
}

torch::Tensor InputFeatures::Forward(const NetworkInputs& inputs) {
  torch::Tensor state = image_observations_
                            ? Encode(inputs.observations)
                            : Normalize(inputs.observations, obs_mean_, obs_var_);
  torch::Tensor goal = image_goals_ ? Encode(inputs.goal_images)
                                    : Normalize(inputs.goals, goal_mean_, goal_var_);
  return torch::cat({state, goal}, /*dim=*/1);
}

void InputFeatures::UpdateNormalizer(const NetworkInputs& inputs) {
  if (!norm_count_.defined() || inputs.goals.size(0) == 0) return;
  torch::NoGradGuard no_grad;
  if (obs_mean_.defined()) MergeMoments(inputs.observations, norm_count_, obs_mean_, obs_var_);
  if (goal_mean_.defined()) MergeMoments(inputs.goals, norm_count_, goal_mean_, goal_var_);
  norm_count_.add_(static_cast<double>(inputs.goals.size(0)));
}

}  // namespace hem
