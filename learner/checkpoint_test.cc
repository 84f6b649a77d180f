// Checkpoints restore the training state exactly: the next M-step after a
// restore is bit-identical to the one the original learner would have taken.
// A corrupt or truncated file is reported and skipped, never loaded.
#include "learner/checkpoint.h"

#include <filesystem>
#include <fstream>

#include "common/env_catalog.h"
#include "gtest/gtest.h"
#include "learner/m_step.h"
#include "learner/version_lease.h"

namespace hem {
namespace {

hem::v1::PolicyConfig Config(std::vector<int> hidden) {
  hem::v1::PolicyConfig config;
  *config.mutable_spec() = MakeEnvSpec("nav:k=2").value();
  for (int h : hidden) config.add_hidden_sizes(h);
  config.set_learn_sigma(true);
  config.set_normalize_inputs(true);
  return CompletePolicyConfig(config).value();
}

std::pair<NetworkInputs, torch::Tensor> Batch(uint64_t seed) {
  torch::manual_seed(seed);
  torch::Tensor s = torch::rand({64, 2}) * 2 - 1, g = torch::rand({64, 2}) * 2 - 1;
  return {NetworkInputs{s, g, torch::Tensor()}, (g - s).clamp(-0.2, 0.2)};
}

void Step(PolicyNetwork& net, MStep& m_step, uint64_t seed) {
  auto [inputs, actions] = Batch(seed);
  net->UpdateNormalizer(inputs);
  ASSERT_TRUE(m_step.Update(inputs, actions).ok());
}

std::string TempDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(Checkpoint, RestoreContinuesTrainingBitExactly) {
  const std::string dir = TempDir("ckpt_exact");
  PolicyNetwork net = MakePolicyNetwork(Config({32, 32}), 1).value();
  MStep m_step(net, MStepConfig{});
  for (int i = 0; i < 20; ++i) Step(net, m_step, 100 + i);
  const std::string path =
      LearnerCheckpoints(dir, 3).Write(*net, m_step.optimizer(), {20, 7}).value();
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  PolicyNetwork restored = MakePolicyNetwork(Config({32, 32}), 99).value();
  MStep restored_step(restored, MStepConfig{});
  RestoredCheckpoint info =
      RestoreNewestCheckpoint(dir, *restored, restored_step.optimizer()).value();
  EXPECT_EQ(info.path, path);
  EXPECT_EQ(info.state.update_count, 20);
  EXPECT_EQ(info.state.version, 7);

  // Same weights and buffers now, and after one more identical step (which
  // needs Adam's moments restored too).
  for (int round = 0; round < 2; ++round) {
    auto a = net->named_parameters();
    auto b = restored->named_parameters();
    for (const auto& item : a) {
      EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key() << " round " << round;
    }
    auto ab = net->named_buffers();
    auto bb = restored->named_buffers();
    for (const auto& item : ab) EXPECT_TRUE(torch::equal(item.value(), bb[item.key()]));
    Step(net, m_step, 500);
    Step(restored, restored_step, 500);
  }
}

TEST(Checkpoint, KeepsTheNewestAndSkipsCorruptOnes) {
  const std::string dir = TempDir("ckpt_keep");
  PolicyNetwork net = MakePolicyNetwork(Config({16}), 1).value();
  MStep m_step(net, MStepConfig{});
  std::string newest;
  for (int i = 1; i <= 4; ++i) {
    Step(net, m_step, i);
    newest = LearnerCheckpoints(dir, 2).Write(*net, m_step.optimizer(), {i, i}).value();
  }
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 2);
  // A truncated newest file (a crash mid-copy elsewhere) falls back to the older.
  std::filesystem::resize_file(newest, 100);
  PolicyNetwork other = MakePolicyNetwork(Config({16}), 2).value();
  MStep other_step(other, MStepConfig{});
  RestoredCheckpoint info =
      RestoreNewestCheckpoint(dir, *other, other_step.optimizer()).value();
  EXPECT_EQ(info.state.update_count, 3);
}

// Flips one bit in the middle of `path`.
void FlipABit(const std::string& path) {
  const auto size = std::filesystem::file_size(path);
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(size / 2);
  char byte = 0;
  file.get(byte);
  file.seekp(size / 2);
  file.put(static_cast<char>(byte ^ 0x10));
}

std::vector<torch::Tensor> Parameters(PolicyNetwork& net) {
  std::vector<torch::Tensor> copies;
  for (const auto& p : net->parameters()) copies.push_back(p.detach().clone());
  return copies;
}

bool Same(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!torch::equal(a[i], b[i])) return false;
  }
  return true;
}

