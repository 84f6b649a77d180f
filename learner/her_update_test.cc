// HER's updates on hand-computed batches: TD targets from relabeled rewards
// and terminals through target networks whose outputs are set by hand, the
// exact critic and actor losses, the target networks' cadence, checkpoints
// of every part, and two one-step problems that DDPG and DQN must learn.
#include <cmath>
#include <filesystem>
#include <random>

#include "common/env_catalog.h"
#include "gtest/gtest.h"
#include "learner/algorithm.h"
#include "learner/checkpoint.h"
#include "learner/ddpg_update.h"
#include "learner/dqn_update.h"
#include "learner/her_targets.h"
#include "learner/training_batch.h"

namespace hem {
namespace {

constexpr double kTol = 1e-5;

LearnerConfig HerLearnerConfig(const std::string& env, std::vector<int> hidden = {4}) {
  LearnerConfig config;
  config.env = env;
  config.algo = LearnerAlgorithm::kHer;
  config.hidden_sizes = std::move(hidden);
  return config;
}

std::unique_ptr<DdpgUpdate> Ddpg(const LearnerConfig& config) {
  std::unique_ptr<Algorithm> algorithm =
      MakeAlgorithm(config, MakeEnvSpec(config.env).value(), torch::kCPU).value();
  return std::unique_ptr<DdpgUpdate>(static_cast<DdpgUpdate*>(algorithm.release()));
}

std::unique_ptr<DqnUpdate> Dqn(const LearnerConfig& config) {
  std::unique_ptr<Algorithm> algorithm =
      MakeAlgorithm(config, MakeEnvSpec(config.env).value(), torch::kCPU).value();
  return std::unique_ptr<DqnUpdate>(static_cast<DqnUpdate*>(algorithm.release()));
}

// A handle on a parameter (writes through it change the module).
torch::Tensor Param(torch::nn::Module& module, const std::string& name) {
  return module.named_parameters()[name];
}

// Sets a network with one hidden layer to zero weights everywhere but what
// `set` writes (under no_grad).
void SetByHand(torch::nn::Module& module, const std::function<void()>& set) {
  torch::NoGradGuard no_grad;
  for (torch::Tensor& p : module.parameters()) p.zero_();
  set();
}

// A with_next batch of B rows on nav:k=2 (obs 2, goal 2, action box
// [-0.2, 0.2]^2) or flip_bit:k=4 (obs 4, goal 4, 4 discrete actions).
TrainingBatch HandBatch(int obs, const std::vector<float>& rewards,
                        const std::vector<float>& terminals, torch::Tensor actions) {
  const int64_t B = static_cast<int64_t>(rewards.size());
  TrainingBatch batch;
  batch.size = B;
  batch.inputs.observations = torch::rand({B, obs});
  batch.inputs.goals = torch::rand({B, obs});
  batch.next_observations = torch::rand({B, obs});
  batch.actions = std::move(actions);
  batch.rewards = torch::tensor(rewards);
  batch.terminals = torch::tensor(terminals);
  return batch;
}

// Target actor: mu' = tanh(atanh(0.5)) = 0.5 in both dimensions. Target
// critic: one hidden unit relu(a_0 + 1), output 2 * hidden + bias: Q' = 2 *
// mu'_0 + 2 + bias. Its inputs are [s (2), g (2), a (2)], so a_0 is column 4.
void SetDdpgTargets(DdpgUpdate& ddpg, float critic_bias) {
  SetByHand(*ddpg.target_actor(), [&] {
    Param(*ddpg.target_actor(), "mlp.2.bias").fill_(std::atanh(0.5));
  });
  SetByHand(*ddpg.target_critic(), [&] {
    Param(*ddpg.target_critic(), "mlp.0.weight")[0][4] = 1;
    Param(*ddpg.target_critic(), "mlp.0.bias")[0] = 1;
    Param(*ddpg.target_critic(), "mlp.2.weight")[0][0] = 2;
    Param(*ddpg.target_critic(), "mlp.2.bias")[0] = critic_bias;
  });
}

TEST(TdTarget, RewardMinusOnePlusDiscountedNextValueEndingAtSuccess) {
  // Rows: failure (bootstraps), success (ends), horizon without success
  // (bootstraps: a time limit is not a terminal state).
  torch::Tensor y = TdTarget(torch::tensor({0.f, 1.f, 0.f}), torch::tensor({0.f, 1.f, 1.f}),
                             torch::tensor({-2.f, -2.f, -2.f}), TdTargetOptions{});
  EXPECT_NEAR(y[0].item<float>(), -1 + 0.98 * -2, kTol);
  EXPECT_NEAR(y[1].item<float>(), 0, kTol);
  EXPECT_NEAR(y[2].item<float>(), -1 + 0.98 * -2, kTol);
  // A task that does not end on success bootstraps every row.
  TdTargetOptions no_end;
  no_end.success_ends_episode = false;
  y = TdTarget(torch::tensor({1.f}), torch::tensor({1.f}), torch::tensor({-2.f}), no_end);
  EXPECT_NEAR(y[0].item<float>(), 0.98 * -2, kTol);
}

TEST(TdTarget, ClippedToMinusOneOverOneMinusGammaAndZero) {
  TdTargetOptions options;
  torch::Tensor y = TdTarget(torch::tensor({0.f, 0.f}), torch::tensor({0.f, 0.f}),
                             torch::tensor({-60.f, 10.f}), options);
  EXPECT_NEAR(y[0].item<float>(), -50, kTol);  // -1 - 58.8 -> -1/(1 - 0.98)
  EXPECT_NEAR(y[1].item<float>(), 0, kTol);    // -1 + 9.8 -> 0
  options.clip = false;
  y = TdTarget(torch::tensor({0.f}), torch::tensor({0.f}), torch::tensor({10.f}), options);
  EXPECT_NEAR(y[0].item<float>(), 8.8, kTol);
}

TEST(DdpgUpdate, TargetsUseTargetActorAndCriticOnNextStateWithRelabeledRewards) {
  std::unique_ptr<DdpgUpdate> ddpg = Ddpg(HerLearnerConfig("nav:k=2"));
  SetDdpgTargets(*ddpg, -5);  // Q'(s', g, mu') = 2 * 0.5 + 2 - 5 = -2.
  TrainingBatch batch = HandBatch(2, {0, 1, 0}, {0, 1, 1}, torch::zeros({3, 2}));
  torch::Tensor y = ddpg->Targets(batch).value();
  EXPECT_NEAR(y[0].item<float>(), -2.96, kTol);
  EXPECT_NEAR(y[1].item<float>(), 0, kTol);
  EXPECT_NEAR(y[2].item<float>(), -2.96, kTol);

  SetDdpgTargets(*ddpg, -63);  // Q' = -60: y = -59.8, clipped.
  EXPECT_NEAR(ddpg->Targets(batch).value()[0].item<float>(), -50, kTol);
  SetDdpgTargets(*ddpg, 7);  // Q' = 10: y = 8.8, clipped.
  EXPECT_NEAR(ddpg->Targets(batch).value()[0].item<float>(), 0, kTol);
}

TEST(DdpgUpdate, CriticAndActorLossesAreExactOnAHandBatch) {
  std::unique_ptr<DdpgUpdate> ddpg = Ddpg(HerLearnerConfig("nav:k=2"));
  SetDdpgTargets(*ddpg, -5);
  // Critic: Q = -1.5 everywhere. Actor: pi = tanh(atanh(0.5)) = 0.5.
  SetByHand(*ddpg->critic(), [&] { Param(*ddpg->critic(), "mlp.2.bias").fill_(-1.5); });
  PolicyNetwork actor = ddpg->acting_network();
  SetByHand(*actor, [&] { Param(*actor, "mlp.2.bias").fill_(std::atanh(0.5)); });
  TrainingBatch batch = HandBatch(2, {0, 1, 0}, {0, 1, 1}, torch::full({3, 2}, 0.1f));
  UpdateStats stats = ddpg->Train(batch, /*with_stats=*/true).value();
  // y = (-2.96, 0, -2.96): mean of (1.46^2, 1.5^2, 1.46^2).
  EXPECT_NEAR(stats.loss.item<double>(), (2 * 1.46 * 1.46 + 1.5 * 1.5) / 3, kTol);
  // -Q + action_l2 * mean(pi^2) = 1.5 + 1.0 * 0.25.
  EXPECT_NEAR(stats.actor_loss.item<double>(), 1.75, kTol);
  EXPECT_NEAR(stats.mean_q.item<double>(), -1.5, kTol);
}

TEST(DdpgUpdate, WithoutNextObservationsIsAnError) {
  std::unique_ptr<DdpgUpdate> ddpg = Ddpg(HerLearnerConfig("nav:k=2"));
  TrainingBatch batch = HandBatch(2, {0}, {0}, torch::zeros({1, 2}));
  batch.rewards = torch::Tensor();
  absl::Status status = ddpg->Train(batch, false).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

// Target Q-network: Q'(s', g, .) = bias = (-3, -1.5, -2, -4), max -1.5.
void SetDqnTarget(DqnUpdate& dqn) {
  SetByHand(*dqn.target_q(), [&] {
    Param(*dqn.target_q(), "mlp.2.bias").copy_(torch::tensor({-3.f, -1.5f, -2.f, -4.f}));
  });
}

TEST(DqnUpdate, TargetsUseTheMaxOfTheTargetNetworkAndExactLoss) {
  std::unique_ptr<DqnUpdate> dqn = Dqn(HerLearnerConfig("flip_bit:k=4"));
  SetDqnTarget(*dqn);
  TrainingBatch batch =
      HandBatch(4, {0, 1, 0}, {0, 1, 1}, torch::tensor({0, 1, 3}, torch::kLong));
  torch::Tensor y = dqn->Targets(batch).value();
  EXPECT_NEAR(y[0].item<float>(), -1 + 0.98 * -1.5, kTol);
  EXPECT_NEAR(y[1].item<float>(), 0, kTol);
  EXPECT_NEAR(y[2].item<float>(), -1 + 0.98 * -1.5, kTol);

  PolicyNetwork q = dqn->acting_network();
  SetByHand(*q, [&] { Param(*q, "mlp.2.bias").copy_(torch::tensor({-1.f, -2.f, -3.f, -4.f})); });
  UpdateStats stats = dqn->Train(batch, true).value();
  // Q(s, g, a) = (-1, -2, -4) against y = (-2.47, 0, -2.47).
  EXPECT_NEAR(stats.loss.item<double>(), (1.47 * 1.47 + 2.0 * 2.0 + 1.53 * 1.53) / 3, kTol);
  EXPECT_NEAR(stats.mean_q.item<double>(), -7.0 / 3, kTol);
  EXPECT_FALSE(stats.actor_loss.defined());
}

TEST(DqnUpdate, TargetNetworkMovesByPolyakEveryTargetUpdateEvery) {
  LearnerConfig config = HerLearnerConfig("flip_bit:k=4");
  config.her.target_update_every = 2;
  config.her.polyak = 0.25;
  std::unique_ptr<DqnUpdate> dqn = Dqn(config);
  SetDqnTarget(*dqn);
  const torch::Tensor before = Param(*dqn->target_q(), "mlp.2.bias").clone();
  TrainingBatch batch =
      HandBatch(4, {0, 1, 0}, {0, 1, 1}, torch::tensor({0, 1, 3}, torch::kLong));
  ASSERT_TRUE(dqn->Train(batch, false).ok());
  EXPECT_TRUE(torch::equal(Param(*dqn->target_q(), "mlp.2.bias"), before));
  ASSERT_TRUE(dqn->Train(batch, false).ok());
  const torch::Tensor main = Param(*dqn->acting_network(), "mlp.2.bias");
  EXPECT_TRUE(torch::allclose(Param(*dqn->target_q(), "mlp.2.bias"), 0.25 * before + 0.75 * main));
}

std::string TempDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

void ExpectSameParameters(torch::nn::Module& a, torch::nn::Module& b) {
  auto pa = a.named_parameters(), pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
}

TEST(DdpgUpdate, CheckpointRestoresActorCriticTargetsAndOptimisers) {
  const std::string dir = TempDir("her_ckpt");
  LearnerConfig config = HerLearnerConfig("nav:k=2", {16});
  std::unique_ptr<DdpgUpdate> ddpg = Ddpg(config);
  TrainingBatch batch = HandBatch(2, {0, 1, 0}, {0, 1, 1}, torch::full({3, 2}, 0.1f));
  for (int i = 0; i < 45; ++i) ASSERT_TRUE(ddpg->Train(batch, false).ok());  // Targets moved.
  ASSERT_TRUE(LearnerCheckpoints(dir, 2).Write(ddpg->checkpoint_parts(), {45, 3}).ok());

  config.seed = 99;
  std::unique_ptr<DdpgUpdate> restored = Ddpg(config);
  RestoredCheckpoint checkpoint =
      RestoreNewestCheckpoint(dir, restored->checkpoint_parts()).value();
  EXPECT_EQ(checkpoint.state.update_count, 45);
  ExpectSameParameters(*restored->acting_network(), *ddpg->acting_network());
  ExpectSameParameters(*restored->critic(), *ddpg->critic());
  ExpectSameParameters(*restored->target_actor(), *ddpg->target_actor());
  ExpectSameParameters(*restored->target_critic(), *ddpg->target_critic());
  // Same optimiser state: one more identical step gives identical critics.
  ASSERT_TRUE(ddpg->Train(batch, false).ok());
  ASSERT_TRUE(restored->Train(batch, false).ok());
  ExpectSameParameters(*restored->critic(), *ddpg->critic());

  // An hEM learner does not take a HER checkpoint (nor the reverse).
  LearnerConfig hem_config = config;
  hem_config.algo = LearnerAlgorithm::kHem;
  std::unique_ptr<Algorithm> hem =
      MakeAlgorithm(hem_config, MakeEnvSpec("nav:k=2").value(), torch::kCPU).value();
  EXPECT_EQ(RestoreNewestCheckpoint(dir, hem->checkpoint_parts()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TrainingBatch Transitions(torch::Tensor s, torch::Tensor g, torch::Tensor a, torch::Tensor next,
                          torch::Tensor r, torch::Tensor terminal) {
  TrainingBatch batch;
  batch.size = s.size(0);
  batch.inputs = {std::move(s), std::move(g), torch::Tensor()};
  batch.actions = std::move(a);
  batch.next_observations = std::move(next);
  batch.rewards = std::move(r);
  batch.terminals = std::move(terminal);
  return batch;
}

// Image tasks: actor and critic see the image through the same CNN encoder
// as hEM's policy (their own copies), goals as vectors or as images.
TEST(DdpgUpdate, TrainsOnImageObservationsAndImageGoals) {
  for (const std::string env : {"point_mass:image=48", "sawyer_reach:image=48,image_goal=1"}) {
    std::unique_ptr<DdpgUpdate> ddpg = Ddpg(HerLearnerConfig(env, {16}));
    const hem::v1::EnvSpec spec = MakeEnvSpec(env).value();
    const int64_t B = 4;
    TrainingBatch batch;
    batch.size = B;
    batch.inputs.observations = torch::randint(256, {B, 48, 48, 3}).to(torch::kUInt8);
    batch.inputs.goals = torch::rand({B, spec.goal_dim()});
    if (spec.has_goal_observation()) {
      batch.inputs.goal_images = torch::randint(256, {B, 48, 48, 3}).to(torch::kUInt8);
    }
    batch.next_observations = torch::randint(256, {B, 48, 48, 3}).to(torch::kUInt8);
    batch.actions = torch::zeros({B, spec.action_space().box().low_size()});
    batch.rewards = torch::tensor({0.f, 1.f, 0.f, 0.f});
    batch.terminals = torch::tensor({0.f, 1.f, 0.f, 1.f});
    UpdateStats stats = ddpg->Train(batch, true).value();
    EXPECT_TRUE(std::isfinite(stats.loss.item<double>())) << env;
    EXPECT_TRUE(ddpg->acting_network()->named_parameters().contains("encoder.0.weight")) << env;
    EXPECT_TRUE(ddpg->critic()->named_parameters().contains("encoder.0.weight")) << env;
  }
}

// One-step flip_bit:k=4: s' = s with bit a flipped; the goal is s' (a
// hindsight goal, reward 1) half the time, else random bits. DQN must learn
// to flip the one bit where s and g differ.
TEST(DqnUpdate, LearnsToFlipTheDifferingBit) {
  LearnerConfig config = HerLearnerConfig("flip_bit:k=4", {64, 64});
  std::unique_ptr<DqnUpdate> dqn = Dqn(config);
  torch::manual_seed(5);
  const int B = 128;
  for (int step = 0; step < 1500; ++step) {
    torch::Tensor s = torch::randint(2, {B, 4}).to(torch::kFloat32);
    torch::Tensor a = torch::randint(4, {B}, torch::kLong);
    torch::Tensor next = s.clone();
    next.scatter_(1, a.view({-1, 1}), 1 - s.gather(1, a.view({-1, 1})));
    torch::Tensor hindsight = torch::rand({B, 1}) < 0.5;
    torch::Tensor g = torch::where(hindsight, next, torch::randint(2, {B, 4}).to(torch::kFloat32));
    torch::Tensor r = (next == g).all(1).to(torch::kFloat32);
    // A success ends the episode: terminal where the reward is 1.
    const TrainingBatch batch = Transitions(s, g, a, next, r, r);
    ASSERT_TRUE(dqn->Train(batch, false).ok());
  }
  torch::NoGradGuard no_grad;
  torch::Tensor s = torch::randint(2, {500, 4}).to(torch::kFloat32);
  torch::Tensor bit = torch::randint(4, {500}, torch::kLong);
  torch::Tensor g = s.clone();
  g.scatter_(1, bit.view({-1, 1}), 1 - s.gather(1, bit.view({-1, 1})));
  torch::Tensor q = dqn->acting_network()->Forward({s, g, torch::Tensor()});
  torch::Tensor greedy = std::get<1>(q.max(1));
  EXPECT_GT((greedy == bit).to(torch::kFloat32).mean().item<double>(), 0.95);
}

// One-step reaching in nav:k=2 coordinates: s' = s + a; the goal is s' (a
// hindsight goal, reward 1) half the time, else a point near s. DDPG's actor
// must point from s towards g.
TEST(DdpgUpdate, LearnsToMoveTowardsTheGoal) {
  LearnerConfig config = HerLearnerConfig("nav:k=2", {64, 64});
  std::unique_ptr<DdpgUpdate> ddpg = Ddpg(config);
  torch::manual_seed(6);
  const int B = 128;
  auto reached = [](const torch::Tensor& x, const torch::Tensor& g) {
    return ((x - g).abs().amax(1) < 0.05).to(torch::kFloat32);
  };
  for (int step = 0; step < 1500; ++step) {
    torch::Tensor s = torch::rand({B, 2}) * 2 - 1;
    torch::Tensor a = (torch::rand({B, 2}) * 2 - 1) * 0.2;
    torch::Tensor next = s + a;
    torch::Tensor hindsight = torch::rand({B, 1}) < 0.5;
    torch::Tensor g = torch::where(hindsight, next, s + (torch::rand({B, 2}) * 2 - 1) * 0.2);
    torch::Tensor r = reached(next, g);
    // A success ends the episode: terminal where the reward is 1.
    const TrainingBatch batch = Transitions(s, g, a, next, r, r);
    ASSERT_TRUE(ddpg->Train(batch, false).ok());
  }
  torch::NoGradGuard no_grad;
  torch::Tensor s = torch::rand({500, 2}) * 2 - 1;
  torch::Tensor d = (torch::rand({500, 2}) * 2 - 1) * 0.2;
  torch::Tensor head = ddpg->acting_network()->Forward({s, s + d, torch::Tensor()});
  torch::Tensor mu = 0.2 * torch::tanh(head);
  const double cosine = torch::cosine_similarity(mu, d, 1).mean().item<double>();
  EXPECT_GT(cosine, 0.8);
}

}  // namespace
}  // namespace hem
