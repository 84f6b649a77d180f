// How much an actor costs over its bare environment loop. For each task, the
// same VectorEnv is stepped in two ways, interleaved over several rounds on
// the same core:
//   bare:  VectorEnv::Step with pre-drawn random actions, resets at the
//          horizon or on success;
//   actor: ActorLoop, i.e. batched policy inference (3x256 MLP, LibTorch,
//          one thread), exploration noise, episode recording, and streaming
//          every episode over gRPC to a real replay shard, with weights from
//          a real ParameterService.
// The replay shard and parameter service run in this process, on their own
// threads, as they would in other processes.
//
//   bazel run //actor:actor_benchmark -- --envs=point_mass,fetch_reach --num_envs=16
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "actor/actor_loop.h"
#include "actor/envs/vector_env.h"
#include "actor/evaluation.h"
#include "actor/exploration.h"
#include "common/env_catalog.h"
#include "common/env_spec_util.h"
#include "common/grpc_util.h"
#include "common/logging.h"
#include "common/process.h"
#include "grpcpp/server.h"
#include "learner/parameter_service.h"
#include "learner/policy.h"
#include "replay_service/replay_server.h"

ABSL_FLAG(std::string, envs, "point_mass,reacher,fetch_reach,sawyer_reach,flip_bit:k=10",
          "Tasks to measure, comma-separated.");
ABSL_FLAG(int, num_envs, 16, "Instances per actor (M).");
ABSL_FLAG(double, seconds, 2.0, "Measured seconds per loop and round.");
ABSL_FLAG(int, rounds, 3, "Interleaved (bare, actor) rounds; the median is reported.");

