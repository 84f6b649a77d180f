// HER's acting policies on top of an hEM policy's deterministic head (see
// her_policy.h).
#include "learner/her_policy.h"

#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/env_spec_util.h"

namespace hem {
namespace {

class HerPolicy final : public Policy {
 public:
  HerPolicy(hem::v1::PolicyConfig config, std::unique_ptr<Policy> head)
      : config_(std::move(config)), head_(std::move(head)) {
    if (config_.algorithm() == hem::v1::ALGORITHM_DDPG_HER) {
      const auto& box = config_.spec().action_space().box();
      for (int i = 0; i < box.low_size(); ++i) {
        centre_.push_back(0.5f * (box.high(i) + box.low(i)));
        half_width_.push_back(0.5f * (box.high(i) - box.low(i)));
      }
    }
  }

  absl::Status LoadWeights(const hem::v1::PolicyWeights& weights) override {
    if (weights.config().algorithm() != config_.algorithm()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "weights.config.algorithm: ", hem::v1::Algorithm_Name(weights.config().algorithm()),
          " differs from the policy's ", hem::v1::Algorithm_Name(config_.algorithm())));
    }
    return head_->LoadWeights(weights);
  }

  absl::Status Act(const PolicyInputs& inputs, bool /*deterministic*/,
                   absl::Span<float> actions) override {
    // The head's deterministic action is its raw output (continuous) or its
    // argmax (discrete): DQN's greedy action as it is, DDPG's pre-tanh one.
    absl::Status status = head_->Act(inputs, /*deterministic=*/true, actions);
    if (!status.ok() || centre_.empty()) return status;
    const size_t dim = centre_.size();
    for (size_t i = 0; i < actions.size(); ++i) {
      actions[i] = centre_[i % dim] + half_width_[i % dim] * std::tanh(actions[i]);
    }
    return absl::OkStatus();
  }

  absl::Status LogProb(const PolicyInputs&, absl::Span<const float>,
                       absl::Span<float>) override {
    return absl::FailedPreconditionError(
        "LogProb: HER policies are deterministic (no action distribution)");
  }

  int64_t version() const override { return head_->version(); }
  const hem::v1::PolicyConfig& config() const override { return config_; }

 private:
  const hem::v1::PolicyConfig config_;
  const std::unique_ptr<Policy> head_;
  std::vector<float> centre_, half_width_;  // DDPG: the action box.
};

}  // namespace

bool IsHerPolicy(const hem::v1::PolicyConfig& config) {
  return config.algorithm() == hem::v1::ALGORITHM_DDPG_HER ||
         config.algorithm() == hem::v1::ALGORITHM_DQN_HER;
}

absl::StatusOr<std::unique_ptr<Policy>> MakeHerPolicy(const hem::v1::PolicyConfig& config,
                                                      uint64_t seed) {
  if (!IsHerPolicy(config)) {
    return absl::InvalidArgumentError("policy_config.algorithm: not a HER algorithm");
  }
  hem::v1::PolicyConfig head_config = config;
  head_config.set_algorithm(hem::v1::ALGORITHM_HEM);
  absl::StatusOr<std::unique_ptr<Policy>> head = Policy::Create(head_config, seed);
  if (!head.ok()) return head.status();
  // The completed config (default widths filled in), as HER's.
  hem::v1::PolicyConfig completed = (*head)->config();
  completed.set_algorithm(config.algorithm());
  if ((completed.algorithm() == hem::v1::ALGORITHM_DDPG_HER) == IsDiscrete(completed.spec())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy_config.algorithm: ", hem::v1::Algorithm_Name(completed.algorithm()),
        " does not fit the task's action space"));
  }
  return std::unique_ptr<Policy>(new HerPolicy(std::move(completed), *std::move(head)));
}

}  // namespace hem
