// The actor (and, with --eval, the evaluator) process.
#include <atomic>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "actor/actor_loop.h"
#include "common/grpc_util.h"
#include "common/logging.h"
#include "common/process.h"
#include "common/shard_addresses.h"
#include "common/status_service.h"
#include "grpcpp/server.h"
#include "learner/policy.h"

ABSL_FLAG(std::string, env, "flip_bit:k=10", "Task, e.g. flip_bit:k=50, nav:k=40, fetch_reach");
ABSL_FLAG(int, num_envs, 32, "Environment instances stepped together (batched inference)");
ABSL_FLAG(uint64_t, actor_id, 0, "Unique id of this actor in the cluster");
ABSL_FLAG(uint64_t, seed, 1, "Base seed; every episode's seed derives from it and the actor id");
ABSL_FLAG(std::string, replay, "", "Replay shard addresses host:port,... (training mode)");
ABSL_FLAG(std::string, learner, "", "Learner ParameterService host:port; empty = random policy");
ABSL_FLAG(double, action_noise, 0.5, "sigma_a: Gaussian exploration noise, in half-widths of the action bounds");
ABSL_FLAG(double, epsilon, 0.0, "Discrete tasks: probability of a uniform random action");
ABSL_FLAG(int64_t, max_env_steps, 0, "Stop after this many env steps; 0 = run until stopped");
ABSL_FLAG(bool, eval, false, "Evaluation mode: deterministic policy, fresh goals, report test success");
ABSL_FLAG(int, eval_episodes, 50, "Episodes per evaluation (--eval)");
ABSL_FLAG(bool, eval_deterministic, true,
          "--eval: act with the mean / argmax (the paper's criterion); false samples from pi");
ABSL_FLAG(double, eval_interval_seconds, 5, "Minimum seconds between evaluations (--eval)");
ABSL_FLAG(int, port, 0, "StatusService port on loopback; 0 = any free port");
ABSL_FLAG(int, torch_threads, 1, "LibTorch (and OpenBLAS) threads for policy inference");

namespace hem {
namespace {

absl::Status CheckFlags(const ActorOptions& options) {
  if (options.exploration.action_noise < 0) {
    return absl::InvalidArgumentError("--action_noise: must be >= 0");
  }
  if (options.exploration.epsilon < 0 || options.exploration.epsilon > 1) {
    return absl::InvalidArgumentError("--epsilon: must be in [0, 1]");
  }
  if (options.eval && options.eval_episodes < 1) {
    return absl::InvalidArgumentError("--eval_episodes: must be >= 1");
  }
  return absl::OkStatus();
}

int Main() {
  ActorOptions options;
  options.env_name = absl::GetFlag(FLAGS_env);
  options.num_envs = absl::GetFlag(FLAGS_num_envs);
  options.actor_id = absl::GetFlag(FLAGS_actor_id);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.learner_address = absl::GetFlag(FLAGS_learner);
  options.exploration.action_noise = absl::GetFlag(FLAGS_action_noise);
  options.exploration.epsilon = absl::GetFlag(FLAGS_epsilon);
  options.max_env_steps = absl::GetFlag(FLAGS_max_env_steps);
  options.eval = absl::GetFlag(FLAGS_eval);
  options.eval_episodes = absl::GetFlag(FLAGS_eval_episodes);
  options.eval_interval = absl::Seconds(absl::GetFlag(FLAGS_eval_interval_seconds));
  options.eval_deterministic = absl::GetFlag(FLAGS_eval_deterministic);
  if (!options.eval) {
    auto addresses = ParseAddressList(absl::GetFlag(FLAGS_replay), "replay");
    if (!addresses.ok()) {
      HEM_LOG(ERROR) << addresses.status().message();
      return 2;
    }
    options.replay_addresses = *addresses;
  }
  if (absl::Status status = CheckFlags(options); !status.ok()) {
    HEM_LOG(ERROR) << status.message();
    return 2;
  }

  const std::string role = options.eval ? "evaluator" : "actor";
  ProcessStatusService status_service(role, absl::StrCat(role, "-", options.actor_id));
  int port = 0;
  auto server = StartServer(ListenAddress(absl::GetFlag(FLAGS_port)),
                            {&status_service}, &port);
  if (!server.ok()) {
    HEM_LOG(ERROR) << "--port: " << server.status().message();
    return 2;
  }
  ActorLoop loop(options);
  status_service.SetReporter([&loop, &options](hem::v1::ProcessStatus* status) {
    const ActorProgress p = loop.progress();
    auto& m = *status->mutable_metrics();
    m["env_steps"] = p.env_steps;
    m["episodes"] = p.episodes;
    m["train_success_rate"] = p.recent_success_rate;
    m["policy_version"] = p.policy_version;
    m["env_steps_per_second"] = p.env_steps_per_second;
    m["trajectories_acknowledged"] = p.trajectories_acknowledged;
    m["eval_success_rate"] = p.last_eval_success_rate;
    (*status->mutable_labels())["env"] = options.env_name;
  });
  status_service.SetReady(true);
  HEM_LOG(INFO) << role << " " << options.actor_id << " on " << options.env_name
                << " with " << options.num_envs << " envs; status on 127.0.0.1:" << port;

  SetPolicyThreads(absl::GetFlag(FLAGS_torch_threads), 1);
  InstallShutdownHandler();
  std::atomic<bool> stop{false};
  std::thread watcher([&stop] {
    while (!stop.load() && !WaitForShutdown(absl::Milliseconds(200))) {}
    stop.store(true);
  });
  absl::Status status = loop.Run(stop);
  stop.store(true);
  watcher.join();
  (*server)->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  const ActorProgress p = loop.progress();
  HEM_LOG(INFO) << role << " done: " << p.env_steps << " env steps, " << p.episodes
                << " episodes";
  if (!status.ok()) {
    HEM_LOG(ERROR) << status;
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) {
  hem::InitProcess(argc, argv,
                   "hem actor: rolls out episodes and streams them to the replay "
                   "shards.\n  actor --env=flip_bit:k=10 --replay=127.0.0.1:7001 "
                   "--learner=127.0.0.1:7100\n  actor --eval --env=... --learner=...");
  return hem::Main();
}
