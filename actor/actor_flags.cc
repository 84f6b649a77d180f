// The actor's flags, mapped onto ActorOptions (see actor_flags.h).
#include "actor/actor_flags.h"

#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "common/flag_errors.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/net_flags.h"
#include "common/shard_addresses.h"

namespace {
// Each flag's default is the field's.
const hem::ActorOptions& Defaults() {
  static const hem::ActorOptions* const defaults = new hem::ActorOptions();
  return *defaults;
}
}  // namespace

ABSL_FLAG(std::string, env, Defaults().env_name,
          "Task, e.g. flip_bit:k=50, nav:k=40, fetch_reach");
ABSL_FLAG(int, num_envs, Defaults().num_envs,
          "Environment instances stepped together (batched inference)");
ABSL_FLAG(uint64_t, actor_id, Defaults().actor_id, "Unique id of this actor in the cluster");
ABSL_FLAG(uint64_t, seed, Defaults().seed,
          "Base seed; every episode's seed derives from it and the actor id");
ABSL_FLAG(int64_t, first_episode_id, Defaults().first_episode_id,
          "Id of the first episode; -1 = microseconds since the epoch, so a restarted actor "
          "never reuses an episode id");
ABSL_FLAG(std::string, ack_log, Defaults().ack_log,
          "Append 'actor_id episode_id num_steps' for each episode a shard acknowledged");
ABSL_FLAG(std::string, replay, absl::StrJoin(Defaults().replay_addresses, ","),
          "Replay shard addresses host:port,... or rdzv:replay/0,... (training mode)");
ABSL_FLAG(std::string, learner, Defaults().learner_address,
          "Learner ParameterService host:port or rdzv:learner/0; empty = random policy");
ABSL_FLAG(double, action_noise, Defaults().exploration.action_noise,
          "sigma_a: Gaussian exploration noise, in half-widths of the action bounds "
          "(HER policies use the learner's)");
ABSL_FLAG(double, epsilon, Defaults().exploration.epsilon,
          "Probability of a uniform random action (HER policies use the learner's)");
ABSL_FLAG(int64_t, max_env_steps, Defaults().max_env_steps,
          "Stop after this many env steps; 0 = run until stopped");
ABSL_FLAG(bool, eval, Defaults().eval,
          "Evaluation mode: deterministic policy, fresh goals, report test success");
ABSL_FLAG(int, eval_episodes, Defaults().eval_episodes, "Episodes per evaluation (--eval)");
ABSL_FLAG(bool, eval_deterministic, Defaults().eval_deterministic,
          "--eval: act with the mean / argmax (the paper's criterion); false samples from pi");
ABSL_FLAG(std::string, eval_episode_log, Defaults().eval_episode_log,
          "--eval: append a CSV row per test episode to this file (success, steps, "
          "distances to the goal, start and goal coordinates); empty = none");
ABSL_FLAG(double, eval_interval_seconds, absl::ToDoubleSeconds(Defaults().eval_interval),
          "Minimum seconds between evaluations (--eval)");
ABSL_FLAG(int, port, Defaults().status_port,
          "StatusService port (on --bind_host); 0 = any free port");
ABSL_FLAG(int, metrics_port, Defaults().metrics_port,
          "HTTP(S) port for Prometheus /metrics (on --bind_host); -1 = off, 0 = any");
ABSL_FLAG(int, torch_threads, Defaults().torch_threads,
          "LibTorch (and OpenBLAS) threads for policy inference");

namespace hem {
namespace {

// ActorOptions field -> flag, for every field the flags set.
constexpr FieldFlag kFlagOfField[] = {
    {"env_name", "env"},
    {"num_envs", "num_envs"},
    {"actor_id", "actor_id"},
    {"seed", "seed"},
    {"first_episode_id", "first_episode_id"},
    {"ack_log", "ack_log"},
    {"replay_addresses", "replay"},
    {"learner_address", "learner"},
    {"exploration.action_noise", "action_noise"},
    {"exploration.epsilon", "epsilon"},
    {"max_env_steps", "max_env_steps"},
    {"status_port", "port"},
    {"metrics_port", "metrics_port"},
    {"torch_threads", "torch_threads"},
    {"eval", "eval"},
    {"eval_episodes", "eval_episodes"},
    {"eval_interval", "eval_interval_seconds"},
    {"eval_deterministic", "eval_deterministic"},
    {"eval_episode_log", "eval_episode_log"},
};

}  // namespace

absl::Status ActorFlagError(absl::Status status) {
  return NetFlagError(FieldErrorToFlagError(status, kFlagOfField));
}

absl::StatusOr<ActorOptions> ActorOptionsFromFlags() {
  ActorOptions options;
  options.env_name = absl::GetFlag(FLAGS_env);
  options.num_envs = absl::GetFlag(FLAGS_num_envs);
  options.actor_id = absl::GetFlag(FLAGS_actor_id);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.first_episode_id = absl::GetFlag(FLAGS_first_episode_id);
  options.ack_log = absl::GetFlag(FLAGS_ack_log);
  options.learner_address = absl::GetFlag(FLAGS_learner);
  options.exploration.action_noise = static_cast<float>(absl::GetFlag(FLAGS_action_noise));
  options.exploration.epsilon = static_cast<float>(absl::GetFlag(FLAGS_epsilon));
  options.max_env_steps = absl::GetFlag(FLAGS_max_env_steps);
  options.eval = absl::GetFlag(FLAGS_eval);
  options.eval_episodes = absl::GetFlag(FLAGS_eval_episodes);
  options.eval_interval = absl::Seconds(absl::GetFlag(FLAGS_eval_interval_seconds));
  options.eval_deterministic = absl::GetFlag(FLAGS_eval_deterministic);
  options.eval_episode_log = absl::GetFlag(FLAGS_eval_episode_log);
  options.status_port = absl::GetFlag(FLAGS_port);
  options.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  options.torch_threads = absl::GetFlag(FLAGS_torch_threads);
  options.net = NetConfigFromFlags();
  if (!options.eval) {
    // Names the flag itself: "--replay: ...".
    absl::StatusOr<std::vector<std::string>> addresses =
        ParseAddressList(absl::GetFlag(FLAGS_replay), "replay");
    if (!addresses.ok()) return addresses.status();
    options.replay_addresses = *std::move(addresses);
  }
  if (absl::Status status = ValidateActorOptions(options); !status.ok()) {
    return ActorFlagError(status);
  }
  return options;
}

}  // namespace hem
