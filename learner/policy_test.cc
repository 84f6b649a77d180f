// Policy: the contract actors rely on (shapes, determinism, round trips,
// errors), exercised on real LibTorch networks.
#include "learner/policy.h"

#include <cmath>
#include <random>
#include <vector>

#include "common/env_catalog.h"
#include "common/env_spec_util.h"
#include "gtest/gtest.h"
#include "learner/networks.h"

namespace hem {
namespace {

hem::v1::PolicyConfig ConfigFor(const std::string& env, bool normalize = false) {
  hem::v1::PolicyConfig config;
  *config.mutable_spec() = MakeEnvSpec(env).value();
  config.add_hidden_sizes(32);
  config.add_hidden_sizes(32);
  config.set_learn_sigma(true);
  config.set_initial_sigma(0.3f);
  config.set_normalize_inputs(normalize);
  return config;
}

std::vector<float> RandomVector(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

std::vector<uint8_t> RandomImage(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t& x : v) x = static_cast<uint8_t>(rng() & 0xff);
  return v;
}

// Serialises a network the way the learner does.
hem::v1::PolicyWeights WeightsOf(PolicyNetworkImpl& network, int64_t version) {
  hem::v1::PolicyWeights weights;
  weights.set_version(version);
  *weights.mutable_config() = network.config();
  weights.set_weights(SerializeNetwork(network).value());
  return weights;
}

TEST(Policy, ContinuousActHasActionShapeAndDeterministicIsRepeatable) {
  auto policy = Policy::Create(ConfigFor("nav:k=3"), 7).value();
  const int B = 5;
  std::vector<float> s = RandomVector(B * 3, 1), g = RandomVector(B * 3, 2);
  PolicyInputs in{B, s.data(), nullptr, g.data(), nullptr};
  std::vector<float> a1(B * 3), a2(B * 3);
  ASSERT_TRUE(policy->Act(in, true, absl::MakeSpan(a1)).ok());
  ASSERT_TRUE(policy->Act(in, true, absl::MakeSpan(a2)).ok());
  EXPECT_EQ(a1, a2);
  ASSERT_TRUE(policy->Act(in, false, absl::MakeSpan(a2)).ok());
  EXPECT_NE(a1, a2);
  EXPECT_EQ(policy->version(), -1);
}

TEST(Policy, StochasticActSamplesAroundMeanWithSigma) {
  auto policy = Policy::Create(ConfigFor("nav:k=1"), 3).value();
  const int B = 4000;
  std::vector<float> s(B, 0.25f), g(B, -0.5f);
  PolicyInputs in{B, s.data(), nullptr, g.data(), nullptr};
  std::vector<float> mean(B), sample(B);
  ASSERT_TRUE(policy->Act(in, true, absl::MakeSpan(mean)).ok());
  ASSERT_TRUE(policy->Act(in, false, absl::MakeSpan(sample)).ok());
  double sum = 0, sq = 0;
  for (int i = 0; i < B; ++i) {
    const double d = sample[i] - mean[i];
    sum += d;
    sq += d * d;
  }
  EXPECT_NEAR(sum / B, 0.0, 0.03);
  EXPECT_NEAR(std::sqrt(sq / B), 0.3, 0.02);
}

TEST(Policy, SameSeedSamplesSameActions) {
  auto p1 = Policy::Create(ConfigFor("flip_bit:k=6"), 11).value();
  auto p2 = Policy::Create(ConfigFor("flip_bit:k=6"), 11).value();
  const int B = 64;
  std::vector<float> s = RandomVector(B * 6, 1), g = RandomVector(B * 6, 2);
  PolicyInputs in{B, s.data(), nullptr, g.data(), nullptr};
  std::vector<float> a1(B), a2(B);
  ASSERT_TRUE(p1->Act(in, false, absl::MakeSpan(a1)).ok());
  ASSERT_TRUE(p2->Act(in, false, absl::MakeSpan(a2)).ok());
  EXPECT_EQ(a1, a2);
  for (float a : a1) {
    EXPECT_EQ(a, std::round(a));
    EXPECT_GE(a, 0);
    EXPECT_LT(a, 6);
  }
}

TEST(Policy, SaveLoadGivesIdenticalActionsAndLogProbs) {
  for (const std::string env : {"nav:k=2", "flip_bit:k=5"}) {
    SCOPED_TRACE(env);
    auto config = CompletePolicyConfig(ConfigFor(env, /*normalize=*/true)).value();
    PolicyNetwork network = MakePolicyNetwork(config, 5).value();
    // Move the normaliser away from its initial state so buffers matter.
    const int B = 16;
    const int obs = ObservationSize(config.spec());
    std::vector<float> s = RandomVector(B * obs, 3), g = RandomVector(B * obs, 4);
    NetworkInputs inputs{torch::from_blob(s.data(), {B, obs}) * 3 + 1,
                         torch::from_blob(g.data(), {B, obs}), torch::Tensor()};
    network->UpdateNormalizer(inputs);
    hem::v1::PolicyWeights weights = WeightsOf(*network, 42);

    auto loaded = Policy::FromWeights(weights).value();
    auto fresh = Policy::Create(config, 999).value();  // Different init.
    ASSERT_TRUE(fresh->LoadWeights(weights).ok());
    EXPECT_EQ(loaded->version(), 42);
    EXPECT_EQ(fresh->version(), 42);

    const int dim = ActionDim(config.spec());
    PolicyInputs in{B, s.data(), nullptr, g.data(), nullptr};
    std::vector<float> a1(B * dim), a2(B * dim), lp1(B), lp2(B);
    ASSERT_TRUE(loaded->Act(in, true, absl::MakeSpan(a1)).ok());
    ASSERT_TRUE(fresh->Act(in, true, absl::MakeSpan(a2)).ok());
    EXPECT_EQ(a1, a2);
    ASSERT_TRUE(loaded->LogProb(in, a1, absl::MakeSpan(lp1)).ok());
    ASSERT_TRUE(fresh->LogProb(in, a1, absl::MakeSpan(lp2)).ok());
    EXPECT_EQ(lp1, lp2);

    // The same numbers as the network that was saved.
    torch::NoGradGuard no_grad;
    NetworkInputs raw{torch::from_blob(s.data(), {B, obs}),
                      torch::from_blob(g.data(), {B, obs}), torch::Tensor()};
    torch::Tensor head = network->Forward(raw);
    torch::Tensor a = torch::from_blob(a1.data(), {B, dim});
    if (network->discrete()) a = a.reshape({B}).to(torch::kLong);
    torch::Tensor lp = network->LogProb(head, a).contiguous();
    for (int i = 0; i < B; ++i) EXPECT_EQ(lp1[i], lp.data_ptr<float>()[i]);
    // Serialising again gives the same tensors back.
    PolicyNetwork copy = MakePolicyNetwork(config, 77).value();
    ASSERT_TRUE(LoadNetwork(weights.weights(), *copy).ok());
    auto p1 = network->named_buffers();
    auto p2 = copy->named_buffers();
    for (const auto& item : p1) EXPECT_TRUE(torch::equal(item.value(), p2[item.key()]));
  }
}

TEST(Policy, ImagePolicyForwardShapes) {
  for (const std::string env :
       {"fetch_reach:image=48", "fetch_reach:image=84", "sawyer_reach:image=48,image_goal=1",
        "sawyer_reach:image=84,image_goal=1"}) {
    SCOPED_TRACE(env);
    auto policy = Policy::Create(ConfigFor(env), 1).value();
    const hem::v1::EnvSpec& spec = policy->config().spec();
    const int B = 3;
    std::vector<uint8_t> images = RandomImage(B * ObservationSize(spec), 5);
    std::vector<uint8_t> goal_images = RandomImage(B * ObservationSize(spec), 6);
    std::vector<float> goals = RandomVector(B * spec.goal_dim(), 7);
    PolicyInputs in{B, nullptr, images.data(), goals.data(),
                    spec.has_goal_observation() ? goal_images.data() : nullptr};
    std::vector<float> actions(B * ActionDim(spec));
    ASSERT_TRUE(policy->Act(in, true, absl::MakeSpan(actions)).ok());
    // Different images give different actions: the encoder is wired in.
    std::vector<uint8_t> other = RandomImage(B * ObservationSize(spec), 8);
    in.images = other.data();
    std::vector<float> actions2(actions.size());
    ASSERT_TRUE(policy->Act(in, true, absl::MakeSpan(actions2)).ok());
    EXPECT_NE(actions, actions2);
    // The image network round-trips too.
    auto config = CompletePolicyConfig(ConfigFor(env)).value();
    PolicyNetwork network = MakePolicyNetwork(config, 1).value();
    ASSERT_TRUE(policy->LoadWeights(WeightsOf(*network, 3)).ok());
  }
}

TEST(Policy, WeightsOfAnotherNetworkAreRejectedAndPolicyUnchanged) {
  auto policy = Policy::Create(ConfigFor("nav:k=2"), 1).value();
  std::vector<float> s = {0.1f, 0.2f}, g = {0.3f, -0.4f}, before(2), after(2);
  PolicyInputs in{1, s.data(), nullptr, g.data(), nullptr};
  ASSERT_TRUE(policy->Act(in, true, absl::MakeSpan(before)).ok());

  auto other_config = ConfigFor("nav:k=2");
  other_config.add_hidden_sizes(16);
  other_config = CompletePolicyConfig(other_config).value();
  PolicyNetwork other = MakePolicyNetwork(other_config, 2).value();
  absl::Status status = policy->LoadWeights(WeightsOf(*other, 9));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find("weights: tensor"), absl::string_view::npos) << status;

