// bazel run //replay_service:replay_benchmark
//
// Throughput of the replay service for fetch_reach-sized transitions
// (observation 10, goal 3, action 3, T = 50), measured side by side in one
// run: inserts over gRPC with 1/2/4 writers, relabeled ('future') batches of
// 256 over gRPC, for one and two shards; and the in-process limits they are
// compared against (the same work without gRPC, and plain memcpy of the same
// bytes). Servers and clients share this process and the machine's cores.
//
// Then durability (--durability_only runs just this): inserts over gRPC
// into one shard with a checkpoint directory, --durability=checkpoint and
// --durability=log side by side, for a state task (fetch_reach) and an
// image task (fetch_reach:image=84, ~1 MB per episode); the log's
// throughput as a fraction of checkpoint's, against the target of >= 0.5
// and >= 200 k transitions/s.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/env_catalog.h"
#include "common/logging.h"
#include "common/process.h"
#include "replay_service/hindsight_sampler.h"
#include "replay_service/replay_server.h"
#include "replay_service/replay_testing.h"
#include "replay_service/replay_sampler.h"
#include "replay_service/replay_writer.h"

ABSL_FLAG(double, seconds, 2.0, "Duration of each measurement.");
ABSL_FLAG(int, batch_size, 256, "Transitions per sampled batch.");
ABSL_FLAG(bool, durability_only, false, "Only the durability table.");
ABSL_FLAG(int, durability_writers, 4, "Writers (actors) per shard in the durability table.");

namespace hem {
namespace {

constexpr int kSteps = 50;

struct Row {
  std::string what;
  double transitions_per_second;
  double megabytes_per_second;
};

void Print(const Row& row) {
  std::printf("%-58s %14.0f %10.1f\n", row.what.c_str(),
              row.transitions_per_second, row.megabytes_per_second);
  std::fflush(stdout);
}

std::vector<std::unique_ptr<ReplayServer>> StartShards(int n) {
  std::vector<std::unique_ptr<ReplayServer>> shards;
  for (int i = 0; i < n; ++i) {
    ReplayServerConfig config;
    config.shard.shard_index = i;
    config.shard.num_shards = n;
    config.shard.table.capacity_transitions = 2000000;
    config.checkpoint_interval = absl::ZeroDuration();
    auto server = ReplayServer::Start(config);
    HEM_CHECK(server.ok()) << server.status();
    shards.push_back(*std::move(server));
  }
  return shards;
}

std::vector<std::string> Addresses(
    const std::vector<std::unique_ptr<ReplayServer>>& shards) {
  std::vector<std::string> addresses;
  for (const auto& shard : shards) addresses.push_back(shard->address());
  return addresses;
}

// Runs `writers` actors inserting copies of `prototype` (new episode ids)
// into `addresses` for `duration`; returns the episodes acknowledged.
int64_t RunWriters(const hem::v1::EnvSpec& spec, const hem::v1::Trajectory& prototype,
                   const std::vector<std::string>& addresses, int writers,
                   absl::Duration duration) {
  std::atomic<int64_t> episodes{0};
  std::vector<std::thread> threads;
  const absl::Time end = absl::Now() + duration;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      ReplayWriterOptions options;
      options.addresses = addresses;
      auto writer = ShardedReplayWriter::Create(options, spec);
      HEM_CHECK(writer.ok());
      uint64_t id = 0;
      while (absl::Now() < end) {
        hem::v1::Trajectory trajectory = prototype;
        trajectory.set_actor_id(w + 1);
        trajectory.set_episode_id(++id);
        HEM_CHECK((*writer)->Insert(std::move(trajectory), absl::Seconds(30)).ok());
      }
      HEM_CHECK((*writer)->Flush(absl::Seconds(30)).ok());
      episodes += (*writer)->stats().acknowledged;
    });
  }
  for (auto& thread : threads) thread.join();
  return episodes.load();
}

Row MeasureInserts(const hem::v1::EnvSpec& spec, int num_shards, int writers,
                   absl::Duration duration) {
  auto shards = StartShards(num_shards);
  const hem::v1::Trajectory prototype = testing::MakeTrajectory(
      spec, 0, 0, testing::TrajectoryOptions{kSteps, 1, false});
  const double bytes_per_episode = prototype.ByteSizeLong();
  const absl::Time start = absl::Now();
  const int64_t episodes =
      RunWriters(spec, prototype, Addresses(shards), writers, duration);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  int64_t stored = 0;
  for (auto& shard : shards) stored += shard->Stats().inserted_episodes();
  HEM_CHECK(stored == episodes);
  return {absl::StrFormat("insert over gRPC, %d shard(s), %d writer(s)",
                          num_shards, writers),
          episodes * kSteps / seconds, episodes * bytes_per_episode / seconds / 1e6};
}

struct DurabilityRow {
  double transitions_per_second = 0;
  double megabytes_per_second = 0;
  double records_per_sync = 0;
};