TEST(Checkpoint, CorruptAndTruncatedNewestFilesAreReportedAndSkipped) {
  const std::string dir = TempDir("ckpt_corrupt");
  PolicyNetwork net = MakePolicyNetwork(Config({16}), 1).value();
  MStep m_step(net, MStepConfig{});
  LearnerCheckpoints checkpoints(dir, 3);
  std::vector<std::string> paths;
  std::vector<torch::Tensor> oldest;
  for (int i = 1; i <= 3; ++i) {
    Step(net, m_step, i);
    if (i == 1) oldest = Parameters(net);
    paths.push_back(checkpoints.Write(*net, m_step.optimizer(), {i, 10 * i}).value());
  }
  EXPECT_EQ(checkpoints.List(), (std::vector<std::string>{paths[2], paths[1], paths[0]}));
  FlipABit(paths[2]);  // A flipped bit: only the checksum can tell.
  std::filesystem::resize_file(paths[1], std::filesystem::file_size(paths[1]) - 7);

  PolicyNetwork other = MakePolicyNetwork(Config({16}), 2).value();
  MStep other_step(other, MStepConfig{});
  std::vector<std::string> problems;
  RestoredCheckpoint restored =
      checkpoints.RestoreLatest(*other, other_step.optimizer(), &problems).value();
  EXPECT_EQ(restored.path, paths[0]);
  EXPECT_EQ(restored.state.update_count, 1);
  EXPECT_EQ(restored.state.version, 10);
  EXPECT_TRUE(Same(Parameters(other), oldest));
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find(paths[2]), std::string::npos) << problems[0];
  EXPECT_NE(problems[0].find("checksum"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find(paths[1]), std::string::npos) << problems[1];
  EXPECT_NE(problems[1].find("truncated"), std::string::npos) << problems[1];
}

TEST(Checkpoint, NoValidFileIsDataLossAndLoadsNothing) {
  const std::string dir = TempDir("ckpt_all_corrupt");
  PolicyNetwork net = MakePolicyNetwork(Config({16}), 1).value();
  MStep m_step(net, MStepConfig{});
  const std::string path =
      LearnerCheckpoints(dir, 2).Write(*net, m_step.optimizer(), {5, 5}).value();
  FlipABit(path);
  PolicyNetwork other = MakePolicyNetwork(Config({16}), 2).value();
  MStep other_step(other, MStepConfig{});
  const std::vector<torch::Tensor> before = Parameters(other);

  std::vector<std::string> problems;
  RestoredCheckpoint restored = LearnerCheckpoints(dir, 2)
                                    .RestoreLatest(*other, other_step.optimizer(), &problems)
                                    .value();
  EXPECT_EQ(restored.path, "");
  EXPECT_EQ(problems.size(), 1u);
  absl::Status status =
      RestoreNewestCheckpoint(dir, *other, other_step.optimizer()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find(path), absl::string_view::npos) << status;
  EXPECT_TRUE(Same(Parameters(other), before));
}

TEST(Checkpoint, MismatchedPolicyIsAClearError) {
  const std::string dir = TempDir("ckpt_mismatch");
  PolicyNetwork net = MakePolicyNetwork(Config({16}), 1).value();
  MStep m_step(net, MStepConfig{});
  ASSERT_TRUE(LearnerCheckpoints(dir, 2).Write(*net, m_step.optimizer(), {1, 1}).ok());
  PolicyNetwork wider = MakePolicyNetwork(Config({32}), 1).value();
  MStep wider_step(wider, MStepConfig{});
  auto status = RestoreNewestCheckpoint(dir, *wider, wider_step.optimizer()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_NE(status.message().find("hidden_sizes 16"), absl::string_view::npos) << status;
  EXPECT_EQ(RestoreNewestCheckpoint(TempDir("ckpt_none"), *wider, wider_step.optimizer())
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(VersionLease, VersionsIncreaseAcrossReopenEvenWithoutCheckpoint) {
  const std::string dir = TempDir("lease");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/version_lease";
  VersionLease lease = VersionLease::Open(path, -1).value();
  int64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    const int64_t v = lease.Next().value();
    EXPECT_GT(v, last);
    last = v;
  }
  // A learner that died after publishing `last` (no checkpoint) restarts
  // above it.
  VersionLease reopened = VersionLease::Open(path, /*at_least=*/2).value();
  EXPECT_GT(reopened.Next().value(), last);
  // In memory only: starts above at_least.
  EXPECT_EQ(VersionLease::Open("", 41).value().Next().value(), 42);
}

}  // namespace
}  // namespace hem
