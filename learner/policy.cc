// Policy on top of PolicyNetwork, for inference on CPU (actors, evaluators,
// tests). Sampling uses the policy's own std::mt19937_64, so a seeded policy
// acts reproducibly whatever other threads do with torch's global generator.
// MLP policies act through LeanMlp, unpacked from the network after every
// weight load; the network itself still parses weights and serves LogProb.
#include "learner/policy.h"

#include <cmath>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/env_spec_util.h"
#include "common/status_macros.h"
#include "learner/her_policy.h"
#include "learner/lean_weights.h"
#include "learner/networks.h"

namespace hem {
namespace {

class TorchPolicy final : public Policy {
 public:
  // `lean`: Act runs the MLP through LeanMlp rather than LibTorch.
  // REQUIRES: Unpack() before the first Act.
  TorchPolicy(hem::v1::PolicyConfig config, PolicyNetwork network, uint64_t seed, bool lean)
      : config_(std::move(config)),
        network_(std::move(network)),
        rng_(seed),
        action_dim_(ActionDim(config_.spec())),
        discrete_(IsDiscrete(config_.spec())),
        head_width_(discrete_ ? NumDiscreteActions(config_.spec()) : action_dim_),
        lean_enabled_(lean) {
    network_->eval();
  }

  // Copies what Act reads from the network's current parameters: sigma and,
  // on the lean path, the unpacked MLP (swapped in whole).
  absl::Status Unpack() {
    return CatchTorch("unpacking the policy", [&]() -> absl::Status {
      torch::NoGradGuard no_grad;
      std::vector<float> sigma;
      if (!discrete_) {
        torch::Tensor s = network_->Sigma().contiguous();
        sigma.assign(s.data_ptr<float>(), s.data_ptr<float>() + s.numel());
      }
      std::unique_ptr<LeanMlp> lean;
      if (lean_enabled_) {
        HEM_ASSIGN_OR_RETURN(lean, LeanMlp::Create(LeanWeightsOf(*network_)));
      }
      sigma_ = std::move(sigma);
      lean_ = std::move(lean);
      return absl::OkStatus();
    });
  }

  absl::Status LoadWeights(const hem::v1::PolicyWeights& weights) override {
    if (weights.config().spec().spec_id() != config_.spec().spec_id()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "weights.config.spec.spec_id: ", weights.config().spec().spec_id(),
          " differs from the policy's ", config_.spec().spec_id(), " (",
          config_.spec().env_name(), ")"));
    }
    HEM_RETURN_IF_ERROR(LoadNetwork(weights.weights(), *network_));
    // Unpack fails only without memory; the network is then ahead of Act.
    HEM_RETURN_IF_ERROR(Unpack());
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
    HEM_RETURN_IF_ERROR(CheckInputs(inputs));
    if (lean_ != nullptr) {
      // Continuous: the mean goes straight into the action buffer.
      float* head = actions.data();
      if (discrete_) {
        logits_.resize(static_cast<size_t>(inputs.batch_size) * head_width_);
        head = logits_.data();
      }
      lean_->Forward(inputs.batch_size, inputs.states, inputs.goals, head);
      ChooseActions(head, inputs.batch_size, deterministic, actions);
      return absl::OkStatus();
    }
    return CatchTorch("Policy::Act", [&]() -> absl::Status {
      c10::InferenceMode guard;
      torch::Tensor head = Head(inputs).contiguous();
      ChooseActions(head.data_ptr<float>(), inputs.batch_size, deterministic, actions);
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
    HEM_RETURN_IF_ERROR(CheckInputs(inputs));
    return CatchTorch("Policy::LogProb", [&]() -> absl::Status {
      c10::InferenceMode guard;
      torch::Tensor head = Head(inputs);
      torch::Tensor a =
          torch::from_blob(const_cast<float*>(actions.data()), {B, action_dim_});
      if (discrete_) a = a.reshape({B}).round().to(torch::kLong);
      torch::Tensor lp = network_->LogProb(head, a).contiguous();
      std::memcpy(log_probs.data(), lp.data_ptr<float>(), B * sizeof(float));
      return absl::OkStatus();
    });
  }

  int64_t version() const override { return version_; }
  const hem::v1::PolicyConfig& config() const override { return config_; }

 private:
  absl::Status CheckInputs(const PolicyInputs& inputs) const {
    const hem::v1::EnvSpec& spec = config_.spec();
    if (inputs.batch_size <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("inputs.batch_size: ", inputs.batch_size, " must be >= 1"));
    }
    if (spec.observation().dtype() == hem::v1::DTYPE_UINT8) {
      if (inputs.images == nullptr) {
        return absl::InvalidArgumentError("inputs.images: null for an image task");
      }
    } else if (inputs.states == nullptr) {
      return absl::InvalidArgumentError("inputs.states: null");
    }
    if (spec.has_goal_observation()) {
      if (inputs.goal_images == nullptr) {
        return absl::InvalidArgumentError(
            "inputs.goal_images: null for a task with image goals");
      }
    } else if (inputs.goals == nullptr) {
      return absl::InvalidArgumentError("inputs.goals: null");
    }
    return absl::OkStatus();
  }