  hem::v1::PolicyWeights garbage = WeightsOf(*other, 9);
  garbage.set_weights("not a torch archive");
  EXPECT_FALSE(policy->LoadWeights(garbage).ok());

  hem::v1::PolicyWeights wrong_env = WeightsOf(*other, 9);
  *wrong_env.mutable_config()->mutable_spec() = MakeEnvSpec("nav:k=3").value();
  EXPECT_EQ(policy->LoadWeights(wrong_env).code(), absl::StatusCode::kInvalidArgument);

  ASSERT_TRUE(policy->Act(in, true, absl::MakeSpan(after)).ok());
  EXPECT_EQ(before, after);
  EXPECT_EQ(policy->version(), -1);
}

TEST(Policy, BadInputsAreInvalidArgument) {
  auto policy = Policy::Create(ConfigFor("nav:k=2"), 1).value();
  std::vector<float> s(4), g(4), a(4);
  EXPECT_EQ(policy->Act({2, nullptr, nullptr, g.data(), nullptr}, true,
                        absl::MakeSpan(a)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(policy->Act({2, s.data(), nullptr, g.data(), nullptr}, true,
                        absl::MakeSpan(a.data(), 3)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(policy->Act({0, s.data(), nullptr, g.data(), nullptr}, true,
                        absl::MakeSpan(a.data(), 0)).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Policy, BadConfigsNameTheField) {
  hem::v1::PolicyConfig config = ConfigFor("nav:k=2");
  config.add_hidden_sizes(0);
  auto bad = Policy::Create(config, 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("hidden_sizes"), absl::string_view::npos);
  config = ConfigFor("nav:k=2");
  config.set_initial_sigma(-1);
  EXPECT_NE(Policy::Create(config, 1).status().message().find("initial_sigma"),
            absl::string_view::npos);
  config = ConfigFor("nav:k=2");
  config.mutable_spec()->set_horizon(0);
  EXPECT_FALSE(Policy::Create(config, 1).ok());
  EXPECT_FALSE(Policy::Create(hem::v1::PolicyConfig(), 1).ok());
}

}  // namespace
}  // namespace hem
