// net_benchmark: one side of the network benchmarks; tests/net_benchmark.sh
// (`bazel run //tests:net_benchmark`) runs the sides on separate network
// hosts (tests/netns_lib.sh) with TLS, and on loopback without TLS, side by
// side, and prints the table of docs/PERFORMANCE.md.
//
//   --mode=replay --replay=HOST:PORT
//       against one running replay_server: inserts from --writers writers for
//       --seconds (fetch_reach-sized episodes of 50 steps, as
//       replay_benchmark), then relabeled 'future' batches of --batch_size
//       for --seconds. Prints "insert_tps=... insert_mbps=... sample_tps=...
//       sample_mbps=..." (transitions and MB per second).
//   --mode=publish --bind_host=H --port=P --subscribers=N
//       a ParameterService with weights of --weights_bytes. Publishes version
//       0, waits until N subscribers hold it (files in --sync_dir), then
//       publishes versions 1..--versions every --interval_ms, and once every
//       subscriber has written what it received, prints "p50_ms=... p99_ms=...
//       max_ms=..." of the time each version took to reach all subscribers.
//   --mode=subscribe --learner=HOST:PORT --index=I
//       one actor's WatchPolicy stream (ParameterSubscriber, as actors use):
//       records when each version arrives, until version --versions.
// Every mode takes --credentials_dir (TLS and the token; "" = plaintext).
// Times are CLOCK_MONOTONIC, one clock for every process of the machine
// whatever namespace it runs in.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/atomic_file.h"
#include "common/env_catalog.h"
#include "common/grpc_util.h"
#include "common/logging.h"
#include "common/net_config.h"
#include "common/process.h"
#include "learner/parameter_client.h"
#include "learner/parameter_service.h"
#include "replay_service/replay_sampler.h"
#include "replay_service/replay_testing.h"
#include "replay_service/replay_writer.h"

ABSL_FLAG(std::string, mode, "", "replay | publish | subscribe");
ABSL_FLAG(std::string, credentials_dir, "", "TLS + token directory; \"\" = plaintext");
ABSL_FLAG(std::string, replay, "", "replay: the shard's host:port");
ABSL_FLAG(int, writers, 4, "replay: concurrent writers (actors)");
ABSL_FLAG(int, batch_size, 256, "replay: transitions per sampled batch");
ABSL_FLAG(double, seconds, 5, "replay: seconds of inserting, then of sampling");
ABSL_FLAG(std::string, bind_host, "127.0.0.1", "publish: address to listen on");
ABSL_FLAG(int, port, 0, "publish: port to listen on");
ABSL_FLAG(int, subscribers, 4, "publish: subscribers to wait for");
ABSL_FLAG(int, versions, 200, "publish/subscribe: versions published after version 0");
ABSL_FLAG(int, interval_ms, 100, "publish: milliseconds between versions");
// hEM's default policy (3 x 256 MLP) on flip_bit:k=40 is ~162 k parameters.
ABSL_FLAG(int, weights_bytes, 650000, "publish: bytes of serialised weights per version");
ABSL_FLAG(std::string, sync_dir, "", "publish/subscribe: shared directory for readiness and results");
ABSL_FLAG(std::string, learner, "", "subscribe: the publisher's host:port");
ABSL_FLAG(int, index, 0, "subscribe: this subscriber's number");

namespace hem {
namespace {

constexpr int kSteps = 50;

int64_t MonotonicNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::shared_ptr<const Credentials> LoadCredentialsOrDie() {
  NetConfig net;
  net.credentials_dir = absl::GetFlag(FLAGS_credentials_dir);
  absl::StatusOr<std::shared_ptr<const Credentials>> credentials = LoadNetCredentials(net);
  HEM_CHECK(credentials.ok()) << credentials.status();
  return *credentials;
}

int RunReplay() {
  const std::shared_ptr<const Credentials> credentials = LoadCredentialsOrDie();
  const hem::v1::EnvSpec spec = *MakeEnvSpec("fetch_reach");
  const absl::Duration duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  const hem::v1::Trajectory prototype =
      testing::MakeTrajectory(spec, 0, 0, testing::TrajectoryOptions{kSteps, 1, false});
  std::atomic<int64_t> episodes{0};
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int w = 0; w < absl::GetFlag(FLAGS_writers); ++w) {
    threads.emplace_back([&, w] {
      ReplayWriterOptions options;
      options.addresses = {absl::GetFlag(FLAGS_replay)};
      options.credentials = credentials;
      auto writer = ShardedReplayWriter::Create(options, spec);
      HEM_CHECK(writer.ok()) << writer.status();
      uint64_t id = 0;
      while (absl::Now() < start + duration) {
        hem::v1::Trajectory trajectory = prototype;
        trajectory.set_actor_id(w + 1);
        trajectory.set_episode_id(++id);
        HEM_CHECK((*writer)->Insert(std::move(trajectory), absl::Seconds(30)).ok());
      }
      HEM_CHECK((*writer)->Flush(absl::Seconds(60)).ok());
      episodes += (*writer)->stats().acknowledged;
    });
  }
  for (auto& thread : threads) thread.join();
  const double insert_seconds = absl::ToDoubleSeconds(absl::Now() - start);

