// M-step: maximising log pi on a fixed relabeled dataset makes the policy
// imitate the goal-conditioned expert that produced it.
#include "learner/m_step.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include <xmmintrin.h>

#include "common/env_catalog.h"
#include "common/tensor_codec.h"
#include "gtest/gtest.h"
#include "learner/networks.h"
#include "learner/policy.h"
#include "learner/training_batch.h"

namespace hem {
namespace {

// The learner's training thread calls this before its first update: Adam's
// second moments drift into denormal range over a run, and x86 arithmetic on
// denormals is ~100x slower per operation.
TEST(FlushDenormals, DenormalArithmeticGivesZeroAfterTheCall) {
  std::thread([] {
    _mm_setcsr(0x1F80);  // The x86 default: denormals kept.
    volatile float tiny = 1e-39f;  // Below FLT_MIN (1.18e-38): a denormal.
    EXPECT_NE(tiny * 1.0f, 0.0f);
    FlushDenormalsOnThisThread();
    EXPECT_EQ(tiny * 1.0f, 0.0f);
  }).join();
}

struct Dataset {
  torch::Tensor states, goals, actions;
};

PolicyNetwork Network(const std::string& env, bool learn_sigma, float sigma,
                      std::vector<int> hidden = {64, 64}, bool censored = false) {
  hem::v1::PolicyConfig config;
  *config.mutable_spec() = MakeEnvSpec(env).value();
  for (int h : hidden) config.add_hidden_sizes(h);
  config.set_learn_sigma(learn_sigma);
  config.set_initial_sigma(sigma);
  config.set_censored_likelihood(censored);
  return MakePolicyNetwork(CompletePolicyConfig(config).value(), 1).value();
}

// nav expert: a = clip(g - s, -0.2, 0.2).
Dataset NavData(int n, int k, uint64_t seed) {
  torch::manual_seed(seed);
  Dataset d;
  d.states = torch::rand({n, k}) * 2 - 1;
  d.goals = torch::rand({n, k}) * 2 - 1;
  d.actions = (d.goals - d.states).clamp(-0.2, 0.2);
  return d;
}

// flip_bit expert: flip the first bit where state and goal differ.
Dataset FlipBitData(int n, int k, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Dataset d;
  d.states = torch::zeros({n, k});
  d.goals = torch::zeros({n, k});
  d.actions = torch::zeros({n}, torch::kLong);
  for (int i = 0; i < n; ++i) {
    int first = -1;
    while (first < 0) {
      for (int j = 0; j < k; ++j) {
        d.states[i][j] = static_cast<float>(rng() & 1);
        d.goals[i][j] = static_cast<float>(rng() & 1);
      }
      for (int j = 0; j < k && first < 0; ++j) {
        if (d.states[i][j].item<float>() != d.goals[i][j].item<float>()) first = j;
      }
    }
    d.actions[i] = first;
  }
  return d;
}

void Train(MStep& m_step, const Dataset& d, int steps, int batch, uint64_t seed,
           std::vector<double>* losses = nullptr) {
  torch::manual_seed(seed);
  const int64_t n = d.states.size(0);
  for (int step = 0; step < steps; ++step) {
    torch::Tensor idx = torch::randint(n, {batch}, torch::kLong);
    NetworkInputs in{d.states.index_select(0, idx), d.goals.index_select(0, idx),
                     torch::Tensor()};
    MStepStats stats = m_step.Update(in, d.actions.index_select(0, idx)).value();
    if (losses != nullptr) losses->push_back(stats.loss.item<double>());
  }
}

TEST(MStep, NegativeLogLikelihoodGoesDownOnFixedData) {
  Dataset train = NavData(2048, 2, 1);
  PolicyNetwork net = Network("nav:k=2", /*learn_sigma=*/true, 0.5f);
  MStep m_step(net, MStepConfig{});
  NetworkInputs all{train.states, train.goals, torch::Tensor()};
  const double before = m_step.Loss(all, train.actions).value();
  std::vector<double> losses;
  Train(m_step, train, 600, 256, 2, &losses);
  const double after = m_step.Loss(all, train.actions).value();
  EXPECT_LT(after, before - 1.0) << before << " -> " << after;
  // The per-step losses trend down too (last 20 vs first 20).
  double first = 0, last = 0;
  for (int i = 0; i < 20; ++i) {
    first += losses[i];
    last += losses[losses.size() - 1 - i];
  }
  EXPECT_LT(last, first);
}

TEST(MStep, ContinuousPolicyImitatesNavExpert) {
  Dataset train = NavData(8192, 2, 3);
  Dataset test = NavData(1000, 2, 4);
  PolicyNetwork net = Network("nav:k=2", true, 0.5f);
  MStep m_step(net, MStepConfig{1e-3, 0});
  Train(m_step, train, 3000, 256, 5);
  torch::NoGradGuard no_grad;
  net->eval();
  torch::Tensor mean = net->Forward({test.states, test.goals, torch::Tensor()});
  const double mae = (mean - test.actions).abs().mean().item<double>();
  // Actions span [-0.2, 0.2]: a 0.02 mean error is 5% of the range.
  EXPECT_LT(mae, 0.02) << "mean abs error " << mae;
  // A learned sigma shrinks towards the residual error.
  const double sigma = net->Sigma().mean().item<double>();
  EXPECT_LT(sigma, 0.1) << sigma;
}

TEST(MStep, DiscretePolicyImitatesFlipBitExpert) {
  const int k = 8;
  Dataset train = FlipBitData(6000, k, 6);
  Dataset test = FlipBitData(1000, k, 7);
  PolicyNetwork net = Network("flip_bit:k=8", false, 0.5f);
  MStep m_step(net, MStepConfig{});
  Train(m_step, train, 1200, 256, 8);
  torch::NoGradGuard no_grad;
  torch::Tensor logits = net->Forward({test.states, test.goals, torch::Tensor()});
  const double accuracy =
      logits.argmax(1).eq(test.actions).to(torch::kFloat).mean().item<double>();
  EXPECT_GT(accuracy, 0.95) << accuracy;
  // The policy behind policy.h acts the same way.
  hem::v1::PolicyWeights weights;
  *weights.mutable_config() = net->config();
  weights.set_weights(SerializeNetwork(*net).value());
  auto policy = Policy::FromWeights(weights).value();
  torch::Tensor s = test.states.contiguous(), g = test.goals.contiguous();
  std::vector<float> actions(1000);
  ASSERT_TRUE(policy->Act({1000, s.data_ptr<float>(), nullptr, g.data_ptr<float>(),
                           nullptr},
                          true, absl::MakeSpan(actions)).ok());
  int correct = 0;
  for (int i = 0; i < 1000; ++i) {
    correct += static_cast<int>(actions[i]) == test.actions[i].item<int64_t>();
  }
  EXPECT_GT(correct, 950);
}

TEST(MStep, FixedSigmaStaysFixed) {
  Dataset train = NavData(1024, 2, 9);
  PolicyNetwork net = Network("nav:k=2", /*learn_sigma=*/false, 0.4f);
  MStep m_step(net, MStepConfig{});
  std::vector<double> losses;
  Train(m_step, train, 50, 128, 10, &losses);
  EXPECT_NEAR(net->Sigma().mean().item<double>(), 0.4, 1e-6);
  EXPECT_LT(losses.back(), losses.front());
}

TEST(MStep, GradientClippingReportsNorm) {
  Dataset train = NavData(256, 2, 11);
  PolicyNetwork net = Network("nav:k=2", true, 0.05f);
  MStep m_step(net, MStepConfig{1e-3, 0.5});
  NetworkInputs in{train.states, train.goals, torch::Tensor()};
  MStepStats stats = m_step.Update(in, train.actions).value();
  ASSERT_TRUE(stats.grad_norm.defined());
  EXPECT_GT(stats.grad_norm.item<double>(), 0.5);  // Large at sigma=0.05.
  EXPECT_TRUE(std::isfinite(stats.loss.item<double>()));
  EXPECT_TRUE(stats.sigma.defined());
}

PolicyNetwork CensoredNetwork(const std::string& env, bool censored, float sigma) {
  return Network(env, /*learn_sigma=*/true, sigma, {32, 32}, censored);
}

// point_mass's box is [-1, 1]^2. Head (mu) 0.9 and -0.3; sigma 0.5.
TEST(CensoredLikelihood, AnActionOnABoundScoresTheMassBeyondIt) {
  PolicyNetwork net = CensoredNetwork("point_mass", /*censored=*/true, 0.5f);
  torch::Tensor head = torch::tensor({0.9f, -0.3f}).repeat({3, 1});
  // Row 0: both on the upper bound; row 1: both on the lower; row 2: inside.
  torch::Tensor actions = torch::tensor({1.0f, 1.0f, -1.0f, -1.0f, 0.5f, 0.1f}).view({3, 2});
  torch::Tensor lp = net->LogProb(head, actions);
  auto log_phi = [](double x) { return std::log(0.5 * std::erfc(-x / std::sqrt(2.0))); };
  auto log_density = [](double a, double mu) {
    const double z = (a - mu) / 0.5;
    return -0.5 * z * z - std::log(0.5) - 0.5 * std::log(2 * M_PI);
  };
  // P(x >= 1) = Phi((mu - 1) / sigma); P(x <= -1) = Phi((-1 - mu) / sigma).
  EXPECT_NEAR(lp[0].item<double>(), log_phi(-0.2) + log_phi(-2.6), 1e-5);
  EXPECT_NEAR(lp[1].item<double>(), log_phi(-3.8) + log_phi(-1.4), 1e-5);
  EXPECT_NEAR(lp[2].item<double>(), log_density(0.5, 0.9) + log_density(0.1, -0.3), 1e-5);
  // Without the option every row is the Gaussian density.
  PolicyNetwork plain = CensoredNetwork("point_mass", /*censored=*/false, 0.5f);
  EXPECT_NEAR(plain->LogProb(head, actions)[0].item<double>(),
              log_density(1.0, 0.9) + log_density(1.0, -0.3), 1e-5);
}

// Behaviour: a = clip(0.9 + 0.5 eps, -1, 1) in every state, as an actor's
// clipped noisy action. The Gaussian fit's mean is E[a] ~ 0.75 (the clipped
// tail pulls it in); the censored fit recovers 0.9 and sigma 0.5.
TEST(CensoredLikelihood, RecoversTheMeanOfClippedActionsWhereTheDensityDoesNot) {
  torch::manual_seed(12);
  const int n = 8192;
  Dataset d;
  d.states = torch::rand({n, 4}) * 2 - 1;
  d.goals = torch::rand({n, 2}) * 2 - 1;
  d.actions = (0.9 + 0.5 * torch::randn({n, 2})).clamp(-1, 1);
  for (bool censored : {false, true}) {
    PolicyNetwork net = CensoredNetwork("point_mass", censored, 0.3f);
    MStep m_step(net, MStepConfig{3e-3, 0});
    Train(m_step, d, 1500, 256, 13);
    torch::NoGradGuard no_grad;
    const double mean =
        net->Forward({d.states, d.goals, torch::Tensor()}).mean().item<double>();
    const double sigma = net->Sigma().mean().item<double>();
    if (censored) {
      EXPECT_NEAR(mean, 0.9, 0.04) << "censored";
      EXPECT_NEAR(sigma, 0.5, 0.04) << "censored";
    } else {
      EXPECT_NEAR(mean, 0.75, 0.04) << "Gaussian";
    }
  }
}

TEST(TrainingBatch, DecodesAndRejectsMalformedBatches) {
  hem::v1::EnvSpec spec = MakeEnvSpec("flip_bit:k=4").value();
  hem::v1::Batch batch;
  batch.set_spec_id(spec.spec_id());
  batch.set_size(2);
  std::vector<float> obs(8, 1.0f), goals(8, 0.0f);
  std::vector<int32_t> actions = {1, 3};
  std::vector<int64_t> versions = {4, 5};
  EncodeTensor<float>(obs, {2, 4}, batch.mutable_observations());
  EncodeTensor<float>(goals, {2, 4}, batch.mutable_goals());
  EncodeTensor<int32_t>(actions, {2}, batch.mutable_actions());
  EncodeTensor<int64_t>(versions, {2}, batch.mutable_policy_versions());
  TrainingBatch decoded = DecodeTrainingBatch(batch, spec, false).value();
  EXPECT_EQ(decoded.size, 2);
  EXPECT_EQ(decoded.actions[1].item<int64_t>(), 3);
  EXPECT_EQ(decoded.policy_versions[0].item<int64_t>(), 4);
  EXPECT_EQ(decoded.inputs.observations.sizes(), (std::vector<int64_t>{2, 4}));

  hem::v1::Batch bad = batch;
  actions[1] = 4;  // Out of range for 4 actions.
  EncodeTensor<int32_t>(actions, {2}, bad.mutable_actions());
  auto status = DecodeTrainingBatch(bad, spec, false).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("batch.actions"), absl::string_view::npos) << status;

