// Policy on top of PolicyNetwork, for inference on CPU (actors, evaluators,
// tests). Sampling uses the policy's own std::mt19937_64, so a seeded policy
// acts reproducibly whatever other threads do with torch's global generator.
#include "learner/policy.h"

#include <cmath>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/env_spec_util.h"
#include "learner/networks.h"

namespace hem {
namespace {

class TorchPolicy final : public Policy {
 public:
  TorchPolicy(hem::v1::PolicyConfig config, PolicyNetwork network, uint64_t seed)
      : config_(std::move(config)),
        network_(std::move(network)),
        rng_(seed),
        action_dim_(ActionDim(config_.spec())) {
    network_->eval();
  }

  absl::Status LoadWeights(const hem::v1::PolicyWeights& weights) override {
    if (weights.config().spec().spec_id() != config_.spec().spec_id()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "weights.config.spec.spec_id: ", weights.config().spec().spec_id(),
          " differs from the policy's ", config_.spec().spec_id(), " (",
          config_.spec().env_name(), ")"));
    }
    absl::Status status = LoadNetwork(weights.weights(), *network_);
    if (!status.ok()) return status;
    version_ = weights.version();
    return absl::OkStatus();
  }

  absl::Status Act(const PolicyInputs& inputs, bool deterministic,
                   absl::Span<float> actions) override {
    const size_t expected = static_cast<size_t>(inputs.batch_size) * action_dim_;
    if (actions.size() != expected) {
      return absl::InvalidArgumentError(
          absl::StrCat("actions: size ", actions.size(), ", expected batch_size * ",
                       action_dim_, " = ", expected));
    }
    return CatchTorch("Policy::Act", [&]() -> absl::Status {
      c10::InferenceMode guard;
      torch::Tensor head;
      absl::Status status = Head(inputs, &head);
      if (!status.ok()) return status;
      head = head.contiguous();
      const float* out = head.data_ptr<float>();
      const int B = inputs.batch_size;
      if (network_->discrete()) {
        const int n = static_cast<int>(head.size(1));
        for (int b = 0; b < B; ++b) {
          actions[b] = static_cast<float>(
              deterministic ? ArgMax(out + b * n, n) : SampleLogits(out + b * n, n));
        }
        return absl::OkStatus();
      }
      std::memcpy(actions.data(), out, expected * sizeof(float));
      if (!deterministic) {
        torch::Tensor sigma = network_->Sigma().contiguous();
        const float* s = sigma.data_ptr<float>();
        std::normal_distribution<float> normal(0.0f, 1.0f);
        for (int b = 0; b < B; ++b) {
          for (int i = 0; i < action_dim_; ++i) {
            actions[b * action_dim_ + i] += s[i] * normal(rng_);
          }
        }
      }
      return absl::OkStatus();
    });
  }

