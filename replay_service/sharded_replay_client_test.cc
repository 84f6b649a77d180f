// The sharded client (ShardedReplayWriter, ShardedReplaySampler) against
// real shards on loopback.
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "absl/time/clock.h"
#include "common/env_catalog.h"
#include "common/shard_addresses.h"
#include "gtest/gtest.h"
#include "replay_service/replay_sampler.h"
#include "replay_service/replay_server.h"
#include "replay_service/replay_testing.h"
#include "replay_service/replay_writer.h"

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

// Stores `episodes` episodes of `steps` steps on one shard (the writer knows
// only that shard), all tagged with `policy_version` so sampled rows tell
// which shard they came from.
void FillShard(const hem::v1::EnvSpec& spec, ReplayServer* server,
               int first_episode, int episodes, int steps,
               int64_t policy_version) {
  ReplayWriterOptions options;
  options.addresses = {server->address()};
  auto writer = ShardedReplayWriter::Create(options, spec);
  ASSERT_TRUE(writer.ok()) << writer.status();
  testing::TrajectoryOptions trajectory_options;
  trajectory_options.num_steps = steps;
  for (int e = first_episode; e < first_episode + episodes; ++e) {
    hem::v1::Trajectory trajectory =
        testing::MakeTrajectory(spec, 1, e, trajectory_options);
    trajectory.set_policy_version(policy_version);
    ASSERT_TRUE((*writer)->Insert(std::move(trajectory), absl::Seconds(5)).ok());
  }
  ASSERT_TRUE((*writer)->Flush(absl::Seconds(10)).ok());
}

// Waits until every shard streams and the first GetStats round (the size
// weights) has had time to land.
void WaitForShards(ShardedReplaySampler* sampler, int shards) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (sampler->stats().live_shards < shards && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(sampler->stats().live_shards, shards);
  absl::SleepFor(absl::Milliseconds(300));
}

// Checks that every per-row tensor of `batch` holds exactly `rows` rows.
void ExpectRows(const hem::v1::Batch& batch, int64_t rows) {
  EXPECT_EQ(batch.size(), rows);
  EXPECT_LE(batch.num_relabeled(), rows);
  const hem::v1::Tensor* tensors[] = {
      &batch.observations(), &batch.goals(),     &batch.actions(),
      &batch.next_observations(), &batch.rewards(), &batch.terminals(),
      &batch.policy_versions()};
  for (const hem::v1::Tensor* tensor : tensors) {
    ASSERT_GE(tensor->shape_size(), 1);
    EXPECT_EQ(tensor->shape(0), rows);
    int64_t elements = 1;
    for (int64_t d : tensor->shape()) elements *= d;
    const int64_t element_bytes =
        tensor->dtype() == hem::v1::DTYPE_UINT8   ? 1
        : tensor->dtype() == hem::v1::DTYPE_INT64 ? 8
                                                  : 4;
    EXPECT_EQ(static_cast<int64_t>(tensor->data().size()),
              elements * element_bytes);
  }
}

