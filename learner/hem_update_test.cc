// hEM's Algorithm: the acting average follows the trained weights by exactly
// its decay per update (the normaliser copied), is on by default for hEM
// only, stays off when set to 0, and is kept by checkpoints.
#include "learner/hem_update.h"

#include <filesystem>
#include <map>
#include <string>

#include "common/env_catalog.h"
#include "gtest/gtest.h"
#include "learner/algorithm.h"
#include "learner/checkpoint.h"
#include "learner/training_batch.h"

namespace hem {
namespace {

LearnerConfig Config(double acting_average, bool normalize = false) {
  LearnerConfig config;
  config.env = "nav:k=2";
  config.hidden_sizes = {8};
  config.acting_average = acting_average;
  config.normalize = normalize;
  return config;
}

std::unique_ptr<Algorithm> Make(const LearnerConfig& config) {
  return MakeAlgorithm(config, MakeEnvSpec(config.env).value(), torch::kCPU).value();
}

TrainingBatch NavBatch(uint64_t seed) {
  torch::manual_seed(seed);
  TrainingBatch batch;
  batch.size = 32;
  batch.inputs.observations = torch::rand({32, 2}) * 2 - 1;
  batch.inputs.goals = torch::rand({32, 2}) * 2 - 1;
  batch.actions = (batch.inputs.goals - batch.inputs.observations).clamp(-0.2, 0.2);
  return batch;
}

std::map<std::string, torch::Tensor> Copy(torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : module.named_parameters()) out[p.key()] = p.value().detach().clone();
  for (const auto& b : module.named_buffers()) out[b.key()] = b.value().detach().clone();
  return out;
}

TEST(HemUpdate, ActsWithTheTrainedWeightsUnlessAskedToAverage) {
  std::unique_ptr<Algorithm> plain = Make(Config(0));
  EXPECT_EQ(plain->acting_network().get(), plain->checkpoint_parts().network);
  EXPECT_TRUE(plain->checkpoint_parts().modules.empty());

  std::unique_ptr<Algorithm> averaged = Make(Config(0.9));
  EXPECT_NE(averaged->acting_network().get(), averaged->checkpoint_parts().network);
  ASSERT_EQ(averaged->checkpoint_parts().modules.size(), 1u);
  EXPECT_EQ(averaged->checkpoint_parts().modules[0].first, "acting_average");
  // It starts as a copy of the trained network.
  const auto acting = Copy(*averaged->acting_network());
  const auto trained = Copy(*averaged->checkpoint_parts().network);
  for (const auto& [name, value] : trained) {
    EXPECT_TRUE(torch::equal(acting.at(name), value)) << name;
  }
}

TEST(HemUpdate, AveragesByDefaultAndHerDoesNot) {
  LearnerConfig config = Config(0);
  config.acting_average = LearnerConfig().acting_average;
  EXPECT_EQ(ActingAverage(config), kHemActingAverage);
  std::unique_ptr<Algorithm> averaged = Make(config);
  EXPECT_NE(averaged->acting_network().get(), averaged->checkpoint_parts().network);
  config.algo = LearnerAlgorithm::kHer;
  EXPECT_EQ(ActingAverage(config), 0);
}

TEST(HemUpdate, TheAverageMovesByOneMinusTheDecayPerUpdate) {
  constexpr double kDecay = 0.75;
  std::unique_ptr<Algorithm> algorithm = Make(Config(kDecay, /*normalize=*/true));
  PolicyNetworkImpl& trained = *algorithm->checkpoint_parts().network;
  auto expected = Copy(*algorithm->acting_network());
  for (int step = 0; step < 3; ++step) {
    ASSERT_TRUE(algorithm->Train(NavBatch(step), /*with_stats=*/false).ok());
    const auto now = Copy(trained);
    for (const auto& p : trained.named_parameters()) {
      expected[p.key()] = kDecay * expected[p.key()] + (1 - kDecay) * now.at(p.key());
    }
    for (const auto& b : trained.named_buffers()) expected[b.key()] = now.at(b.key());
  }
  const auto acting = Copy(*algorithm->acting_network());
  int differing = 0;
  for (const auto& [name, value] : acting) {
    EXPECT_TRUE(torch::allclose(value, expected.at(name), 1e-5, 1e-6)) << name;
    differing += !torch::equal(value, Copy(trained).at(name));
  }
  // Trained and acted-with weights differ after Adam steps; the normaliser's
  // statistics (buffers) do not.
  EXPECT_GT(differing, 0);
  for (const auto& b : trained.named_buffers()) {
    EXPECT_TRUE(torch::equal(acting.at(b.key()), b.value())) << b.key();
  }
}

// Trains an algorithm with acting average `saved_decay` for 4 steps,
// checkpoints it into `dir`, and restores that checkpoint into a fresh one
// with `restored_decay`. Both end up in `*saved` and `*restored`.
void SaveAndRestore(const std::string& dir_name, double saved_decay, double restored_decay,
                    std::unique_ptr<Algorithm>* saved, std::unique_ptr<Algorithm>* restored) {
  const std::string dir = (std::filesystem::path(::testing::TempDir()) / dir_name).string();
  std::filesystem::remove_all(dir);
  *saved = Make(Config(saved_decay));
  for (int step = 0; step < 4; ++step) ASSERT_TRUE((*saved)->Train(NavBatch(step), false).ok());
  LearnerCheckpoints checkpoints(dir, 2);
  ASSERT_TRUE(checkpoints.Write((*saved)->checkpoint_parts(), CheckpointState{4, 0}).ok());
  *restored = Make(Config(restored_decay));
  std::vector<std::string> problems;
  auto result = checkpoints.RestoreLatest((*restored)->checkpoint_parts(), &problems);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_FALSE(result->path.empty());
  EXPECT_TRUE(problems.empty());
}

void ExpectEqualWeights(torch::nn::Module& got, torch::nn::Module& want) {
  const auto expected = Copy(want);
  for (const auto& [name, value] : Copy(got)) {
    EXPECT_TRUE(torch::equal(value, expected.at(name))) << name;
  }
}

TEST(HemUpdate, CheckpointsKeepTheAverage) {
  std::unique_ptr<Algorithm> saved, restored;
  ASSERT_NO_FATAL_FAILURE(SaveAndRestore("hem_update_ckpt", 0.5, 0.5, &saved, &restored));
  ExpectEqualWeights(*restored->acting_network(), *saved->acting_network());
}

// A run checkpointed before the average was on (it became the default)
// resumes with the average starting from the restored trained weights.
TEST(HemUpdate, ACheckpointWithoutTheAverageStartsItFromTheWeights) {
  std::unique_ptr<Algorithm> saved, restored;
  ASSERT_NO_FATAL_FAILURE(SaveAndRestore("hem_update_old_ckpt", 0, 0.5, &saved, &restored));
  ExpectEqualWeights(*restored->acting_network(), *saved->checkpoint_parts().network);
}

}  // namespace
}  // namespace hem
