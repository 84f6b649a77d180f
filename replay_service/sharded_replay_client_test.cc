// The sharded client against real shards on loopback.
#include "replay_service/sharded_replay_client.h"

#include <map>
#include <memory>
#include <set>

#include "absl/time/clock.h"
#include "common/env_catalog.h"
#include "common/shard_addresses.h"
#include "gtest/gtest.h"
#include "replay_service/replay_server.h"
#include "replay_service/replay_testing.h"

namespace hem {
namespace {

ReplayServerConfig ShardConfig(int index, int num_shards, int port = 0) {
  ReplayServerConfig config;
  config.port = port;
  config.shard.shard_index = index;
  config.shard.num_shards = num_shards;
  config.checkpoint_interval = absl::ZeroDuration();
  return config;
}

std::unique_ptr<ReplayServer> StartShard(const ReplayServerConfig& config) {
  auto server = ReplayServer::Start(config);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

// Episode ids held by a shard, read back through its in-process snapshot.
std::set<uint64_t> StoredEpisodes(ReplayServer* server) {
  std::set<uint64_t> ids;
  for (const auto& group : server->shard()->Snapshot()) {
    for (const auto& episode : group.episodes) ids.insert(episode->episode_id);
  }
  return ids;
}

TEST(ShardedReplayClient, WriterRoutesEpisodesByShardForEpisode) {
  auto spec = MakeEnvSpec("fetch_reach");
  ASSERT_TRUE(spec.ok());
  auto shard0 = StartShard(ShardConfig(0, 2));
  auto shard1 = StartShard(ShardConfig(1, 2));
  ReplayWriterOptions options;
  options.addresses = {shard0->address(), shard1->address()};
  auto writer = ShardedReplayWriter::Create(options, *spec);
  ASSERT_TRUE(writer.ok()) << writer.status();
  constexpr int kEpisodes = 40;
  for (int e = 0; e < kEpisodes; ++e) {
    ASSERT_TRUE((*writer)
                    ->Insert(testing::MakeTrajectory(*spec, 3, e),
                             absl::Seconds(5))
                    .ok());
  }
  ASSERT_TRUE((*writer)->Flush(absl::Seconds(10)).ok());
  EXPECT_EQ((*writer)->stats().acknowledged, kEpisodes);
  EXPECT_EQ((*writer)->stats().pending, 0);
  const std::set<uint64_t> on0 = StoredEpisodes(shard0.get());
  const std::set<uint64_t> on1 = StoredEpisodes(shard1.get());
  EXPECT_EQ(on0.size() + on1.size(), kEpisodes);
  for (uint64_t id : on0) EXPECT_EQ(ShardForEpisode(3, id, 2), 0);
  for (uint64_t id : on1) EXPECT_EQ(ShardForEpisode(3, id, 2), 1);
  EXPECT_FALSE(on0.empty());
  EXPECT_FALSE(on1.empty());
}

TEST(ShardedReplayClient, RejectedTrajectoriesAreCountedNotRetried) {
  auto spec = MakeEnvSpec("nav:k=2");
  ASSERT_TRUE(spec.ok());
  auto shard = StartShard(ShardConfig(0, 1));
  ReplayWriterOptions options;
  options.addresses = {shard->address()};
  auto writer = ShardedReplayWriter::Create(options, *spec);
  ASSERT_TRUE(writer.ok());
  hem::v1::Trajectory bad = testing::MakeTrajectory(*spec, 1, 1);
  bad.set_num_steps(0);
  ASSERT_TRUE((*writer)->Insert(bad, absl::Seconds(5)).ok());
  ASSERT_TRUE((*writer)
                  ->Insert(testing::MakeTrajectory(*spec, 1, 2), absl::Seconds(5))
                  .ok());
  ASSERT_TRUE((*writer)->Flush(absl::Seconds(10)).ok());
  const ReplayWriterStats stats = (*writer)->stats();
  EXPECT_EQ(stats.acknowledged, 1);
  EXPECT_EQ(stats.rejected, 1);
  EXPECT_NE(stats.last_error.find("trajectory.num_steps"), std::string::npos)
      << stats.last_error;
  EXPECT_EQ(shard->Stats().episodes(), 1);
  EXPECT_EQ(shard->Stats().rejected_trajectories(), 1);
}

TEST(ShardedReplayClient, CreateRejectsBadOptions) {
  auto spec = MakeEnvSpec("nav:k=2");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(ShardedReplayWriter::Create({}, *spec).status().code(),
            absl::StatusCode::kInvalidArgument);
  ReplaySamplerOptions sampler;
  EXPECT_EQ(ShardedReplaySampler::Create(sampler).status().code(),
            absl::StatusCode::kInvalidArgument);
  sampler.addresses = {"127.0.0.1:1"};
  sampler.batch_size = 0;
  EXPECT_EQ(ShardedReplaySampler::Create(sampler).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ShardedReplayClient, SamplerCombinesShardsAndSurvivesAShardDying) {
  auto spec = MakeEnvSpec("fetch_reach");
  ASSERT_TRUE(spec.ok());
  auto shard0 = StartShard(ShardConfig(0, 2));
  auto shard1 = StartShard(ShardConfig(1, 2));
  {
    ReplayWriterOptions options;
    options.addresses = {shard0->address(), shard1->address()};
    auto writer = ShardedReplayWriter::Create(options, *spec);
    ASSERT_TRUE(writer.ok());
    for (int e = 0; e < 30; ++e) {
      ASSERT_TRUE((*writer)
                      ->Insert(testing::MakeTrajectory(*spec, 9, e),
                               absl::Seconds(5))
                      .ok());
    }
    ASSERT_TRUE((*writer)->Flush(absl::Seconds(10)).ok());
  }
  const std::set<uint64_t> on0 = StoredEpisodes(shard0.get());
  ASSERT_FALSE(on0.empty());
  ASSERT_FALSE(StoredEpisodes(shard1.get()).empty());

  ReplaySamplerOptions options;
  options.addresses = {shard0->address(), shard1->address()};
  options.batch_size = 64;
  options.with_next = true;
  options.seed = 5;
  auto sampler = ShardedReplaySampler::Create(options);
  ASSERT_TRUE(sampler.ok());
  // Once both streams deliver (prefetch queues full), batches come from both.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while ((*sampler)->stats().live_shards < 2 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  absl::SleepFor(absl::Milliseconds(100));
  std::set<int> shards_seen;
  for (int i = 0; i < 60; ++i) {
    auto batch = (*sampler)->Next(absl::Seconds(10));
    ASSERT_TRUE(batch.ok()) << batch.status();
    ASSERT_EQ(batch->size(), 64);
    ASSERT_EQ(batch->goals().shape(0), 64);
    EXPECT_EQ(batch->spec_id(), spec->spec_id());
    EXPECT_EQ(batch->rewards().shape(0), 64);
    // Future relabeling: goal = (episode_id, t', actor) of the same episode;
    // the episode tells which shard produced the batch.
    const float* goal = reinterpret_cast<const float*>(batch->goals().data().data());
    shards_seen.insert(on0.count(static_cast<uint64_t>(goal[0])) ? 0 : 1);
  }
  EXPECT_EQ(shards_seen.size(), 2u);

  absl::Time start = absl::Now();
  ASSERT_TRUE(shard0->Shutdown().ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  start = absl::Now();
  // The learner keeps getting full batches. Shard 0's stream first delivers
  // what it had buffered, then ends; from then on only shard 1 is used
  // (after at most the prefetched batches).
  int batches = 0;
  while ((*sampler)->stats().live_shards == 2) {
    auto batch = (*sampler)->Next(absl::Seconds(10));
    ASSERT_TRUE(batch.ok()) << batch.status();
    ASSERT_EQ(batch->size(), 64);
    ASSERT_LT(++batches, 1000000) << "shard 0's stream never ended";
  }
  int from0 = 0;
  for (int i = 0; i < 200; ++i) {
    auto batch = (*sampler)->Next(absl::Seconds(10));
    ASSERT_TRUE(batch.ok()) << batch.status();
    ASSERT_EQ(batch->size(), 64);
    const float* goal =
        reinterpret_cast<const float*>(batch->goals().data().data());
    from0 += on0.count(static_cast<uint64_t>(goal[0]));
  }
  EXPECT_LE(from0, options.prefetch_batches);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ((*sampler)->stats().live_shards, 1);
}

TEST(ShardedReplayClient, SamplerTimesOutWhenNoShardIsUp) {
  ReplaySamplerOptions options;
  options.addresses = {"127.0.0.1:1"};
  auto sampler = ShardedReplaySampler::Create(options);
  ASSERT_TRUE(sampler.ok());
  const absl::Time start = absl::Now();
  auto batch = (*sampler)->Next(absl::Milliseconds(300));
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST(ShardedReplayClient, WriterReconnectsAfterRestartWithoutDuplicates) {
  auto spec = MakeEnvSpec("flip_bit:k=8");
  ASSERT_TRUE(spec.ok());
  const std::string dir = std::string(getenv("TEST_TMPDIR")) + "/restart";
  ReplayServerConfig config = ShardConfig(0, 1);
  config.checkpoint_dir = dir;
  auto shard = StartShard(config);
  const int port = shard->port();
  ReplayWriterOptions options;
  options.addresses = {shard->address()};
  auto writer = ShardedReplayWriter::Create(options, *spec);
  ASSERT_TRUE(writer.ok());
  testing::TrajectoryOptions trajectory_options;
  trajectory_options.num_steps = 8;
  trajectory_options.tagged = false;
  for (int e = 0; e < 20; ++e) {
    ASSERT_TRUE((*writer)
                    ->Insert(testing::MakeTrajectory(*spec, 1, e, trajectory_options),
                             absl::Seconds(5))
                    .ok());
  }
  ASSERT_TRUE((*writer)->Flush(absl::Seconds(10)).ok());
  ASSERT_TRUE(shard->Shutdown().ok());  // Writes the final checkpoint.
  shard.reset();

  // Shard down: inserts queue up.
  for (int e = 20; e < 40; ++e) {
    ASSERT_TRUE((*writer)
                    ->Insert(testing::MakeTrajectory(*spec, 1, e, trajectory_options),
                             absl::Seconds(5))
                    .ok());
  }
  EXPECT_EQ((*writer)->Flush(absl::Milliseconds(300)).code(),
            absl::StatusCode::kDeadlineExceeded);
  // Restarted on the same port, restoring the checkpoint.
  shard = StartShard(ShardConfig(0, 1, port));
  ASSERT_NE(shard, nullptr);
  // (A fresh config without checkpoint_dir would lose the first 20; use it.)
  shard.reset();
  config.port = port;
  shard = StartShard(config);
  ASSERT_NE(shard, nullptr);
  ASSERT_TRUE((*writer)->Flush(absl::Seconds(20)).ok())
      << (*writer)->stats().last_error;
  // Resend everything once more by hand: the shard must drop duplicates.
  for (int e = 30; e < 40; ++e) {
    ASSERT_TRUE((*writer)
                    ->Insert(testing::MakeTrajectory(*spec, 1, e, trajectory_options),
                             absl::Seconds(5))
                    .ok());
  }
  ASSERT_TRUE((*writer)->Flush(absl::Seconds(10)).ok());
  EXPECT_GE((*writer)->stats().reconnects, 1);
  const std::set<uint64_t> stored = StoredEpisodes(shard.get());
  EXPECT_EQ(stored.size(), 40u);
  EXPECT_EQ(shard->Stats().episodes(), 40);
  EXPECT_EQ(shard->Stats().transitions(), 40 * 8);
}

}  // namespace
}  // namespace hem
