// The episode log: acknowledged means on disk (a killed writer loses
// nothing it acknowledged), torn or corrupt tails are dropped and truncated,
// group commit shares syncs, and checkpoint + log never hold an episode twice.
#include "replay_service/episode_log.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/env_catalog.h"
#include "gtest/gtest.h"
#include "replay_service/checkpoint.h"
#include "replay_service/episode_log_reader.h"
#include "replay_service/replay_server.h"
#include "replay_service/replay_testing.h"

namespace hem {
namespace {

std::string TempDir(const std::string& name) {
  const std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/", name);
  mkdir(dir.c_str(), 0755);
  return dir;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

hem::v1::EnvSpec Spec() { return *MakeEnvSpec("fetch_reach"); }

// A shard logging to segment 1 of `dir`, with `episodes` stored (each
// Insert returns only once its record is on disk).
struct LoggedShard {
  explicit LoggedShard(const std::string& dir) : shard(ReplayShardConfig{}) {
    auto created = EpisodeLog::Create(dir, 0, 1, {});
    EXPECT_TRUE(created.ok()) << created.status();
    log = *std::move(created);
    shard.AttachLog(log.get());
    EXPECT_TRUE(shard.RegisterSpec(Spec()).ok());
  }
  void Insert(uint64_t first, int count) {
    for (int e = 0; e < count; ++e) {
      hem::v1::Trajectory t = testing::MakeTrajectory(Spec(), 1, first + e);
      auto outcome = shard.Insert(&t, absl::InfiniteFuture(), nullptr);
      ASSERT_TRUE(outcome.ok() && outcome->stored && !outcome->duplicate);
    }
  }
  ReplayShard shard;
  std::unique_ptr<EpisodeLog> log;
};

LogReplayReport Replay(const std::string& dir, ReplayShard* shard,
                       int64_t from = -1) {
  auto report = ReplayEpisodeLog(dir, 0, from, shard);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : LogReplayReport{};
}

std::string SegmentPath(const std::string& dir, int64_t segment) {
  return *EpisodeLogFiles(dir, 0).PathFor(segment);
}

TEST(EpisodeLog, KilledWriterLosesNothingItAcknowledged) {
  const std::string dir = TempDir("killed");
  int acks[2];
  ASSERT_EQ(pipe(acks), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Inserts until killed, reporting each acknowledged episode id.
    close(acks[0]);
    LoggedShard logged(dir);
    for (uint64_t e = 0;; ++e) {
      hem::v1::Trajectory t = testing::MakeTrajectory(Spec(), 1, e);
      auto outcome = logged.shard.Insert(&t, absl::InfiniteFuture(), nullptr);
      if (!outcome.ok() || !outcome->stored) _exit(3);
      if (write(acks[1], &e, sizeof(e)) != sizeof(e)) _exit(4);
    }
  }
  close(acks[1]);
  uint64_t acknowledged = 0, id;
  while (acknowledged < 300 && read(acks[0], &id, sizeof(id)) == sizeof(id)) {
    ++acknowledged;
  }
  kill(child, SIGKILL);  // No destructor, no flush: as a crash.
  while (read(acks[0], &id, sizeof(id)) == sizeof(id)) ++acknowledged;
  close(acks[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_GE(acknowledged, 300u);

  ReplayShard restored(ReplayShardConfig{});
  const LogReplayReport report = Replay(dir, &restored);
  EXPECT_EQ(report.duplicates, 0);
  // Every acknowledged episode is back; at most the one in flight more.
  EXPECT_GE(report.episodes, static_cast<int64_t>(acknowledged));
  EXPECT_LE(report.episodes, static_cast<int64_t>(acknowledged) + 1);
  EXPECT_EQ(restored.Stats().episodes(), report.episodes);
}

TEST(EpisodeLog, TornTailIsDroppedReportedAndTruncatedAtAnyLength) {
  const std::string dir = TempDir("torn");
  {
    LoggedShard logged(dir);
    logged.Insert(0, 3);
  }
  const std::string path = SegmentPath(dir, 1);
  const std::string whole = ReadFile(path);
  ReplayShard full(ReplayShardConfig{});
  ASSERT_EQ(Replay(dir, &full).episodes, 3);
  // Cut anywhere inside the last episode record: two remain, the rest is
  // reported and cut off the file.
  const hem::v1::Trajectory last = testing::MakeTrajectory(Spec(), 1, 2);
  const size_t last_start = whole.size() - last.ByteSizeLong() - kRecordOverhead;
  for (size_t cut = last_start + 1; cut < whole.size(); cut += 97) {
    WriteFile(path, whole.substr(0, cut));
    ReplayShard shard(ReplayShardConfig{});
    const LogReplayReport report = Replay(dir, &shard);
    EXPECT_EQ(report.episodes, 2) << "cut at " << cut;
    ASSERT_EQ(report.problems.size(), 1u) << "cut at " << cut;
    EXPECT_TRUE(absl::StrContains(report.problems[0], path)) << report.problems[0];
    EXPECT_TRUE(absl::StrContains(report.problems[0], "torn")) << report.problems[0];
    EXPECT_EQ(ReadFile(path), whole.substr(0, last_start));
  }
  // Truncated: the next start reports nothing.
  ReplayShard again(ReplayShardConfig{});
  const LogReplayReport clean = Replay(dir, &again);
  EXPECT_EQ(clean.episodes, 2);
  EXPECT_TRUE(clean.problems.empty());
}

TEST(EpisodeLog, FlippedBitOrGarbageTailIsNeverLoaded) {
  const std::string dir = TempDir("flipped");
  {
    LoggedShard logged(dir);
    logged.Insert(0, 4);
  }
  const std::string path = SegmentPath(dir, 1);
  const std::string whole = ReadFile(path);
  std::string bad = whole;
  bad[whole.size() - 100] ^= 0x04;  // Inside the last episode's bytes.
  WriteFile(path, bad);
  ReplayShard shard(ReplayShardConfig{});
  LogReplayReport report = Replay(dir, &shard);
  EXPECT_EQ(report.episodes, 3);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_TRUE(absl::StrContains(report.problems[0], "checksum")) << report.problems[0];

  WriteFile(path, whole + std::string(64, '\0'));  // Zeros a crash left.
  ReplayShard zeros(ReplayShardConfig{});
  report = Replay(dir, &zeros);
  EXPECT_EQ(report.episodes, 4);
  EXPECT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(ReadFile(path), whole);
}

TEST(EpisodeLog, ConcurrentInsertsShareSyncs) {
  const std::string dir = TempDir("group");
  LoggedShard logged(dir);
  std::vector<std::thread> threads;
  for (int w = 0; w < 8; ++w) {
    threads.emplace_back([&logged, w] { logged.Insert(1000 * w, 50); });
  }
  for (std::thread& t : threads) t.join();
  const EpisodeLog::Stats stats = logged.log->stats();
  EXPECT_EQ(stats.records, 8 * 50 + 1);  // And the spec.
  EXPECT_LT(stats.syncs, stats.records);
  EXPECT_EQ(logged.shard.Stats().episodes(), 400);
}

TEST(EpisodeLog, ASegmentOfAnotherShardIsRefused) {
  const std::string dir = TempDir("other");
  {
    LoggedShard logged(dir);
    logged.Insert(0, 2);
  }
  std::rename(SegmentPath(dir, 1).c_str(),
              absl::StrCat(dir, "/replay-shard-1-0000000001.log").c_str());
  ReplayShard shard(ReplayShardConfig{});
  auto report = ReplayEpisodeLog(dir, 1, -1, &shard);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->episodes, 0);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_TRUE(absl::StrContains(report->problems[0], "written by shard 0"));
}

// Checkpoints and the log through the server: a restart after a crash (no
// final checkpoint) has every episode exactly once, however many
// checkpoints and rotations came between.
TEST(EpisodeLog, CheckpointAndLogNeverHoldAnEpisodeTwice) {
  ReplayServerConfig config;
  config.checkpoint_dir = TempDir("server");
  config.checkpoint_interval = absl::ZeroDuration();
  config.checkpoint_on_shutdown = false;  // As a crash: only the log.
  const hem::v1::EnvSpec spec = Spec();
  int64_t inserted = 0;
  for (int life = 0; life < 3; ++life) {
    auto server = ReplayServer::Start(config);
    ASSERT_TRUE(server.ok()) << server.status();
    EXPECT_EQ((*server)->log_replay().duplicates, 0) << "life " << life;
    EXPECT_TRUE((*server)->log_replay().problems.empty());
    EXPECT_EQ((*server)->shard()->Stats().episodes(), inserted);
    ReplayShard* shard = (*server)->shard();
    ASSERT_TRUE(shard->RegisterSpec(spec).ok());
    std::atomic<bool> stop{false};
    std::thread writer([&] {
      for (uint64_t e = 0; !stop; ++e) {
        hem::v1::Trajectory t = testing::MakeTrajectory(spec, life, e);
        auto outcome = shard->Insert(&t, absl::InfiniteFuture(), nullptr);
        ASSERT_TRUE(outcome.ok() && outcome->stored && !outcome->duplicate);
        ++inserted;
      }
    });
    // Checkpoints (and log rotations) while inserts continue.
    for (int c = 0; c < 3; ++c) {
      absl::SleepFor(absl::Milliseconds(30));
      ASSERT_TRUE((*server)->Checkpoint().ok());
    }
    stop = true;
    writer.join();
    ASSERT_TRUE((*server)->Shutdown().ok());
  }
  auto server = ReplayServer::Start(config);
  ASSERT_TRUE(server.ok());
  EXPECT_EQ((*server)->log_replay().duplicates, 0);
  EXPECT_EQ((*server)->shard()->Stats().episodes(), inserted);
  EXPECT_EQ((*server)->shard()->duplicate_trajectories(), 0);
  // Only the segments the oldest kept checkpoint lacks remain.
  EXPECT_LE(EpisodeLogFiles(config.checkpoint_dir, 0).List().size(), 6u);
}

TEST(EpisodeLog, DurabilityCheckpointWritesNoLog) {
  ReplayServerConfig config;
  config.checkpoint_dir = TempDir("nolog");
  config.durability = Durability::kCheckpoint;
  auto server = ReplayServer::Start(config);
  ASSERT_TRUE(server.ok());
  ASSERT_TRUE((*server)->shard()->RegisterSpec(Spec()).ok());
  hem::v1::Trajectory t = testing::MakeTrajectory(Spec(), 1, 1);
  ASSERT_TRUE((*server)->shard()->Insert(&t, absl::InfiniteFuture(), nullptr).ok());
  EXPECT_TRUE(EpisodeLogFiles(config.checkpoint_dir, 0).List().empty());
  EXPECT_TRUE(ParseDurability("log").ok());
  EXPECT_FALSE(ParseDurability("fsync").ok());
}

}  // namespace
}  // namespace hem