// Inserts from `writers` actors into one shard with `durability`, its files
// in a fresh directory.
DurabilityRow MeasureDurability(const hem::v1::EnvSpec& spec, Durability durability,
                                int writers, absl::Duration duration) {
  char pattern[] = "/tmp/hem-replay-benchmark-XXXXXX";
  const std::string dir = mkdtemp(pattern);
  ReplayServerConfig config;
  config.checkpoint_dir = dir;
  config.checkpoint_interval = absl::ZeroDuration();
  config.checkpoint_on_shutdown = false;
  config.durability = durability;
  config.shard.table.capacity_transitions = 2000000;
  config.shard.table.capacity_bytes = int64_t{1} << 30;  // Images: ~1 GB.
  auto server = ReplayServer::Start(config);
  HEM_CHECK(server.ok()) << server.status();
  const hem::v1::Trajectory prototype = testing::MakeTrajectory(
      spec, 0, 0, testing::TrajectoryOptions{kSteps, 1, false});
  const absl::Time start = absl::Now();
  const int64_t episodes =
      RunWriters(spec, prototype, {(*server)->address()}, writers, duration);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  DurabilityRow row;
  row.transitions_per_second = episodes * kSteps / seconds;
  row.megabytes_per_second = episodes * prototype.ByteSizeLong() / seconds / 1e6;
  const EpisodeLog::Stats log = (*server)->LogStats();
  row.records_per_sync = log.syncs > 0 ? static_cast<double>(log.records) / log.syncs : 0;
  HEM_CHECK((*server)->Shutdown().ok());
  HEM_CHECK((*server)->Stats().inserted_episodes() == episodes);
  server->reset();
  std::filesystem::remove_all(dir);
  return row;
}

void PrintDurability(absl::Duration duration, int writers) {
  std::printf("\n-- durability: inserts over gRPC into 1 shard, %d writers, "
              "episodes of %d steps --\n", writers, kSteps);
  std::printf("%-24s %-11s %14s %10s %14s %13s\n", "task", "durability",
              "transitions/s", "MB/s", "vs checkpoint", "records/sync");
  for (const char* task : {"fetch_reach", "fetch_reach:image=84"}) {
    const hem::v1::EnvSpec spec = *MakeEnvSpec(task);
    const DurabilityRow checkpoint =
        MeasureDurability(spec, Durability::kCheckpoint, writers, duration);
    const DurabilityRow log = MeasureDurability(spec, Durability::kLog, writers, duration);
    std::printf("%-24s %-11s %14.0f %10.1f %14s %13s\n", task, "checkpoint",
                checkpoint.transitions_per_second, checkpoint.megabytes_per_second, "1.00",
                "-");
    std::printf("%-24s %-11s %14.0f %10.1f %14.2f %13.1f\n", task, "log",
                log.transitions_per_second, log.megabytes_per_second,
                log.transitions_per_second / checkpoint.transitions_per_second,
                log.records_per_sync);
    std::fflush(stdout);
  }
  std::printf("target: log >= 0.5 x checkpoint and >= 200000 transitions/s\n");
}

void Fill(const hem::v1::EnvSpec& spec,
          const std::vector<std::unique_ptr<ReplayServer>>& shards,
          int episodes) {
  ReplayWriterOptions options;
  options.addresses = Addresses(shards);
  auto writer = ShardedReplayWriter::Create(options, spec);
  HEM_CHECK(writer.ok());
  for (int e = 0; e < episodes; ++e) {
    HEM_CHECK((*writer)
                  ->Insert(testing::MakeTrajectory(
                               spec, 1, e, testing::TrajectoryOptions{kSteps, 1, false}),
                           absl::Seconds(30))
                  .ok());
  }
  HEM_CHECK((*writer)->Flush(absl::Seconds(60)).ok());
}

