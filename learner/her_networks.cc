// DDPG's critic and the action box map (see her_networks.h).
#include "learner/her_networks.h"

#include <vector>

#include "common/env_spec_util.h"
#include "learner/networks.h"

namespace hem {

CriticNetworkImpl::CriticNetworkImpl(const hem::v1::PolicyConfig& config)
    : features_(*this, config) {
  torch::nn::Sequential mlp;
  int64_t width = features_.size() + ActionDim(config.spec());
  for (int hidden : config.hidden_sizes()) {
    mlp->push_back(torch::nn::Linear(width, hidden));
    mlp->push_back(torch::nn::ReLU());
    width = hidden;
  }
  mlp->push_back(torch::nn::Linear(width, 1));
  mlp_ = register_module("mlp", mlp);
}

torch::Tensor CriticNetworkImpl::Forward(const NetworkInputs& inputs,
                                         const torch::Tensor& actions) {
  return mlp_->forward(torch::cat({features_.Forward(inputs), actions}, /*dim=*/1))
      .squeeze(1);
}

absl::StatusOr<CriticNetwork> MakeCriticNetwork(const hem::v1::PolicyConfig& config,
                                                uint64_t seed) {
  return MakeSeeded<CriticNetwork>("creating the critic", seed,
                                   [&] { return CriticNetwork(config); });
}

ActionBox ActionBox::FromSpec(const hem::v1::EnvSpec& spec, const torch::Device& device) {
  const auto& box = spec.action_space().box();
  std::vector<float> centre, half_width;
  for (int i = 0; i < box.low_size(); ++i) {
    centre.push_back(0.5f * (box.high(i) + box.low(i)));
    half_width.push_back(0.5f * (box.high(i) - box.low(i)));
  }
  const int64_t n = static_cast<int64_t>(centre.size());
  ActionBox result;
  result.centre = torch::tensor(centre).reshape({n}).to(device);
  result.half_width = torch::tensor(half_width).reshape({n}).to(device);
  return result;
}

torch::Tensor ActionBox::Normalize(const torch::Tensor& actions) const {
  return ((actions - centre) / half_width).clamp(-1.0, 1.0);
}

}  // namespace hem
