#include "tests/probe_files.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "common/env_catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

ProbeEpisodes ImageEpisodes() {
  torch::manual_seed(3);
  return {torch::randint(256, {3, 5, 48, 48, 3}, torch::kUInt8), torch::randn({3, 5, 2}),
          torch::randn({3, 6, 2})};
}

TEST(ProbeFilesTest, EpisodesRoundTripExactly) {
  const std::string path = TempPath("episodes.ep");
  const ProbeEpisodes written = ImageEpisodes();
  ASSERT_TRUE(WriteEpisodes(written, path).ok());
  absl::StatusOr<ProbeEpisodes> read = ReadEpisodes(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(torch::equal(read->observations, written.observations));
  EXPECT_TRUE(torch::equal(read->actions, written.actions));
  EXPECT_TRUE(torch::equal(read->achieved, written.achieved));
}

TEST(ProbeFilesTest, DamagedEpisodesFilesAreRefusedByName) {
  const std::string path = TempPath("damaged.ep");
  ASSERT_TRUE(WriteEpisodes(ImageEpisodes(), path).ok());
  const std::string good = ReadAll(path);

  WriteAll(path, "NOTMAGIC" + good.substr(8));
  EXPECT_THAT(ReadEpisodes(path).status().message(), HasSubstr("bad magic"));

  WriteAll(path, good.substr(0, good.size() - 1));
  absl::Status truncated = ReadEpisodes(path).status();
  EXPECT_EQ(truncated.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(truncated.message(), HasSubstr("achieved"));

  WriteAll(path, good + "x");
  EXPECT_THAT(ReadEpisodes(path).status().message(), HasSubstr("1 bytes after the last tensor"));

  // The observations' first dimension claims 2^40 episodes: refused before
  // anything that size is allocated.
  std::string huge = good;
  const int64_t episodes = int64_t{1} << 40;
  std::memcpy(huge.data() + 8 + 16, &episodes, sizeof(episodes));
  absl::Status too_big = ReadEpisodes(path + ".huge").status();
  EXPECT_EQ(too_big.code(), absl::StatusCode::kNotFound);
  WriteAll(path + ".huge", huge);
  too_big = ReadEpisodes(path + ".huge").status();
  EXPECT_EQ(too_big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_big.message(), HasSubstr("observations"));

  // Actions of another horizon than the observations.
  ProbeEpisodes mismatched = ImageEpisodes();
  mismatched.actions = torch::randn({3, 4, 2});
  ASSERT_TRUE(WriteEpisodes(mismatched, path).ok());
  EXPECT_THAT(ReadEpisodes(path).status().message(), HasSubstr("disagree"));
}

TEST(ProbeFilesTest, WeightsRoundTripIntoAFreshNetwork) {
  absl::StatusOr<hem::v1::EnvSpec> spec = MakeEnvSpec("reacher:image=48");
  ASSERT_TRUE(spec.ok());
  absl::StatusOr<PolicyNetwork> trained = MakeProbeNetwork(*spec, 1);
  absl::StatusOr<PolicyNetwork> fresh = MakeProbeNetwork(*spec, 2);
  ASSERT_TRUE(trained.ok() && fresh.ok());
  const torch::Tensor images = torch::randint(256, {4, 48, 48, 3}, torch::kUInt8);
  const torch::Tensor goals = torch::randn({4, spec->goal_dim()});
  const torch::Tensor before = (*fresh)->Forward({images, goals, torch::Tensor()});
  const torch::Tensor want = (*trained)->Forward({images, goals, torch::Tensor()});
  ASSERT_FALSE(torch::equal(before, want));

  const std::string path = TempPath("weights.bin");
  ASSERT_TRUE(WriteWeights(**trained, path).ok());
  ASSERT_TRUE(ReadWeights(path, **fresh).ok());
  EXPECT_TRUE(torch::equal((*fresh)->Forward({images, goals, torch::Tensor()}), want));
}

TEST(ProbeFilesTest, WeightsOfAnotherNetworkLeaveTheNetworkUnchanged) {
  absl::StatusOr<hem::v1::EnvSpec> states = MakeEnvSpec("reacher");
  absl::StatusOr<hem::v1::EnvSpec> images = MakeEnvSpec("reacher:image=48");
  ASSERT_TRUE(states.ok() && images.ok());
  absl::StatusOr<PolicyNetwork> state_net = MakeProbeNetwork(*states, 1);
  absl::StatusOr<PolicyNetwork> image_net = MakeProbeNetwork(*images, 1);
  ASSERT_TRUE(state_net.ok() && image_net.ok());
  const std::string path = TempPath("state_weights.bin");
  ASSERT_TRUE(WriteWeights(**state_net, path).ok());
  const std::vector<NamedTensor> before = SnapshotNetwork(**image_net);
  absl::Status status = ReadWeights(path, **image_net);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(path));
  const std::vector<NamedTensor> after = SnapshotNetwork(**image_net);
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_TRUE(torch::equal(before[i].tensor, after[i].tensor)) << before[i].name;
  }
}

}  // namespace
}  // namespace hem