const int64_t* PolicyVersions(const hem::v1::Batch& batch) {
  return reinterpret_cast<const int64_t*>(batch.policy_versions().data().data());
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

TEST(ShardedReplayClient, InsertAllQueuesABatchInOrderAcrossShards) {
  auto spec = MakeEnvSpec("flip_bit:k=10");
  ASSERT_TRUE(spec.ok());
  auto shard0 = StartShard(ShardConfig(0, 2));
  auto shard1 = StartShard(ShardConfig(1, 2));
  ReplayWriterOptions options;
  options.addresses = {shard0->address(), shard1->address()};
  auto writer = ShardedReplayWriter::Create(options, *spec);
  ASSERT_TRUE(writer.ok()) << writer.status();
  std::vector<hem::v1::Trajectory> batch;
  for (int e = 0; e < 30; ++e) batch.push_back(testing::MakeTrajectory(*spec, 5, e));
  size_t queued = 0;
  ASSERT_TRUE((*writer)->InsertAll(absl::MakeSpan(batch), absl::Seconds(5), &queued).ok());
  EXPECT_EQ(queued, batch.size());
  ASSERT_TRUE((*writer)->Flush(absl::Seconds(10)).ok());
  EXPECT_EQ((*writer)->stats().acknowledged, 30);
  const std::set<uint64_t> on0 = StoredEpisodes(shard0.get());
  const std::set<uint64_t> on1 = StoredEpisodes(shard1.get());
  EXPECT_EQ(on0.size() + on1.size(), 30u);
  for (uint64_t id : on0) EXPECT_EQ(ShardForEpisode(5, id, 2), 0);
  for (uint64_t id : on1) EXPECT_EQ(ShardForEpisode(5, id, 2), 1);
}

// With no shard up, the batch fills max_pending and the rest comes back
// untouched, so the caller's retry resends exactly what was not queued.
TEST(ShardedReplayClient, InsertAllHandsBackWhatDidNotFit) {
  auto spec = MakeEnvSpec("flip_bit:k=10");
  ASSERT_TRUE(spec.ok());
  ReplayWriterOptions options;
  options.addresses = {"127.0.0.1:1"};  // Nothing listens: nothing is acknowledged.
  options.max_pending = 4;
  auto writer = ShardedReplayWriter::Create(options, *spec);
  ASSERT_TRUE(writer.ok()) << writer.status();
  std::vector<hem::v1::Trajectory> batch;
  for (int e = 0; e < 7; ++e) batch.push_back(testing::MakeTrajectory(*spec, 5, e));
  size_t queued = 0;
  const absl::Status status =
      (*writer)->InsertAll(absl::MakeSpan(batch), absl::Milliseconds(200), &queued);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_EQ(queued, 4u);
  EXPECT_EQ((*writer)->stats().pending, 4);
  for (size_t i = queued; i < batch.size(); ++i) {
    EXPECT_EQ(batch[i].episode_id(), i) << "trajectory " << i << " was not handed back";
    EXPECT_GT(batch[i].num_steps(), 0);
  }
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
    // Observation row i starts with (t, episode_id); the episode tells which
    // shard produced the row.
    const float* obs =
        reinterpret_cast<const float*>(batch->observations().data().data());
    const int obs_size = static_cast<int>(batch->observations().shape(1));
    for (int row = 0; row < 64; ++row) {
      shards_seen.insert(
          on0.count(static_cast<uint64_t>(obs[row * obs_size + 1])) ? 0 : 1);
    }
  }
  EXPECT_EQ(shards_seen.size(), 2u);

  absl::Time start = absl::Now();
  ASSERT_TRUE(shard0->Shutdown().ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  start = absl::Now();
  // The learner keeps getting full batches. Shard 0's stream first delivers
  // what it had buffered, then ends; from then on only shard 1 is used
  // (after at most the prefetched chunks, prefetch_batches' worth of rows).
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
    ExpectRows(*batch, 64);
    const float* obs =
        reinterpret_cast<const float*>(batch->observations().data().data());
    const int obs_size = static_cast<int>(batch->observations().shape(1));
    for (int row = 0; row < 64; ++row) {
      from0 += on0.count(static_cast<uint64_t>(obs[row * obs_size + 1]));
    }
  }
  EXPECT_LE(from0, options.prefetch_batches * 64);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ((*sampler)->stats().live_shards, 1);
}

