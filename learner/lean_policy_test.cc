// The lean MLP path against LibTorch's network on random inputs and random
// weights, for every MLP policy type actors run: continuous (Gaussian mean)
// and discrete (logits), with and without the input normaliser. The heads
// agree within 1e-5, argmaxes exactly, and a policy acts the same on either
// engine (same seed, same samples).
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "common/env_catalog.h"
#include "common/env_spec_util.h"
#include "gtest/gtest.h"
#include "learner/lean_mlp.h"
#include "learner/lean_mlp_avx512.h"
#include "learner/lean_weights.h"
#include "learner/networks.h"
#include "learner/policy.h"

namespace hem {
namespace {

constexpr double kTolerance = 1e-5;

const char* const kTasks[] = {"point_mass", "reacher",         "fetch_reach", "sawyer_reach",
                              "nav:k=5",    "flip_bit:k=10",   "four_rooms"};

hem::v1::PolicyConfig ConfigFor(const std::string& env, bool normalize) {
  hem::v1::PolicyConfig config;
  *config.mutable_spec() = MakeEnvSpec(env).value();
  config.set_learn_sigma(true);
  config.set_normalize_inputs(normalize);
  return CompletePolicyConfig(config).value();  // The default 3 x 256 MLP.
}

std::vector<float> Normal(size_t n, float scale, std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

// A network with every parameter redrawn from N(0, 1 / fan_in) (LibTorch's
// default init has a third of that variance), and, when enabled, a
// normaliser fitted to shifted and scaled data (so that some inputs get
// clipped). Heads come out O(1), where float32's rounding is ~1e-7.
PolicyNetwork RandomNetwork(const hem::v1::PolicyConfig& config, uint64_t seed) {
  PolicyNetwork network = MakePolicyNetwork(config, seed).value();
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed);
  for (auto& item : network->named_parameters()) {
    torch::Tensor p = item.value();
    const double fan_in = p.dim() == 2 ? p.size(1) : 16.0;
    p.copy_(torch::randn_like(p) / std::sqrt(fan_in));
  }
  const int obs = ObservationSize(config.spec());
  const int goal = config.spec().goal_dim();
  NetworkInputs inputs{torch::randn({64, obs}) * 2 + 1, torch::randn({64, goal}) * 0.5 - 1,
                       torch::Tensor()};
  network->UpdateNormalizer(inputs);
  return network;
}

hem::v1::PolicyWeights WeightsOf(PolicyNetworkImpl& network) {
  hem::v1::PolicyWeights weights;
  weights.set_version(3);
  *weights.mutable_config() = network.config();
  weights.set_weights(SerializeNetwork(network).value());
  return weights;
}

std::vector<LeanMlp::Kernel> Kernels() {
  std::vector<LeanMlp::Kernel> kernels = {LeanMlp::Kernel::kBlas};
  if (Avx512Supported()) kernels.push_back(LeanMlp::Kernel::kAvx512);
  return kernels;
}

int ArgMax(const float* row, int n) {
  return static_cast<int>(std::max_element(row, row + n) - row);
}

TEST(LeanPolicy, HeadMatchesLibTorchOnRandomInputsAndWeights) {
  for (const char* task : kTasks) {
    for (bool normalize : {false, true}) {
      SCOPED_TRACE(testing::Message() << task << (normalize ? " normalised" : ""));
      const hem::v1::PolicyConfig config = ConfigFor(task, normalize);
      ASSERT_TRUE(LeanMlpServes(config.spec()));
      PolicyNetwork network = RandomNetwork(config, 17);
      const int obs = ObservationSize(config.spec());
      const int goal = config.spec().goal_dim();
      const int n = IsDiscrete(config.spec()) ? NumDiscreteActions(config.spec())
                                              : ActionDim(config.spec());
      for (int batch : {1, 7, 64}) {
        std::mt19937_64 rng(batch);
        std::vector<float> s = Normal(batch * obs, 3.0f, rng);
        std::vector<float> g = Normal(batch * goal, 3.0f, rng);
        torch::Tensor expected;
        {
          c10::InferenceMode guard;
          expected = network
                         ->Forward({torch::from_blob(s.data(), {batch, obs}),
                                    torch::from_blob(g.data(), {batch, goal}), torch::Tensor()})
                         .contiguous();
        }
        ASSERT_EQ(expected.numel(), batch * n);
        const float* want = expected.data_ptr<float>();
        if (batch == 64) {  // Not a comparison of near-zeros.
          EXPECT_GT(expected.abs().max().item<float>(), 0.5f);
        }
        for (LeanMlp::Kernel kernel : Kernels()) {
          SCOPED_TRACE(testing::Message() << "batch " << batch << " kernel "
                                          << static_cast<int>(kernel));
          auto lean = LeanMlp::Create(LeanWeightsOf(*network), kernel);
          ASSERT_TRUE(lean.ok()) << lean.status();
          std::vector<float> head(batch * n);
          (*lean)->Forward(batch, s.data(), g.data(), head.data());
          double max_diff = 0;
          for (int i = 0; i < batch * n; ++i) {
            max_diff = std::max(max_diff, std::abs(static_cast<double>(head[i]) - want[i]));
          }
          EXPECT_LE(max_diff, kTolerance);
          if (IsDiscrete(config.spec())) {
            for (int b = 0; b < batch; ++b) {
              EXPECT_EQ(ArgMax(head.data() + b * n, n), ArgMax(want + b * n, n)) << "row " << b;
            }
          }
        }
      }
    }
  }
}

TEST(LeanPolicy, ActsLikeTheLibTorchPolicy) {
  for (const char* task : kTasks) {
    for (bool normalize : {false, true}) {
      SCOPED_TRACE(testing::Message() << task << (normalize ? " normalised" : ""));
      const hem::v1::PolicyConfig config = ConfigFor(task, normalize);
      PolicyNetwork network = RandomNetwork(config, 29);
      const hem::v1::PolicyWeights weights = WeightsOf(*network);
      // Same seed on both engines: the same noise draws.
      auto torch_policy = Policy::Create(config, 5, InferenceEngine::kLibTorch).value();
      auto lean_policy = Policy::Create(config, 5).value();
      ASSERT_TRUE(torch_policy->LoadWeights(weights).ok());
      ASSERT_TRUE(lean_policy->LoadWeights(weights).ok());
      EXPECT_EQ(lean_policy->version(), 3);

      const int B = 32;
      const int obs = ObservationSize(config.spec());
      const int dim = ActionDim(config.spec());
      std::mt19937_64 rng(11);
      std::vector<float> s = Normal(B * obs, 3.0f, rng);
      std::vector<float> g = Normal(B * config.spec().goal_dim(), 3.0f, rng);
      PolicyInputs in{B, s.data(), nullptr, g.data(), nullptr};
      for (bool deterministic : {true, false}) {
        std::vector<float> a_torch(B * dim), a_lean(B * dim);
        ASSERT_TRUE(torch_policy->Act(in, deterministic, absl::MakeSpan(a_torch)).ok());
        ASSERT_TRUE(lean_policy->Act(in, deterministic, absl::MakeSpan(a_lean)).ok());
        if (IsDiscrete(config.spec())) {
          EXPECT_EQ(a_lean, a_torch) << "deterministic " << deterministic;
        } else {
          for (int i = 0; i < B * dim; ++i) {
            EXPECT_NEAR(a_lean[i], a_torch[i], kTolerance) << "deterministic " << deterministic;
          }
        }
      }
      // FromWeights takes the lean path by default and LibTorch on request.
      auto from_weights = Policy::FromWeights(weights).value();
      std::vector<float> a1(B * dim), a2(B * dim);
      ASSERT_TRUE(from_weights->Act(in, true, absl::MakeSpan(a1)).ok());
      ASSERT_TRUE(lean_policy->Act(in, true, absl::MakeSpan(a2)).ok());
      EXPECT_EQ(a1, a2);
    }
  }
}

TEST(LeanPolicy, ImageTasksAreNotServed) {
  for (const char* task : {"fetch_reach:image=48", "sawyer_reach:image=48,image_goal=1"}) {
    EXPECT_FALSE(LeanMlpServes(MakeEnvSpec(task).value())) << task;
  }
}

}  // namespace
}  // namespace hem
