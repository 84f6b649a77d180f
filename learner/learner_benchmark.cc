// learner_benchmark: is the learner's data path free? Measures, in one run,
//   (a) a bare LibTorch training loop (forward, NLL, backward, Adam) on
//       decoded in-memory batches, and
//   (b) the full learner (Learner::Run) with batches streamed over gRPC from
//       an in-process replay server filled with fetch_reach-sized episodes
//       (future relabeling), decoded on the learner's decode thread,
// with the same network, batch size and torch threads, and prints the ratio
// of their samples/s against the target (>= 0.9).
//
//   bazel run //learner:learner_benchmark -- --seconds=8
#include <cstdio>
#include <thread>

#include <torch/torch.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/env_catalog.h"
#include "common/logging.h"
#include "learner/learner_loop.h"
#include "learner/networks.h"
#include "learner/training_batch.h"
#include "replay_service/replay_server.h"
#include "replay_service/replay_testing.h"
#include "replay_service/sharded_replay_client.h"

ABSL_FLAG(std::string, env, "fetch_reach", "Task whose shapes the data has.");
ABSL_FLAG(int, batch_size, 256, "Transitions per update.");
ABSL_FLAG(std::string, hidden_sizes, "256,256,256", "MLP widths.");
ABSL_FLAG(int, torch_threads, 1, "LibTorch intra-op threads for both loops.");
ABSL_FLAG(double, seconds, 8, "Measured seconds per loop and round.");
ABSL_FLAG(int, rounds, 2, "Alternating rounds (bare, full) to average out noise.");
ABSL_FLAG(int, episodes, 2000, "Episodes of 50 steps stored in the replay server.");
ABSL_FLAG(int, shards, 1, "Replay shards (in-process servers).");

