// The learner with --algo=her: the one training loop runs DDPG+HER on
// with_next batches, publishes the actor as a HER policy that actors act
// with, reports HER's metrics, and checkpoints and resumes every part.
#include <filesystem>
#include <random>

#include "common/env_catalog.h"
#include "common/tensor_codec.h"
#include "gtest/gtest.h"
#include "learner/learner_flags.h"
#include "learner/learner_loop.h"
#include "learner/policy.h"

namespace hem {
namespace {

// Endless with_next nav:k=2 batches: s' = s + a; the goal is s' (reward 1,
// terminal) half the time, else a random point.
class NavTransitions final : public BatchSource {
 public:
  NavTransitions() : spec_(MakeEnvSpec("nav:k=2").value()) {}
  absl::StatusOr<hem::v1::Batch> Next(absl::Duration) override {
    const int B = 64;
    std::vector<float> s(B * 2), g(B * 2), a(B * 2), next(B * 2), r(B);
    std::vector<uint8_t> terminal(B);
    std::uniform_real_distribution<float> u(-1, 1);
    for (int i = 0; i < B; ++i) {
      const bool hindsight = u(rng_) > 0;
      for (int d = 0; d < 2; ++d) {
        s[2 * i + d] = u(rng_);
        a[2 * i + d] = 0.2f * u(rng_);
        next[2 * i + d] = s[2 * i + d] + a[2 * i + d];
        g[2 * i + d] = hindsight ? next[2 * i + d] : u(rng_);
      }
      r[i] = hindsight ? 1 : 0;
      terminal[i] = hindsight ? 1 : 0;
    }
    hem::v1::Batch batch;
    batch.set_spec_id(spec_.spec_id());
    batch.set_size(B);
    EncodeTensor<float>(s, {B, 2}, batch.mutable_observations());
    EncodeTensor<float>(g, {B, 2}, batch.mutable_goals());
    EncodeTensor<float>(a, {B, 2}, batch.mutable_actions());
    EncodeTensor<float>(next, {B, 2}, batch.mutable_next_observations());
    EncodeTensor<float>(r, {B}, batch.mutable_rewards());
    EncodeTensor<uint8_t>(terminal, {B}, batch.mutable_terminals());
    return batch;
  }

 private:
  const hem::v1::EnvSpec spec_;
  std::mt19937_64 rng_{7};
};

std::string TempDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

LearnerConfig HerConfigIn(const std::string& dir) {
  LearnerConfig config;
  config.replay_addresses = {"127.0.0.1:1"};  // Unused with an in-memory source.
  config.env = "nav:k=2";
  config.algo = LearnerAlgorithm::kHer;
  config.hidden_sizes = {32, 32};
  config.device = "cpu";
  config.run_dir = dir;
  config.report_interval = absl::Milliseconds(200);
  return config;
}

TEST(HerLearner, TrainsPublishesAHerPolicyAndResumesEveryPart) {
  const std::string dir = TempDir("her_learner");
  LearnerConfig config = HerConfigIn(dir);
  config.max_updates = 60;
  std::shared_ptr<const hem::v1::PolicyWeights> before;
  {
    auto learner = Learner::Create(config, std::make_unique<NavTransitions>()).value();
    ASSERT_TRUE(learner->Run().ok());
    EXPECT_EQ(learner->updates(), 60);
    before = learner->latest_weights();
    MetricsSnapshot s = learner->metrics().Snapshot();
    EXPECT_TRUE(std::isfinite(s.loss));
    EXPECT_TRUE(std::isfinite(s.actor_loss));
    // Targets lie in [-1/(1 - gamma), 0], and so, soon, does Q.
    EXPECT_LT(s.mean_q, 1.0);
    EXPECT_TRUE(std::isnan(s.entropy));
  }
  ASSERT_NE(before, nullptr);
  EXPECT_EQ(before->config().algorithm(), hem::v1::ALGORITHM_DDPG_HER);
  EXPECT_EQ(before->update_count(), 60);
  auto policy = Policy::FromWeights(*before).value();
  std::vector<float> s = {0.1f, -0.3f}, g = {0.7f, 0.2f}, a(2);
  ASSERT_TRUE(policy->Act({1, s.data(), nullptr, g.data(), nullptr}, true, absl::MakeSpan(a)).ok());
  EXPECT_LE(std::fabs(a[0]), 0.2f);

  config.resume = true;
  config.max_updates = 80;
  auto resumed = Learner::Create(config, std::make_unique<NavTransitions>()).value();
  EXPECT_NE(resumed->restored_checkpoint(), "");
  EXPECT_EQ(resumed->updates(), 60);
  std::shared_ptr<const hem::v1::PolicyWeights> after = resumed->latest_weights();
  EXPECT_GT(after->version(), before->version());
  EXPECT_EQ(after->weights(), before->weights());
  ASSERT_TRUE(resumed->Run().ok());
  EXPECT_EQ(resumed->updates(), 80);

  // The same run directory with hEM is refused, naming --resume.
  config.algo = LearnerAlgorithm::kHem;
  auto hem = Learner::Create(config, std::make_unique<NavTransitions>());
  ASSERT_FALSE(hem.ok());
  EXPECT_NE(ToFlagError(hem.status()).message().find("--resume"), absl::string_view::npos)
      << hem.status();
}

TEST(HerLearner, BatchesWithoutNextObservationsStopTrainingWithAnError) {
  class NoNext final : public BatchSource {
   public:
    absl::StatusOr<hem::v1::Batch> Next(absl::Duration timeout) override {
      absl::StatusOr<hem::v1::Batch> batch = inner_.Next(timeout);
      batch->clear_rewards();
      batch->clear_next_observations();
      batch->clear_terminals();
      return batch;
    }
    NavTransitions inner_;
  };
  LearnerConfig config = HerConfigIn("");
  config.max_updates = 5;
  auto learner = Learner::Create(config, std::make_unique<NoNext>()).value();
  absl::Status status = learner->Run();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

TEST(HerLearner, AlgoFlagErrorsNameTheFlag) {
  EXPECT_EQ(ParseLearnerAlgorithm("her").value(), LearnerAlgorithm::kHer);
  EXPECT_EQ(ParseLearnerAlgorithm("hem").value(), LearnerAlgorithm::kHem);
  EXPECT_FALSE(ParseLearnerAlgorithm("ddpg").ok());
  LearnerConfig config = HerConfigIn("");
  config.her.gamma = 1.5;
  absl::Status status = ToFlagError(ValidateLearnerConfig(config));
  EXPECT_EQ(status.message().rfind("--gamma: ", 0), 0u) << status;
  config.her.gamma = 0.98;
  config.her.polyak = -1;
  EXPECT_EQ(ToFlagError(ValidateLearnerConfig(config)).message().rfind("--polyak: ", 0), 0u);
}

}  // namespace
}  // namespace hem