  ReplaySamplerOptions options;
  options.addresses = {absl::GetFlag(FLAGS_replay)};
  options.credentials = credentials;
  options.batch_size = absl::GetFlag(FLAGS_batch_size);
  options.strategy = hem::v1::RELABEL_FUTURE;
  options.relabel_probability = 1.0;
  auto sampler = ShardedReplaySampler::Create(options);
  HEM_CHECK(sampler.ok()) << sampler.status();
  for (int i = 0; i < 50; ++i) HEM_CHECK((*sampler)->Next(absl::Seconds(30)).ok());  // Warm up.
  int64_t batches = 0;
  double bytes = 0;
  const absl::Time sample_start = absl::Now();
  while (absl::Now() - sample_start < duration) {
    absl::StatusOr<hem::v1::Batch> batch = (*sampler)->Next(absl::Seconds(30));
    HEM_CHECK(batch.ok()) << batch.status();
    bytes += batch->ByteSizeLong();
    ++batches;
  }
  const double sample_seconds = absl::ToDoubleSeconds(absl::Now() - sample_start);
  std::printf("insert_tps=%.0f insert_mbps=%.1f sample_tps=%.0f sample_mbps=%.1f\n",
              episodes * kSteps / insert_seconds,
              episodes * prototype.ByteSizeLong() / insert_seconds / 1e6,
              batches * options.batch_size / sample_seconds, bytes / sample_seconds / 1e6);
  return 0;
}

std::string SyncPath(const std::string& name) {
  return absl::StrCat(absl::GetFlag(FLAGS_sync_dir), "/", name);
}

int CountFiles(const char* prefix, const char* suffix, int n) {
  int found = 0;
  for (int i = 0; i < n; ++i) {
    found += ReadFileToString(SyncPath(absl::StrCat(prefix, i, suffix))).ok() ? 1 : 0;
  }
  return found;
}

// Waits until `n` files prefix<i>suffix exist; false after `timeout`.
bool WaitForFiles(const char* prefix, const char* suffix, int n, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (CountFiles(prefix, suffix, n) < n) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

int RunPublish() {
  const std::shared_ptr<const Credentials> credentials = LoadCredentialsOrDie();
  const int subscribers = absl::GetFlag(FLAGS_subscribers);
  const int versions = absl::GetFlag(FLAGS_versions);
  ParameterService service(/*metrics=*/nullptr);
  int port = 0;
  absl::StatusOr<std::unique_ptr<grpc::Server>> server = StartServer(
      ListenAddress(absl::GetFlag(FLAGS_port), absl::GetFlag(FLAGS_bind_host)), {&service}, &port,
      credentials.get());
  HEM_CHECK(server.ok()) << server.status();
  std::string weights(absl::GetFlag(FLAGS_weights_bytes), '\0');
  std::mt19937 random(1);
  for (char& c : weights) c = static_cast<char>(random());  // Incompressible, as floats are.
  auto make = [&](int64_t version) {
    hem::v1::PolicyWeights message;
    message.set_version(version);
    message.set_update_count(version);
    message.set_weights(weights);
    return message;
  };
  HEM_CHECK(service.Publish(make(0)).ok());
  HEM_CHECK(WriteFileAtomically(SyncPath("publisher.ready"), "").ok());
  if (!WaitForFiles("sub-", ".ready", subscribers, absl::Seconds(120))) {
    std::fprintf(stderr, "net_benchmark: only %d of %d subscribers connected\n",
                 CountFiles("sub-", ".ready", subscribers), subscribers);
    return 1;
  }
  absl::SleepFor(absl::Milliseconds(500));
  std::vector<int64_t> published(versions + 1, 0);
  const absl::Duration interval = absl::Milliseconds(absl::GetFlag(FLAGS_interval_ms));
  const absl::Time first = absl::Now();
  for (int v = 1; v <= versions; ++v) {
    absl::SleepFor(first + (v - 1) * interval - absl::Now());
    hem::v1::PolicyWeights message = make(v);
    published[v] = MonotonicNanos();
    HEM_CHECK(service.Publish(std::move(message)).ok());
  }
  if (!WaitForFiles("sub-", ".tsv", subscribers, absl::Seconds(60))) {
    std::fprintf(stderr, "net_benchmark: only %d of %d subscribers finished\n",
                 CountFiles("sub-", ".tsv", subscribers), subscribers);
    return 1;
  }
  // reached[v]: when the last subscriber first held a version >= v.
  std::vector<int64_t> reached(versions + 1, 0);
  for (int i = 0; i < subscribers; ++i) {
    std::ifstream in(SyncPath(absl::StrCat("sub-", i, ".tsv")));
    std::vector<int64_t> first_at(versions + 2, 0);
    int64_t version = 0, nanos = 0;
    while (in >> version >> nanos) {
      if (version >= 1 && version <= versions) first_at[version] = nanos;
    }
    // A subscriber that skipped to a newer version got v when that arrived.
    int64_t next = 0;
    for (int v = versions; v >= 1; --v) {
      if (first_at[v] != 0) next = first_at[v];
      HEM_CHECK(next != 0) << "subscriber " << i << " never got version " << v;
      reached[v] = std::max(reached[v], next);
    }
  }
  std::vector<double> latency_ms;
  for (int v = 1; v <= versions; ++v) latency_ms.push_back((reached[v] - published[v]) / 1e6);
  std::sort(latency_ms.begin(), latency_ms.end());
  auto percentile = [&](double p) {
    return latency_ms[std::min<size_t>(latency_ms.size() - 1,
                                       static_cast<size_t>(p * latency_ms.size()))];
  };
  std::printf("p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", percentile(0.5), percentile(0.99),
              latency_ms.back());
  service.Stop();
  (*server)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  return 0;
}

int RunSubscribe() {
  const std::shared_ptr<const Credentials> credentials = LoadCredentialsOrDie();
  const int versions = absl::GetFlag(FLAGS_versions);
  const int index = absl::GetFlag(FLAGS_index);
  absl::StatusOr<std::unique_ptr<ParameterSubscriber>> subscriber =
      ParameterSubscriber::Create(absl::GetFlag(FLAGS_learner), credentials.get());
  HEM_CHECK(subscriber.ok()) << subscriber.status();
  HEM_CHECK((*subscriber)->WaitForNewer(-1, absl::Seconds(60)).ok()) << "no version 0";
  HEM_CHECK(WriteFileAtomically(SyncPath(absl::StrCat("sub-", index, ".ready")), "").ok());
  std::string arrivals;
  int64_t last = 0;
  while (last < versions) {
    absl::StatusOr<std::shared_ptr<const hem::v1::PolicyWeights>> weights =
        (*subscriber)->WaitForNewer(last, absl::Seconds(60));
    const int64_t now = MonotonicNanos();
    HEM_CHECK(weights.ok()) << weights.status();
    last = (*weights)->version();
    absl::StrAppend(&arrivals, last, " ", now, "\n");
  }
  HEM_CHECK(WriteFileAtomically(SyncPath(absl::StrCat("sub-", index, ".tsv")), arrivals).ok());
  return 0;
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) {
  hem::InitProcess(argc, argv,
                   "One side of the network benchmarks (tests/net_benchmark.sh runs them).");
  hem::SetMinLogSeverity(hem::LogSeverity::kWarning);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "replay") return hem::RunReplay();
  if (mode == "publish") return hem::RunPublish();
  if (mode == "subscribe") return hem::RunSubscribe();
  std::fprintf(stderr, "net_benchmark: --mode must be replay, publish or subscribe\n");
  return 2;
}