TEST(ShardedReplayClient, SamplerSplitsBatchesAcrossShardsBySize) {
  auto spec = MakeEnvSpec("fetch_reach");
  ASSERT_TRUE(spec.ok());
  auto shard0 = StartShard(ShardConfig(0, 2));
  auto shard1 = StartShard(ShardConfig(1, 2));
  // 2:1 in transitions, told apart by policy version.
  FillShard(*spec, shard0.get(), 0, 40, 10, 100);
  FillShard(*spec, shard1.get(), 1000, 20, 10, 200);
  ASSERT_EQ(shard0->Stats().transitions(), 400);
  ASSERT_EQ(shard1->Stats().transitions(), 200);

  ReplaySamplerOptions options;
  options.addresses = {shard0->address(), shard1->address()};
  options.batch_size = 60;  // Chunks of 15: four per batch.
  options.with_next = true;
  options.seed = 11;
  auto sampler = ShardedReplaySampler::Create(options);
  ASSERT_TRUE(sampler.ok());
  WaitForShards(sampler->get(), 2);

  constexpr int kBatches = 300;
  int64_t rows0 = 0;
  int64_t rows1 = 0;
  int mixed = 0;
  for (int i = 0; i < kBatches; ++i) {
    auto batch = (*sampler)->Next(absl::Seconds(10));
    ASSERT_TRUE(batch.ok()) << batch.status();
    ExpectRows(*batch, 60);
    EXPECT_EQ(batch->spec_id(), spec->spec_id());
    int in0 = 0;
    int in1 = 0;
    for (int row = 0; row < 60; ++row) {
      const int64_t version = PolicyVersions(*batch)[row];
      ASSERT_TRUE(version == 100 || version == 200) << version;
      (version == 100 ? in0 : in1) += 1;
    }
    rows0 += in0;
    rows1 += in1;
    mixed += in0 > 0 && in1 > 0 ? 1 : 0;
    // A learner spends time per batch, so the shards keep their queues full
    // and the mix follows the weights rather than who answers first.
    absl::SleepFor(absl::Milliseconds(2));
  }
  EXPECT_EQ(rows0 + rows1, kBatches * 60);
  // 1200 chunk draws at p = 2/3: the standard deviation is ~0.014.
  const double fraction0 = static_cast<double>(rows0) / (rows0 + rows1);
  EXPECT_NEAR(fraction0, 2.0 / 3.0, 0.07);
  // P(four chunks from one shard) = (2/3)^4 + (1/3)^4 ~ 0.21.
  EXPECT_GT(mixed, kBatches / 2);
  EXPECT_EQ((*sampler)->stats().batches, kBatches);
}

TEST(ShardedReplayClient, SamplerTrimsToExactBatchSize) {
  auto spec = MakeEnvSpec("fetch_reach");
  ASSERT_TRUE(spec.ok());
  auto shard0 = StartShard(ShardConfig(0, 2));
  auto shard1 = StartShard(ShardConfig(1, 2));
  FillShard(*spec, shard0.get(), 0, 10, 10, 100);
  FillShard(*spec, shard1.get(), 1000, 10, 10, 200);
  for (int batch_size : {1, 7, 13}) {  // Chunks of 1, 2 and 4: 7 and 13 trim.
    ReplaySamplerOptions options;
    options.addresses = {shard0->address(), shard1->address()};
    options.batch_size = batch_size;
    options.with_next = true;
    options.strategy = hem::v1::RELABEL_FUTURE;
    options.relabel_probability = 1;
    options.seed = 3;
    auto sampler = ShardedReplaySampler::Create(options);
    ASSERT_TRUE(sampler.ok());
    for (int i = 0; i < 50; ++i) {
      auto batch = (*sampler)->Next(absl::Seconds(10));
      ASSERT_TRUE(batch.ok()) << batch.status();
      ExpectRows(*batch, batch_size);
      EXPECT_EQ(batch->num_relabeled(), batch_size);
    }
  }
}

TEST(ShardedReplayClient, SamplerRefusesToMixSpecs) {
  auto reach = MakeEnvSpec("fetch_reach");
  auto nav = MakeEnvSpec("nav:k=2");
  ASSERT_TRUE(reach.ok());
  ASSERT_TRUE(nav.ok());
  auto shard0 = StartShard(ShardConfig(0, 2));
  auto shard1 = StartShard(ShardConfig(1, 2));
  FillShard(*reach, shard0.get(), 0, 10, 10, 1);
  FillShard(*nav, shard1.get(), 0, 10, 10, 1);
  ReplaySamplerOptions options;
  options.addresses = {shard0->address(), shard1->address()};
  options.batch_size = 16;
  options.seed = 7;
  auto sampler = ShardedReplaySampler::Create(options);
  ASSERT_TRUE(sampler.ok());
  WaitForShards(sampler->get(), 2);
  // A batch drawn wholly from one shard is fine; one that mixes is refused.
  absl::Status status;
  for (int i = 0; i < 100 && status.ok(); ++i) {
    status = (*sampler)->Next(absl::Seconds(10)).status();
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_NE(status.message().find("spec_id"), absl::string_view::npos) << status;
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