namespace hem {
namespace {

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Env steps per second of the bare vectorised loop.
double BareLoop(VectorEnv& envs, const hem::v1::EnvSpec& spec, absl::Duration duration) {
  const int m = envs.num_envs();
  const int action_dim = ActionDim(spec);
  Exploration random_actions(spec, ExplorationOptions(), 7);
  // A pool of pre-drawn actions so drawing costs nothing in the loop.
  std::vector<float> pool(static_cast<size_t>(m) * action_dim * 64);
  random_actions.Random(absl::MakeSpan(pool));
  std::vector<int> steps(m, 0);
  uint64_t episode = 0;
  for (int i = 0; i < m; ++i) envs.Reset(i, EpisodeSeed(1, 0, episode++));
  int64_t total = 0;
  const absl::Time start = absl::Now();
  absl::Time now = start;
  for (int iteration = 0; now - start < duration; ++iteration) {
    envs.Step(absl::MakeConstSpan(pool).subspan(
        static_cast<size_t>(iteration % 64) * m * action_dim, static_cast<size_t>(m) * action_dim));
    total += m;
    for (int i = 0; i < m; ++i) {
      if (++steps[i] >= spec.horizon() || envs.successes()[i]) {
        envs.Reset(i, EpisodeSeed(1, 0, episode++));
        steps[i] = 0;
      }
    }
    if (iteration % 16 == 0) now = absl::Now();
  }
  return total / absl::ToDoubleSeconds(absl::Now() - start);
}

struct ActorRates {
  double env_steps_per_second = 0;
  int64_t acknowledged = 0;
};

ActorRates ActorRun(const std::string& env_name, int num_envs, const std::string& replay,
                    const std::string& learner, absl::Duration duration) {
  ActorOptions options;
  options.env_name = env_name;
  options.num_envs = num_envs;
  options.replay_addresses = {replay};
  options.learner_address = learner;
  options.report_interval = absl::Milliseconds(100);
  ActorLoop loop(options);
  std::atomic<bool> stop{false};
  absl::Status status;
  std::thread thread([&] { status = loop.Run(stop); });
  // Warm up until the policy is loaded and acting, then measure.
  const absl::Time warmup_deadline = absl::Now() + absl::Seconds(10);
  while (loop.progress().policy_version < 0 && absl::Now() < warmup_deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  absl::SleepFor(absl::Milliseconds(300));
  const ActorProgress first = loop.progress();
  const absl::Time start = absl::Now();
  absl::SleepFor(duration);
  const ActorProgress last = loop.progress();
  const absl::Time end = absl::Now();
  stop.store(true);
  thread.join();
  HEM_CHECK(status.ok()) << status;
  HEM_CHECK(last.policy_version >= 0) << "the actor never loaded the policy";
  ActorRates rates;
  rates.env_steps_per_second =
      (last.env_steps - first.env_steps) / absl::ToDoubleSeconds(end - start);
  rates.acknowledged = loop.progress().trajectories_acknowledged;
  return rates;
}

int Main() {
  SetPolicyThreads(1, 1);
  const int num_envs = absl::GetFlag(FLAGS_num_envs);
  const absl::Duration duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  std::printf("actor env steps/s vs the bare VectorEnv loop, M = %d instances, "
              "median of %d rounds of %.1f s\n\n",
              num_envs, absl::GetFlag(FLAGS_rounds), absl::GetFlag(FLAGS_seconds));
  std::printf("| env | bare loop steps/s | actor steps/s | actor / bare | target | episodes stored |\n");
  std::printf("|---|---:|---:|---:|---|---:|\n");
  for (absl::string_view name : absl::StrSplit(absl::GetFlag(FLAGS_envs), ',', absl::SkipEmpty())) {
    const std::string env_name(name);
    auto spec = MakeEnvSpec(env_name);
    HEM_CHECK(spec.ok()) << spec.status();
    auto envs = VectorEnv::Create(env_name, num_envs);
    HEM_CHECK(envs.ok()) << envs.status();

    ReplayServerConfig replay_config;
    replay_config.shard.table.capacity_transitions = 2000000;
    auto replay = ReplayServer::Start(replay_config);
    HEM_CHECK(replay.ok()) << replay.status();

    ParameterService parameters(/*metrics=*/nullptr);
    hem::v1::PolicyConfig config;
    *config.mutable_spec() = *spec;
    auto weights = InitialPolicyWeights(config, /*seed=*/1, /*version=*/0);
    HEM_CHECK(weights.ok()) << weights.status();
    HEM_CHECK(parameters.Publish(*std::move(weights)).ok());
    int port = 0;
    auto learner = StartServer(ListenAddress(0), {&parameters}, &port);
    HEM_CHECK(learner.ok()) << learner.status();
    const std::string learner_address = absl::StrCat("127.0.0.1:", port);

    std::vector<double> bare, actor;
    int64_t stored = 0;
    for (int round = 0; round < absl::GetFlag(FLAGS_rounds); ++round) {
      bare.push_back(BareLoop(**envs, *spec, duration));
      ActorRates rates = ActorRun(env_name, num_envs, (*replay)->address(),
                                  learner_address, duration);
      actor.push_back(rates.env_steps_per_second);
      stored += rates.acknowledged;
    }
    const double bare_rate = Median(bare), actor_rate = Median(actor);
    const bool mujoco = spec->env_name().rfind("flip_bit", 0) != 0 &&
                        spec->env_name().rfind("nav", 0) != 0 &&
                        spec->env_name().rfind("four_rooms", 0) != 0;
    std::printf("| %s | %.0f | %.0f | %.2f | %s | %lld |\n", env_name.c_str(), bare_rate,
                actor_rate, actor_rate / bare_rate,
                mujoco ? (actor_rate / bare_rate >= 0.8 ? ">= 0.8 met" : ">= 0.8 MISSED")
                       : "-",
                static_cast<long long>(stored));
    std::fflush(stdout);
    parameters.Stop();
    (*learner)->Shutdown();
    (*replay)->Shutdown().IgnoreError();
  }
  return 0;
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) {
  hem::InitProcess(argc, argv, "Actor env steps/s next to the bare environment loop.");
  return hem::Main();
}