  // Wraps the caller's arrays (no copy) and runs the network.
  // REQUIRES: CheckInputs(inputs) is OK.
  torch::Tensor Head(const PolicyInputs& inputs) {
    const hem::v1::EnvSpec& spec = config_.spec();
    const int B = inputs.batch_size;
    NetworkInputs net;
    std::vector<int64_t> obs_shape = {B};
    for (int64_t d : spec.observation().shape()) obs_shape.push_back(d);
    if (spec.observation().dtype() == hem::v1::DTYPE_UINT8) {
      net.observations = torch::from_blob(const_cast<uint8_t*>(inputs.images),
                                          obs_shape, torch::kUInt8);
    } else {
      net.observations =
          torch::from_blob(const_cast<float*>(inputs.states), obs_shape);
    }
    if (spec.has_goal_observation()) {
      std::vector<int64_t> goal_shape = {B};
      for (int64_t d : spec.goal_observation().shape()) goal_shape.push_back(d);
      net.goal_images = torch::from_blob(const_cast<uint8_t*>(inputs.goal_images),
                                         goal_shape, torch::kUInt8);
    } else {
      net.goals = torch::from_blob(const_cast<float*>(inputs.goals),
                                   {B, static_cast<int64_t>(spec.goal_dim())});
    }
    return network_->Forward(net);
  }

  // From the head [B, head_width_] to actions: the argmax or a sample of the
  // logits (discrete), the mean or mean + sigma * N(0, 1) (continuous).
  void ChooseActions(const float* head, int B, bool deterministic,
                     absl::Span<float> actions) {
    if (discrete_) {
      const int n = head_width_;
      for (int b = 0; b < B; ++b) {
        actions[b] = static_cast<float>(
            deterministic ? ArgMax(head + b * n, n) : SampleLogits(head + b * n, n));
      }
      return;
    }
    if (head != actions.data()) {
      std::memcpy(actions.data(), head, actions.size() * sizeof(float));
    }
    if (deterministic) return;
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (int b = 0; b < B; ++b) {
      for (int i = 0; i < action_dim_; ++i) {
        actions[b * action_dim_ + i] += sigma_[i] * normal(rng_);
      }
    }
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
    probabilities_.resize(n);
    for (int i = 0; i < n; ++i) {
      probabilities_[i] = std::exp(static_cast<double>(logits[i]) - max_logit);
      total += probabilities_[i];
    }
    double u = std::uniform_real_distribution<double>(0.0, total)(rng_);
    for (int i = 0; i < n; ++i) {
      u -= probabilities_[i];
      if (u < 0) return i;
    }
    return n - 1;
  }

  const hem::v1::PolicyConfig config_;
  PolicyNetwork network_;
  std::mt19937_64 rng_;
  const int action_dim_;
  const bool discrete_;
  const int head_width_;  // Outputs of the network: logits or the mean.
  const bool lean_enabled_;
  int64_t version_ = -1;
  std::vector<float> sigma_;          // Continuous: exp(clamped log sigma).
  std::unique_ptr<LeanMlp> lean_;     // The lean path's MLP; null = LibTorch.
  std::vector<float> logits_;         // Lean, discrete: scratch head.
  std::vector<double> probabilities_; // SampleLogits scratch (unnormalised).
};

}  // namespace

absl::StatusOr<std::unique_ptr<Policy>> Policy::Create(
    const hem::v1::PolicyConfig& config, uint64_t seed, InferenceEngine engine) {
  if (IsHerPolicy(config)) return MakeHerPolicy(config, seed);  // HER acts its own way.
  absl::StatusOr<hem::v1::PolicyConfig> completed = CompletePolicyConfig(config);
  if (!completed.ok()) return completed.status();
  absl::StatusOr<PolicyNetwork> network = MakePolicyNetwork(*completed, seed);
  if (!network.ok()) return network.status();
  const bool lean = engine == InferenceEngine::kDefault && LeanMlpServes(completed->spec());
  auto policy = std::make_unique<TorchPolicy>(*std::move(completed), *std::move(network),
                                              seed, lean);
  HEM_RETURN_IF_ERROR(policy->Unpack());
  return std::unique_ptr<Policy>(std::move(policy));
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
    const hem::v1::PolicyWeights& weights, InferenceEngine engine) {
  if (IsHerPolicy(weights.config())) {  // HER acts its own way (her_policy.h).
    absl::StatusOr<std::unique_ptr<Policy>> policy = MakeHerPolicy(weights.config(), 0);
    if (!policy.ok()) return policy.status();
    absl::Status status = (*policy)->LoadWeights(weights);
    if (!status.ok()) return status;
    return policy;
  }
  // Every actor must draw its own exploration noise: seed from the OS.
  std::random_device entropy;
  const uint64_t seed = (static_cast<uint64_t>(entropy()) << 32) ^ entropy();
  absl::StatusOr<std::unique_ptr<Policy>> policy = Create(weights.config(), seed, engine);
  if (!policy.ok()) return policy.status();
  absl::Status status = (*policy)->LoadWeights(weights);
  if (!status.ok()) return status;
  return policy;
}

}  // namespace hem