namespace hem {
namespace {

struct Rate {
  double samples_per_second = 0;
  double updates_per_second = 0;
  double wait_fraction = 0;
};

std::vector<int> ParseWidths(const std::string& text) {
  std::vector<int> widths;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    int w = 0;
    HEM_CHECK(absl::SimpleAtoi(item, &w) && w > 0) << "--hidden_sizes: bad width " << item;
    widths.push_back(w);
  }
  return widths;
}

// (a) The bare loop: what LibTorch alone can do on this network and batch.
Rate BareLoop(const hem::v1::PolicyConfig& config, const std::vector<TrainingBatch>& batches,
              double seconds) {
  PolicyNetwork network = MakePolicyNetwork(config, 1).value();
  torch::optim::Adam adam(network->parameters(), torch::optim::AdamOptions(1e-3));
  auto step = [&](const TrainingBatch& b) {
    torch::Tensor loss = -network->LogProb(network->Forward(b.inputs), b.actions).mean();
    adam.zero_grad();
    loss.backward();
    adam.step();
  };
  for (int i = 0; i < 20; ++i) step(batches[i % batches.size()]);  // Warm-up.
  int64_t updates = 0;
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::Seconds(seconds);
  while (absl::Now() < end) {
    step(batches[updates % batches.size()]);
    ++updates;
  }
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  Rate rate;
  rate.updates_per_second = updates / elapsed;
  rate.samples_per_second = rate.updates_per_second * batches[0].size;
  return rate;
}

// (b) The full learner, measured after a warm-up, between two update counts.
Rate FullLearner(const LearnerConfig& config, uint64_t spec_id, double seconds) {
  auto source = MakeReplayBatchSource(config, spec_id).value();
  auto learner = Learner::Create(config, std::move(source)).value();
  std::thread trainer([&] { HEM_CHECK(learner->Run().ok()); });
  absl::SleepFor(absl::Seconds(2));  // Streams up, prefetch queue full.
  learner->metrics().Tick();
  const int64_t u0 = learner->updates();
  const absl::Time t0 = absl::Now();
  absl::SleepFor(absl::Seconds(seconds));
  const int64_t u1 = learner->updates();
  const absl::Time t1 = absl::Now();
  learner->metrics().Tick();
  const double wait = learner->metrics().Snapshot().wait_fraction;
  learner->Stop();
  trainer.join();
  Rate rate;
  rate.updates_per_second = (u1 - u0) / absl::ToDoubleSeconds(t1 - t0);
  rate.samples_per_second = rate.updates_per_second * config.batch_size;
  rate.wait_fraction = wait;
  return rate;
}

int Main() {
  SetMinLogSeverity(LogSeverity::kWarning);
  const std::string env = absl::GetFlag(FLAGS_env);
  const int batch_size = absl::GetFlag(FLAGS_batch_size);
  const std::vector<int> hidden = ParseWidths(absl::GetFlag(FLAGS_hidden_sizes));
  const double seconds = absl::GetFlag(FLAGS_seconds);
  const int threads = absl::GetFlag(FLAGS_torch_threads);
  hem::v1::EnvSpec spec = MakeEnvSpec(env).value();
  SetTorchThreads(threads, 1);

  // Replay shards filled in-process (no insert traffic during the measurement).
  std::vector<std::unique_ptr<ReplayServer>> servers;
  std::vector<std::string> addresses;
  const int shards = absl::GetFlag(FLAGS_shards);
  for (int i = 0; i < shards; ++i) {
    ReplayServerConfig server_config;
    server_config.shard.shard_index = i;
    server_config.shard.num_shards = shards;
    servers.push_back(ReplayServer::Start(server_config).value());
    addresses.push_back(servers.back()->address());
    HEM_CHECK(servers.back()->shard()->RegisterSpec(spec).ok());
  }
  testing::TrajectoryOptions options;
  options.num_steps = std::min(50, spec.horizon());
  options.tagged = false;
  const int episodes = absl::GetFlag(FLAGS_episodes);
  for (int e = 0; e < episodes; ++e) {
    options.seed = e + 1;
    hem::v1::Trajectory trajectory = testing::MakeTrajectory(spec, 1, e, options);
    auto outcome = servers[e % shards]->shard()->Insert(
        &trajectory, absl::InfiniteFuture(), [] { return false; });
    HEM_CHECK(outcome.ok() && outcome->stored) << "insert failed";
  }

  LearnerConfig config;
  config.replay_addresses = addresses;
  config.env = env;
  config.batch_size = batch_size;
  config.hidden_sizes = hidden;
  config.device = "cpu";
  config.torch_threads = threads;
  config.relabel_strategy = hem::v1::RELABEL_FUTURE;
  config.report_interval = absl::Seconds(1000);  // No console lines mid-run.

  // Identical batches for the bare loop: the same sampler, decoded up front.
  std::vector<TrainingBatch> batches;
  {
    auto source = MakeReplayBatchSource(config, spec.spec_id()).value();
    while (batches.size() < 64) {
      hem::v1::Batch batch = source->Next(absl::Seconds(30)).value();
      batches.push_back(DecodeTrainingBatch(batch, spec, false).value());
    }
  }
  hem::v1::PolicyConfig policy_config;
  *policy_config.mutable_spec() = spec;
  for (int h : hidden) policy_config.add_hidden_sizes(h);
  policy_config.set_learn_sigma(true);
  policy_config = CompletePolicyConfig(policy_config).value();

  Rate bare, full;
  const int rounds = absl::GetFlag(FLAGS_rounds);
  for (int r = 0; r < rounds; ++r) {
    Rate b = BareLoop(policy_config, batches, seconds);
    Rate f = FullLearner(config, spec.spec_id(), seconds);
    std::printf("  round %d: bare %.0f samples/s, full %.0f samples/s (ratio %.3f)\n", r + 1,
                b.samples_per_second, f.samples_per_second,
                f.samples_per_second / b.samples_per_second);
    bare.samples_per_second += b.samples_per_second / rounds;
    bare.updates_per_second += b.updates_per_second / rounds;
    full.samples_per_second += f.samples_per_second / rounds;
    full.updates_per_second += f.updates_per_second / rounds;
    full.wait_fraction += f.wait_fraction / rounds;
  }
  const double ratio = full.samples_per_second / bare.samples_per_second;
  std::printf("\nlearner_benchmark: env %s, batch %d, MLP %s, torch_threads %d, %d shard(s), "
              "%d episodes stored, %d x %.0f s per loop\n",
              env.c_str(), batch_size, absl::StrJoin(hidden, ",").c_str(), threads, shards,
              episodes, rounds, seconds);
  std::printf("| %-44s | %10s | %9s | %9s | %8s |\n", "loop", "samples/s", "updates/s",
              "ms/update", "wait");
  std::printf("|%s|%s|%s|%s|%s|\n", std::string(46, '-').c_str(), std::string(12, '-').c_str(),
              std::string(11, '-').c_str(), std::string(11, '-').c_str(),
              std::string(10, '-').c_str());
  std::printf("| %-44s | %10.0f | %9.1f | %9.2f | %8s |\n",
              "bare LibTorch loop (in-memory batches)", bare.samples_per_second,
              bare.updates_per_second, 1000 / bare.updates_per_second, "-");
  std::printf("| %-44s | %10.0f | %9.1f | %9.2f | %7.1f%% |\n",
              "full learner (replay server over gRPC)", full.samples_per_second,
              full.updates_per_second, 1000 / full.updates_per_second,
              100 * full.wait_fraction);
  std::printf("ratio full/bare = %.3f (target >= 0.90): %s\n", ratio,
              ratio >= 0.9 ? "MET" : "NOT MET");
  for (auto& server : servers) server->Shutdown().IgnoreError();
  return 0;
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return hem::Main();
}