  absl::Status LogProb(const PolicyInputs& inputs, absl::Span<const float> actions,
                       absl::Span<float> log_probs) override {
    const int B = inputs.batch_size;
    if (actions.size() != static_cast<size_t>(B) * action_dim_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "actions: size ", actions.size(), ", expected ", B * action_dim_));
    }
    if (log_probs.size() != static_cast<size_t>(B)) {
      return absl::InvalidArgumentError(
          absl::StrCat("log_probs: size ", log_probs.size(), ", expected ", B));
    }
    return CatchTorch("Policy::LogProb", [&]() -> absl::Status {
      c10::InferenceMode guard;
      torch::Tensor head;
      absl::Status status = Head(inputs, &head);
      if (!status.ok()) return status;
      torch::Tensor a =
          torch::from_blob(const_cast<float*>(actions.data()), {B, action_dim_});
      if (network_->discrete()) a = a.reshape({B}).round().to(torch::kLong);
      torch::Tensor lp = network_->LogProb(head, a).contiguous();
      std::memcpy(log_probs.data(), lp.data_ptr<float>(), B * sizeof(float));
      return absl::OkStatus();
    });
  }

  int64_t version() const override { return version_; }
  const hem::v1::PolicyConfig& config() const override { return config_; }

 private:
  // Wraps the caller's arrays (no copy) and runs the network.
  absl::Status Head(const PolicyInputs& inputs, torch::Tensor* head) {
    const hem::v1::EnvSpec& spec = config_.spec();
    const int B = inputs.batch_size;
    if (B <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("inputs.batch_size: ", B, " must be >= 1"));
    }
    NetworkInputs net;
    std::vector<int64_t> obs_shape = {B};
    for (int64_t d : spec.observation().shape()) obs_shape.push_back(d);
    if (spec.observation().dtype() == hem::v1::DTYPE_UINT8) {
      if (inputs.images == nullptr) {
        return absl::InvalidArgumentError("inputs.images: null for an image task");
      }
      net.observations = torch::from_blob(const_cast<uint8_t*>(inputs.images),
                                          obs_shape, torch::kUInt8);
    } else {
      if (inputs.states == nullptr) {
        return absl::InvalidArgumentError("inputs.states: null");
      }
      net.observations =
          torch::from_blob(const_cast<float*>(inputs.states), obs_shape);
    }
    if (spec.has_goal_observation()) {
      if (inputs.goal_images == nullptr) {
        return absl::InvalidArgumentError(
            "inputs.goal_images: null for a task with image goals");
      }
      std::vector<int64_t> goal_shape = {B};
      for (int64_t d : spec.goal_observation().shape()) goal_shape.push_back(d);
      net.goal_images = torch::from_blob(const_cast<uint8_t*>(inputs.goal_images),
                                         goal_shape, torch::kUInt8);
    } else {
      if (inputs.goals == nullptr) {
        return absl::InvalidArgumentError("inputs.goals: null");
      }
      net.goals = torch::from_blob(const_cast<float*>(inputs.goals),
                                   {B, static_cast<int64_t>(spec.goal_dim())});
    }
    *head = network_->Forward(net);
    return absl::OkStatus();
  }

  static int ArgMax(const float* logits, int n) {
    int best = 0;
    for (int i = 1; i < n; ++i) {
      if (logits[i] > logits[best]) best = i;
    }
    return best;
  }

  int SampleLogits(const float* logits, int n) {
    const float max_logit = logits[ArgMax(logits, n)];
    double total = 0;
    std::vector<double> weights(n);
    for (int i = 0; i < n; ++i) {
      weights[i] = std::exp(static_cast<double>(logits[i]) - max_logit);
      total += weights[i];
    }
    double u = std::uniform_real_distribution<double>(0.0, total)(rng_);
    for (int i = 0; i < n; ++i) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return n - 1;
  }

  const hem::v1::PolicyConfig config_;
  PolicyNetwork network_;
  std::mt19937_64 rng_;
  const int action_dim_;
  int64_t version_ = -1;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Policy>> Policy::Create(
    const hem::v1::PolicyConfig& config, uint64_t seed) {
  absl::StatusOr<hem::v1::PolicyConfig> completed = CompletePolicyConfig(config);
  if (!completed.ok()) return completed.status();
  absl::StatusOr<PolicyNetwork> network = MakePolicyNetwork(*completed, seed);
  if (!network.ok()) return network.status();
  return std::unique_ptr<Policy>(
      new TorchPolicy(*std::move(completed), *std::move(network), seed));
}

absl::StatusOr<hem::v1::PolicyWeights> InitialPolicyWeights(
    const hem::v1::PolicyConfig& config, uint64_t seed, int64_t version) {
  absl::StatusOr<hem::v1::PolicyConfig> completed = CompletePolicyConfig(config);
  if (!completed.ok()) return completed.status();
  absl::StatusOr<PolicyNetwork> network = MakePolicyNetwork(*completed, seed);
  if (!network.ok()) return network.status();
  absl::StatusOr<std::string> bytes = SerializeNetwork(**network);
  if (!bytes.ok()) return bytes.status();
  hem::v1::PolicyWeights weights;
  weights.set_version(version);
  *weights.mutable_config() = *std::move(completed);
  weights.set_weights(*std::move(bytes));
  return weights;
}

void SetPolicyThreads(int intra_op_threads, int inter_op_threads) {
  SetTorchThreads(intra_op_threads, inter_op_threads);
}

absl::StatusOr<std::unique_ptr<Policy>> Policy::FromWeights(
    const hem::v1::PolicyWeights& weights) {
  // Every actor must draw its own exploration noise: seed from the OS.
  std::random_device entropy;
  const uint64_t seed = (static_cast<uint64_t>(entropy()) << 32) ^ entropy();
  absl::StatusOr<std::unique_ptr<Policy>> policy = Create(weights.config(), seed);
  if (!policy.ok()) return policy.status();
  absl::Status status = (*policy)->LoadWeights(weights);
  if (!status.ok()) return status;
  return policy;
}

}  // namespace hem