  bad = batch;
  EncodeTensor<float>(goals, {4, 2}, bad.mutable_goals());
  status = DecodeTrainingBatch(bad, spec, false).status();
  EXPECT_NE(status.message().find("batch.goals"), absl::string_view::npos) << status;

  bad = batch;
  bad.set_spec_id(spec.spec_id() + 1);
  EXPECT_NE(DecodeTrainingBatch(bad, spec, false).status().message().find("spec_id"),
            absl::string_view::npos);
}

// skip_noop_transitions: rows whose observation did not change are left out
// of the mean, checked against the log-probabilities computed by hand.
TEST(MStep, SkipNoopTransitionsAveragesOverRowsThatMoved) {
  PolicyNetwork net = Network("four_rooms", /*learn_sigma=*/true, 0.5f);
  MStepConfig config;
  config.skip_noop_transitions = true;
  config.learning_rate = 0;  // Keep the network as it is: only the loss is compared.
  MStep m_step(net, config);
  const hem::v1::EnvSpec spec = MakeEnvSpec("four_rooms").value();
  const int64_t obs = spec.observation().shape(0), goal = spec.goal_dim();
  torch::manual_seed(3);
  NetworkInputs in{torch::rand({6, obs}), torch::rand({6, goal}), torch::Tensor()};
  torch::Tensor actions = torch::tensor({0, 1, 2, 3, 0, 1}, torch::kLong);
  torch::Tensor next = in.observations.clone();
  next[1][0] += 0.5;  // Rows 1, 2 and 4 moved; 0, 3 and 5 bumped into walls.
  next[2][1] -= 0.25;
  next[4][0] += 1;
  torch::Tensor log_probs;
  {
    torch::NoGradGuard no_grad;
    log_probs = net->LogProb(net->Forward(in), actions);
  }
  const double expected =
      -(log_probs[1] + log_probs[2] + log_probs[4]).item<double>() / 3;
  MStepStats stats = m_step.Update(in, actions, false, next).value();
  EXPECT_NEAR(stats.loss.item<double>(), expected, 1e-5);
  EXPECT_GT(std::abs(stats.loss.item<double>() + log_probs.mean().item<double>()), 1e-4)
      << "the plain mean would give the same loss: the test cannot tell";

  // Without next observations the step refuses rather than guessing.
  absl::StatusOr<MStepStats> missing = m_step.Update(in, actions, false);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("next_observations"), std::string::npos);
}

TEST(MStep, SkipNoopTransitionsLeavesTheNetworkAloneOnANoopBatch) {
  PolicyNetwork net = Network("four_rooms", /*learn_sigma=*/true, 0.5f);
  MStepConfig config;
  config.skip_noop_transitions = true;
  MStep m_step(net, config);
  const hem::v1::EnvSpec spec = MakeEnvSpec("four_rooms").value();
  torch::manual_seed(4);
  NetworkInputs in{torch::rand({4, spec.observation().shape(0)}),
                   torch::rand({4, spec.goal_dim()}), torch::Tensor()};
  std::vector<torch::Tensor> before;
  for (const torch::Tensor& p : net->parameters()) before.push_back(p.detach().clone());
  MStepStats stats =
      m_step.Update(in, torch::tensor({0, 1, 2, 3}, torch::kLong), false, in.observations).value();
  EXPECT_EQ(stats.loss.item<double>(), 0.0);
  size_t i = 0;
  for (const torch::Tensor& p : net->parameters()) {
    EXPECT_TRUE(torch::equal(p.detach(), before[i++])) << "a parameter moved";
  }
}

}  // namespace
}  // namespace hem