Row MeasureSampling(const hem::v1::EnvSpec& spec, int num_shards,
                    absl::Duration duration, int batch_size) {
  auto shards = StartShards(num_shards);
  Fill(spec, shards, 4000);
  ReplaySamplerOptions options;
  options.addresses = Addresses(shards);
  options.batch_size = batch_size;
  options.strategy = hem::v1::RELABEL_FUTURE;
  options.relabel_probability = 1.0;
  auto sampler = ShardedReplaySampler::Create(options);
  HEM_CHECK(sampler.ok());
  // Warm up until every shard streams.
  for (int i = 0; i < 50; ++i) HEM_CHECK((*sampler)->Next(absl::Seconds(30)).ok());
  int64_t batches = 0;
  double bytes = 0;
  const absl::Time start = absl::Now();
  while (absl::Now() - start < duration) {
    auto batch = (*sampler)->Next(absl::Seconds(30));
    HEM_CHECK(batch.ok() && batch->size() == batch_size &&
              batch->num_relabeled() == batch_size);
    bytes += batch->ByteSizeLong();
    ++batches;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return {absl::StrFormat("sample 'future' over gRPC, %d shard(s), batch %d",
                          num_shards, batch_size),
          batches * batch_size / seconds, bytes / seconds / 1e6};
}

Row MeasureInProcessInsert(const hem::v1::EnvSpec& spec, absl::Duration duration) {
  ReplayShardConfig config;
  config.table.capacity_transitions = 2000000;
  ReplayShard shard(config);
  HEM_CHECK(shard.RegisterSpec(spec).ok());
  const hem::v1::Trajectory prototype = testing::MakeTrajectory(
      spec, 0, 0, testing::TrajectoryOptions{kSteps, 1, false});
  int64_t episodes = 0;
  const absl::Time start = absl::Now();
  while (absl::Now() - start < duration) {
    hem::v1::Trajectory trajectory = prototype;
    trajectory.set_episode_id(++episodes);
    HEM_CHECK(shard.Insert(&trajectory, absl::InfiniteFuture(), nullptr)->stored);
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return {"insert in process (copy + validate + store), no gRPC",
          episodes * kSteps / seconds,
          episodes * prototype.ByteSizeLong() / seconds / 1e6};
}

Row MeasureInProcessSampling(const hem::v1::EnvSpec& spec,
                             absl::Duration duration, int batch_size,
                             int64_t* row_bytes) {
  ReplayTable table(spec, ReplayTableOptions{2000000, 0});
  for (int e = 0; e < 4000; ++e) {
    hem::v1::Trajectory trajectory = testing::MakeTrajectory(
        spec, 1, e, testing::TrajectoryOptions{kSteps, 1, false});
    table.Insert(EpisodeFromTrajectory(&trajectory, spec));
  }
  HindsightOptions options;
  options.batch_size = batch_size;
  HindsightSampler sampler(&table, options, 1);
  hem::v1::Batch batch;
  int64_t batches = 0;
  const absl::Time start = absl::Now();
  while (absl::Now() - start < duration) {
    HEM_CHECK(sampler.Sample(&batch).ok());
    ++batches;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  *row_bytes = batch.ByteSizeLong() / batch_size;
  return {absl::StrFormat("sample 'future' in process, 1 thread, batch %d",
                          batch_size),
          batches * batch_size / seconds,
          static_cast<double>(batch.ByteSizeLong()) * batches / seconds / 1e6};
}

Row MeasureMemcpy(int64_t row_bytes, absl::Duration duration, int batch_size) {
  // Gathers batch_size rows of row_bytes from random places of a 100 MB
  // buffer: the copy a sampler cannot avoid.
  const int64_t buffer_bytes = 100 << 20;
  std::vector<char> source(buffer_bytes, 1);
  std::vector<char> batch(row_bytes * batch_size);
  uint64_t x = 12345;
  int64_t rows = 0;
  const absl::Time start = absl::Now();
  while (absl::Now() - start < duration) {
    for (int i = 0; i < batch_size; ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const int64_t offset = (x >> 20) % (buffer_bytes - row_bytes);
      std::memcpy(&batch[i * row_bytes], &source[offset], row_bytes);
    }
    rows += batch_size;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  volatile char sink = batch[row_bytes];
  (void)sink;
  return {absl::StrFormat("memcpy limit: gather %d random rows of %d B", batch_size,
                          static_cast<int>(row_bytes)),
          rows / seconds, rows * row_bytes / seconds / 1e6};
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) {
  hem::InitProcess(argc, argv, "replay_benchmark: replay service throughput");
  hem::SetMinLogSeverity(hem::LogSeverity::kWarning);
  const absl::Duration duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  const int batch_size = absl::GetFlag(FLAGS_batch_size);
  if (absl::GetFlag(FLAGS_durability_only)) {
    hem::PrintDurability(duration, absl::GetFlag(FLAGS_durability_writers));
    return 0;
  }
  const hem::v1::EnvSpec spec = *hem::MakeEnvSpec("fetch_reach");
  std::printf("fetch_reach transitions (obs 10, goal 3, action 3), episodes of "
              "%d steps, %u cores\n\n",
              hem::kSteps, std::thread::hardware_concurrency());
  std::printf("%-58s %14s %10s\n", "measurement", "transitions/s", "MB/s");
  for (int shards : {1, 2}) {
    for (int writers : {1, 2, 4}) {
      hem::Print(hem::MeasureInserts(spec, shards, writers, duration));
    }
    hem::Print(hem::MeasureSampling(spec, shards, duration, batch_size));
  }
  std::printf("-- limits, same process, no gRPC --\n");
  hem::Print(hem::MeasureInProcessInsert(spec, duration));
  int64_t row_bytes = 0;
  hem::Print(hem::MeasureInProcessSampling(spec, duration, batch_size, &row_bytes));
  hem::Print(hem::MeasureMemcpy(row_bytes, duration, batch_size));
  hem::PrintDurability(duration, absl::GetFlag(FLAGS_durability_writers));
  return 0;
}
