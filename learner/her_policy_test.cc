// HER's acting policies: what Policy::FromWeights builds from the weights a
// HER learner publishes, and the actions actors and the evaluator get.
#include "learner/her_policy.h"

#include <cmath>
#include <random>
#include <vector>

#include "common/env_catalog.h"
#include "gtest/gtest.h"
#include "learner/algorithm.h"
#include "learner/networks.h"

namespace hem {
namespace {

// A HER learner's acting network for `env` and its published weights.
struct Published {
  PolicyNetwork network{nullptr};
  hem::v1::PolicyWeights weights;
};

Published Publish(const std::string& env, LearnerAlgorithm algo = LearnerAlgorithm::kHer) {
  LearnerConfig config;
  config.env = env;
  config.algo = algo;
  config.hidden_sizes = {32, 32};
  hem::v1::PolicyConfig policy =
      CompletePolicyConfig(ActingPolicyConfig(config, MakeEnvSpec(env).value())).value();
  Published published;
  published.network = MakePolicyNetwork(policy, 3).value();
  published.weights.set_version(4);
  *published.weights.mutable_config() = policy;
  published.weights.set_weights(SerializeNetwork(*published.network).value());
  return published;
}

std::vector<float> RandomVector(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

TEST(HerPolicy, PublishedConfigSaysTheAlgorithmAndExploration) {
  const hem::v1::PolicyConfig ddpg = Publish("nav:k=2").weights.config();
  EXPECT_EQ(ddpg.algorithm(), hem::v1::ALGORITHM_DDPG_HER);
  EXPECT_FLOAT_EQ(ddpg.exploration_noise(), 0.2f);
  EXPECT_FLOAT_EQ(ddpg.random_action_probability(), 0.3f);
  EXPECT_TRUE(ddpg.normalize_inputs());
  const hem::v1::PolicyConfig dqn = Publish("flip_bit:k=4").weights.config();
  EXPECT_EQ(dqn.algorithm(), hem::v1::ALGORITHM_DQN_HER);
  EXPECT_FLOAT_EQ(dqn.exploration_noise(), 0.0f);
  EXPECT_FLOAT_EQ(dqn.random_action_probability(), 0.2f);
  EXPECT_EQ(Publish("nav:k=2", LearnerAlgorithm::kHem).weights.config().algorithm(),
            hem::v1::ALGORITHM_HEM);
}

TEST(HerPolicy, DdpgActsWithTanhOfTheHeadScaledToTheBoxWithOrWithoutDeterministic) {
  Published published = Publish("nav:k=2");  // Box [-0.2, 0.2]^2.
  std::unique_ptr<Policy> policy = Policy::FromWeights(published.weights).value();
  EXPECT_EQ(policy->config().algorithm(), hem::v1::ALGORITHM_DDPG_HER);
  EXPECT_EQ(policy->version(), 4);
  const int B = 6;
  std::vector<float> s = RandomVector(B * 2, 1), g = RandomVector(B * 2, 2);
  std::vector<float> greedy(B * 2), training(B * 2);
  PolicyInputs inputs{B, s.data(), nullptr, g.data(), nullptr};
  ASSERT_TRUE(policy->Act(inputs, true, absl::MakeSpan(greedy)).ok());
  ASSERT_TRUE(policy->Act(inputs, false, absl::MakeSpan(training)).ok());
  EXPECT_EQ(greedy, training);  // The actor adds HER's noise, not the policy.
  torch::NoGradGuard no_grad;
  torch::Tensor head = published.network->Forward(
      {torch::from_blob(s.data(), {B, 2}), torch::from_blob(g.data(), {B, 2}), torch::Tensor()});
  for (int i = 0; i < B * 2; ++i) {
    EXPECT_NEAR(greedy[i], 0.2 * std::tanh(head.view({-1})[i].item<float>()), 1e-5);
    EXPECT_LE(std::fabs(greedy[i]), 0.2f);
  }
  std::vector<float> log_probs(B);
  EXPECT_EQ(policy->LogProb(inputs, greedy, absl::MakeSpan(log_probs)).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(HerPolicy, DqnActsGreedilyOnQ) {
  Published published = Publish("flip_bit:k=4");
  std::unique_ptr<Policy> policy = Policy::FromWeights(published.weights).value();
  const int B = 8;
  std::vector<float> s(B * 4), g(B * 4);
  std::mt19937_64 rng(3);
  for (float& x : s) x = static_cast<float>(rng() & 1);
  for (float& x : g) x = static_cast<float>(rng() & 1);
  std::vector<float> actions(B);
  ASSERT_TRUE(policy->Act({B, s.data(), nullptr, g.data(), nullptr}, false,
                          absl::MakeSpan(actions))
                  .ok());
  torch::NoGradGuard no_grad;
  torch::Tensor q = published.network->Forward(
      {torch::from_blob(s.data(), {B, 4}), torch::from_blob(g.data(), {B, 4}), torch::Tensor()});
  torch::Tensor argmax = std::get<1>(q.max(1));
  for (int b = 0; b < B; ++b) EXPECT_EQ(actions[b], argmax[b].item<int64_t>());
}

TEST(HerPolicy, WeightsOfAnotherAlgorithmAreRejected) {
  std::unique_ptr<Policy> policy = Policy::FromWeights(Publish("nav:k=2").weights).value();
  absl::Status status =
      policy->LoadWeights(Publish("nav:k=2", LearnerAlgorithm::kHem).weights);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  hem::v1::PolicyConfig wrong = Publish("flip_bit:k=4").weights.config();
  wrong.set_algorithm(hem::v1::ALGORITHM_DDPG_HER);  // Discrete actions.
  EXPECT_FALSE(Policy::Create(wrong, 1).ok());
}

}  // namespace
}  // namespace hem
