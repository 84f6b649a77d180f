// Tests of the checkpoint format (truncation, bit flips) and of the
// checkpoint directory (keep N, fall back, crash safety).
#include "replay_service/checkpoint.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/env_catalog.h"
#include "gtest/gtest.h"
#include "replay_service/replay_testing.h"

namespace hem {
namespace {

std::string TempDir(const std::string& name) {
  const std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/", name);
  mkdir(dir.c_str(), 0755);
  return dir;
}

void Fill(ReplayShard* shard, const std::string& env, int episodes, int steps,
          uint64_t first_id = 0) {
  auto spec = MakeEnvSpec(env);
  ASSERT_TRUE(spec.ok());
  ASSERT_TRUE(shard->RegisterSpec(*spec).ok());
  testing::TrajectoryOptions options;
  options.num_steps = steps;
  for (int e = 0; e < episodes; ++e) {
    hem::v1::Trajectory trajectory =
        testing::MakeTrajectory(*spec, 1, first_id + e, options);
    auto outcome = shard->Insert(&trajectory, absl::InfiniteFuture(), nullptr);
    ASSERT_TRUE(outcome.ok() && outcome->stored);
  }
}

// Every stored episode, serialized, in order.
std::vector<std::string> Contents(const ReplayShard& shard) {
  std::vector<std::string> out;
  for (const auto& group : shard.Snapshot()) {
    out.push_back(group.spec.SerializeAsString());
    for (const auto& episode : group.episodes) {
      out.push_back(TrajectoryFromEpisode(*episode, group.spec).SerializeAsString());
    }
  }
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

TEST(Checkpoint, RoundTripRestoresEveryEpisodeOfEverySpec) {
  ReplayShard shard(ReplayShardConfig{});
  Fill(&shard, "fetch_reach", 30, 12);
  Fill(&shard, "flip_bit:k=8", 20, 8, 100);
  Fill(&shard, "sawyer_reach:image=48,image_goal=1", 3, 4, 200);
  const std::string path = TempDir("roundtrip") + "/a.ckpt";
  ASSERT_TRUE(WriteCheckpointFile(path, 0, 1, shard.Snapshot()).ok());
  auto contents = ReadCheckpointFile(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_EQ(contents->num_episodes, 53);
  ReplayShard restored(ReplayShardConfig{});
  ASSERT_TRUE(RestoreShard(*std::move(contents), &restored).ok());
  EXPECT_EQ(Contents(restored), Contents(shard));
  EXPECT_EQ(restored.Stats().transitions(), shard.Stats().transitions());
  EXPECT_EQ(restored.Stats().bytes(), shard.Stats().bytes());
  // Restored data is immediately sampleable.
  auto table = restored.AwaitTable(MakeEnvSpec("fetch_reach")->spec_id(),
                                   absl::Now(), nullptr);
  ASSERT_TRUE(table.ok());
  HindsightSampler sampler(&(*table)->table, HindsightOptions{}, 1);
  hem::v1::Batch batch;
  EXPECT_TRUE(restored.SampleBatch(*table, &sampler, 256, absl::Now() + absl::Seconds(1),
                                   nullptr, &batch).ok());
}

TEST(Checkpoint, TruncatedFileIsDetectedAtAnyLength) {
  ReplayShard shard(ReplayShardConfig{});
  Fill(&shard, "nav:k=2", 5, 10);
  const std::string dir = TempDir("truncated");
  const std::string path = dir + "/full.ckpt";
  ASSERT_TRUE(WriteCheckpointFile(path, 0, 1, shard.Snapshot()).ok());
  const std::string data = ReadFile(path);
  ASSERT_GT(data.size(), 100u);
  for (size_t length : {size_t{0}, size_t{5}, size_t{8}, size_t{20},
                        data.size() / 3, data.size() / 2, data.size() - 20,
                        data.size() - 1}) {
    const std::string cut = absl::StrCat(dir, "/cut", length, ".ckpt");
    WriteFile(cut, data.substr(0, length));
    auto contents = ReadCheckpointFile(cut);
    ASSERT_FALSE(contents.ok()) << "length " << length;
    EXPECT_EQ(contents.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(absl::StrContains(contents.status().message(), cut))
        << contents.status();
  }
  WriteFile(dir + "/long.ckpt", data + "x");
  EXPECT_EQ(ReadCheckpointFile(dir + "/long.ckpt").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(Checkpoint, FlippedBitIsDetected) {
  ReplayShard shard(ReplayShardConfig{});
  Fill(&shard, "fetch_reach", 5, 10);
  const std::string dir = TempDir("flipped");
  const std::string path = dir + "/a.ckpt";
  ASSERT_TRUE(WriteCheckpointFile(path, 0, 1, shard.Snapshot()).ok());
  std::string data = ReadFile(path);
  for (size_t offset : {data.size() / 4, data.size() / 2, data.size() - 30}) {
    std::string bad = data;
    bad[offset] ^= 0x10;
    WriteFile(path, bad);
    auto contents = ReadCheckpointFile(path);
    ASSERT_FALSE(contents.ok());
    EXPECT_TRUE(absl::StrContains(contents.status().message(), "checksum") ||
                absl::StrContains(contents.status().message(), "truncated"))
        << contents.status();
  }
}

TEST(CheckpointDirectory, KeepsTwoAndFallsBackFromACorruptNewest) {
  const std::string dir = TempDir("fallback");
  CheckpointDirectory checkpoints(dir, 0, 2);
  ReplayShard shard(ReplayShardConfig{});
  Fill(&shard, "fetch_reach", 10, 5);
  auto first = checkpoints.Write(shard);
  ASSERT_TRUE(first.ok()) << first.status();
  Fill(&shard, "fetch_reach", 10, 5, 10);
  auto second = checkpoints.Write(shard);
  ASSERT_TRUE(second.ok());
  Fill(&shard, "fetch_reach", 10, 5, 20);
  auto third = checkpoints.Write(shard);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(checkpoints.List(), (std::vector<std::string>{*third, *second}));

  // Newest corrupted: restore reports it and loads the previous one.
  std::string data = ReadFile(*third);
  WriteFile(*third, data.substr(0, data.size() / 2));
  ReplayShard restored(ReplayShardConfig{});
  std::vector<std::string> problems;
  auto loaded = checkpoints.RestoreLatest(&restored, &problems);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, *second);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(absl::StrContains(problems[0], *third)) << problems[0];
  EXPECT_TRUE(absl::StrContains(problems[0], "truncated")) << problems[0];
  EXPECT_EQ(restored.Stats().episodes(), 20);
}

TEST(CheckpointDirectory, KilledWriterLeavesThePreviousCheckpointUsable) {
  const std::string dir = TempDir("killed");
  CheckpointDirectory checkpoints(dir, 0, 2);
  ReplayShard shard(ReplayShardConfig{});
  Fill(&shard, "fetch_reach", 20, 10);
  ASSERT_TRUE(checkpoints.Write(shard).ok());
  Fill(&shard, "fetch_reach", 4000, 50, 1000);  // ~14 MB to write.

  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Writes the next checkpoint until killed.
    CheckpointDirectory writer(dir, 0, 2);
    while (true) (void)writer.Write(shard);
  }
  // Kill -9 once the temporary file is well under way.
  const std::string temp = dir + "/replay-shard-0-0000000002.ckpt.tmp";
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  struct stat st;
  while (absl::Now() < deadline &&
         !(stat(temp.c_str(), &st) == 0 && st.st_size > (1 << 20))) {
    absl::SleepFor(absl::Microseconds(200));
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_EQ(stat(temp.c_str(), &st), 0) << "child finished before the kill";

  ReplayShard restored(ReplayShardConfig{});
  std::vector<std::string> problems;
  auto loaded = checkpoints.RestoreLatest(&restored, &problems);
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(absl::EndsWith(*loaded, "replay-shard-0-0000000001.ckpt")) << *loaded;
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(restored.Stats().episodes(), 20);
  // The next write succeeds over the leftover temporary file.
  auto next = checkpoints.Write(restored);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_TRUE(ReadCheckpointFile(*next).ok());
}

TEST(CheckpointDirectory, WritesWhileInsertsContinue) {
  const std::string dir = TempDir("concurrent");
  CheckpointDirectory checkpoints(dir, 0, 2);
  ReplayShard shard(ReplayShardConfig{});
  Fill(&shard, "fetch_reach", 2000, 50);
  auto spec = MakeEnvSpec("fetch_reach");
  std::atomic<bool> stop{false};
  std::atomic<int> inserted_during{0};
  std::thread inserter([&] {
    testing::TrajectoryOptions options;
    options.num_steps = 50;
    for (uint64_t e = 100000; !stop; ++e) {
      hem::v1::Trajectory trajectory = testing::MakeTrajectory(*spec, 2, e, options);
      auto outcome = shard.Insert(&trajectory, absl::InfiniteFuture(), nullptr);
      if (outcome.ok() && outcome->stored) ++inserted_during;
    }
  });
  auto path = checkpoints.Write(shard);
  stop = true;
  inserter.join();
  ASSERT_TRUE(path.ok());
  auto contents = ReadCheckpointFile(*path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_GE(contents->num_episodes, 2000);
  EXPECT_GT(inserted_during.load(), 0);
}

}  // namespace
}  // namespace hem
