// Copying the policy network out for the lean MLP path (see lean_weights.h).
#include "learner/lean_weights.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/env_spec_util.h"

namespace hem {
namespace {

std::vector<float> Floats(const torch::Tensor& tensor) {
  torch::Tensor t = tensor.detach().to(torch::kFloat32).contiguous();
  return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
}

}  // namespace

bool LeanMlpServes(const hem::v1::EnvSpec& spec) {
  return spec.observation().dtype() != hem::v1::DTYPE_UINT8 && !spec.has_goal_observation();
}

LeanMlpWeights LeanWeightsOf(PolicyNetworkImpl& network) {
  torch::NoGradGuard no_grad;
  const hem::v1::EnvSpec& spec = network.config().spec();
  LeanMlpWeights lean;
  lean.state_dim = static_cast<int>(ObservationSize(spec));
  lean.goal_dim = spec.goal_dim();
  lean.clip = static_cast<float>(kNormClip);
  auto buffers = network.named_buffers();
  if (buffers.contains("obs_mean")) {
    lean.state_mean = Floats(buffers["obs_mean"]);
    lean.state_std = Floats(NormalizerStd(buffers["obs_var"]));
  }
  if (buffers.contains("goal_mean")) {
    lean.goal_mean = Floats(buffers["goal_mean"]);
    lean.goal_std = Floats(NormalizerStd(buffers["goal_var"]));
  }
  // The MLP is a Sequential of Linear and ReLU modules: Linears at even
  // indices. (A different layout fails LeanMlp::Create's shape checks.)
  auto parameters = network.named_parameters();
  for (int index = 0;; index += 2) {
    const std::string prefix = absl::StrCat("mlp.", index, ".");
    const torch::Tensor* weight = parameters.find(prefix + "weight");
    if (weight == nullptr) break;
    LeanLayerWeights layer;
    layer.outputs = static_cast<int>(weight->size(0));
    layer.inputs = static_cast<int>(weight->size(1));
    layer.weight = Floats(*weight);
    layer.bias = Floats(parameters[prefix + "bias"]);
    lean.layers.push_back(std::move(layer));
  }
  return lean;
}

}  // namespace hem
