// The learner's flags and their mapping onto LearnerConfig (see
// learner_flags.h). Every default is LearnerConfig's.
#include "learner/learner_flags.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "common/flag_errors.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/net_flags.h"
#include "common/relabel_strategy.h"
#include "common/shard_addresses.h"
#include "common/status_macros.h"

namespace {

const hem::LearnerConfig& Defaults() {
  static const auto* defaults = new hem::LearnerConfig();
  return *defaults;
}

}  // namespace

ABSL_FLAG(std::string, algo, std::string(hem::LearnerAlgorithmName(Defaults().algo)),
          "hem (the paper's M-step) or her (the baseline: DDPG+HER for continuous "
          "actions, DQN+HER for discrete ones).");
ABSL_FLAG(double, gamma, Defaults().her.gamma, "HER: discount factor.");
ABSL_FLAG(double, polyak, Defaults().her.polyak,
          "HER: target <- polyak * target + (1 - polyak) * main.");
ABSL_FLAG(int, target_update_every, Defaults().her.target_update_every,
          "HER: move the target networks every this many updates.");
ABSL_FLAG(double, critic_lr, Defaults().her.critic_learning_rate,
          "HER: Adam learning rate of the critic / Q-network (--lr is the actor's).");
ABSL_FLAG(double, action_l2, Defaults().her.action_l2,
          "HER (DDPG): weight of the squared normalised action in the actor loss.");
ABSL_FLAG(bool, clip_target, Defaults().her.clip_target,
          "HER: clip TD targets to [-1/(1-gamma), 0].");
ABSL_FLAG(bool, her_normalize, Defaults().her.normalize_inputs,
          "HER: running mean/std normalisation of observations and goals.");
ABSL_FLAG(double, noise_eps, Defaults().her.exploration_noise,
          "HER (DDPG): actors' Gaussian noise std in half-widths of the action box.");
ABSL_FLAG(double, random_eps, Defaults().her.random_action_probability,
          "HER (DDPG): actors' probability of a uniformly random action.");
ABSL_FLAG(double, dqn_epsilon, Defaults().her.epsilon,
          "HER (DQN): actors' epsilon-greedy probability.");
ABSL_FLAG(std::string, replay, absl::StrJoin(Defaults().replay_addresses, ","),
          "Replay shards, host:port,host:port (a bare port means 127.0.0.1) or "
          "rdzv:replay/0,... (with --rendezvous_dir). Required.");
ABSL_FLAG(std::string, env, Defaults().env,
          "Task, e.g. fetch_reach, flip_bit:k=50, nav:k=2. Required.");
ABSL_FLAG(int, batch_size, Defaults().batch_size, "Transitions per M-step.");
ABSL_FLAG(double, lr, Defaults().learning_rate, "Adam learning rate.");
ABSL_FLAG(double, acting_average, Defaults().acting_average,
          "hEM: actors and the evaluator act with an exponential moving average of the "
          "trained weights, this decay per update; 0 = the trained weights (the paper's); "
          "< 0 = the default (hEM 0.995, HER off)");
ABSL_FLAG(double, max_grad_norm, Defaults().max_grad_norm,
          "Clip the gradient norm to this; 0 = off.");
ABSL_FLAG(std::string, hidden_sizes, absl::StrJoin(Defaults().hidden_sizes, ","),
          "MLP widths, comma-separated.");
ABSL_FLAG(bool, learn_sigma, Defaults().learn_sigma,
          "Learn the global Gaussian sigma (else fixed).");
ABSL_FLAG(double, sigma, Defaults().sigma, "Initial (learned) or fixed global sigma.");
ABSL_FLAG(bool, censored_likelihood, Defaults().censored_likelihood,
          "hEM, continuous actions: the M-step's likelihood is the clipped Gaussian's (an "
          "action on a bound scores the mass beyond it).");
ABSL_FLAG(bool, normalize, Defaults().normalize, "Running mean/std normalisation of inputs.");
ABSL_FLAG(bool, skip_noop_transitions, Defaults().skip_noop_transitions,
          "hEM: leave out of the M-step the transitions whose action left the observation "
          "unchanged (moves into walls).");
ABSL_FLAG(std::string, device, Defaults().device, "auto | cpu | cuda.");
ABSL_FLAG(int, torch_threads, Defaults().torch_threads, "LibTorch intra-op threads.");
ABSL_FLAG(int, torch_interop_threads, Defaults().torch_interop_threads,
          "LibTorch inter-op threads.");
ABSL_FLAG(int, port, Defaults().port, "ParameterService + StatusService port (0 = any).");
ABSL_FLAG(int, publish_every, Defaults().publish_every, "Publish weights every k updates.");
ABSL_FLAG(std::string, run_dir, Defaults().run_dir,
          "Directory for metrics.csv, checkpoints/ and the version lease.");
ABSL_FLAG(double, checkpoint_every_seconds,
          absl::ToDoubleSeconds(Defaults().checkpoint_interval),
          "Seconds between checkpoints (<= 0: only at exit).");
ABSL_FLAG(bool, resume, Defaults().resume,
          "Resume from the newest valid checkpoint in --run_dir, if there is one.");
ABSL_FLAG(int64_t, max_updates, Defaults().max_updates,
          "Stop after this many updates (0 = never).");
ABSL_FLAG(int, metrics_port, Defaults().metrics_port,
          "HTTP port for /metrics (-1 = off, 0 = any).");
ABSL_FLAG(double, report_every_seconds, absl::ToDoubleSeconds(Defaults().report_interval),
          "Seconds between CSV rows/console lines.");
ABSL_FLAG(std::string, relabel_strategy, hem::RelabelStrategyName(Defaults().relabel_strategy),
          "Hindsight relabeling: future, final, episode, random, none, or default "
          "(the shards' own).");
ABSL_FLAG(double, relabel_probability, Defaults().relabel_probability,
          "Probability of relabeling a goal (< 0: the shards' default).");
ABSL_FLAG(int, future_window, Defaults().future_window,
          "With --relabel_strategy=future (the shards' default): relabel with achieved goals "
          "at most this many steps ahead; 0 = to the episode's end (the paper's 'future').");
ABSL_FLAG(int, prefetch_batches, Defaults().prefetch_batches,
          "Decoded batches queued ahead of training.");
ABSL_FLAG(uint64_t, seed, Defaults().seed, "Network initialisation seed.");
ABSL_FLAG(std::string, name, Defaults().name, "Process name for status and logs.");

namespace hem {
namespace {

// Which flag sets which LearnerConfig field: the one place both names meet.
constexpr FieldFlag kFieldFlags[] = {
    {"algo", "algo"},
    {"her.gamma", "gamma"},
    {"her.polyak", "polyak"},
    {"her.target_update_every", "target_update_every"},
    {"her.critic_learning_rate", "critic_lr"},
    {"her.action_l2", "action_l2"},
    {"her.clip_target", "clip_target"},
    {"her.normalize_inputs", "her_normalize"},
    {"her.exploration_noise", "noise_eps"},
    {"her.random_action_probability", "random_eps"},
    {"her.epsilon", "dqn_epsilon"},
    {"replay_addresses", "replay"},
    {"env", "env"},
    {"batch_size", "batch_size"},
    {"learning_rate", "lr"},
    {"acting_average", "acting_average"},
    {"max_grad_norm", "max_grad_norm"},
    {"hidden_sizes", "hidden_sizes"},
    {"learn_sigma", "learn_sigma"},
    {"sigma", "sigma"},
    {"censored_likelihood", "censored_likelihood"},
    {"normalize", "normalize"},
    {"skip_noop_transitions", "skip_noop_transitions"},
    {"device", "device"},
    {"torch_threads", "torch_threads"},
    {"torch_interop_threads", "torch_interop_threads"},
    {"port", "port"},
    {"publish_every", "publish_every"},
    {"run_dir", "run_dir"},
    {"checkpoint_interval", "checkpoint_every_seconds"},
    {"resume", "resume"},
    {"max_updates", "max_updates"},
    {"metrics_port", "metrics_port"},
    {"report_interval", "report_every_seconds"},
    {"relabel_strategy", "relabel_strategy"},
    {"relabel_probability", "relabel_probability"},
    {"future_window", "future_window"},
    {"prefetch_batches", "prefetch_batches"},
    {"seed", "seed"},
    {"name", "name"},
};

absl::Status FieldError(absl::string_view field, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", reason));
}

// The flags as a LearnerConfig; errors name the field.
absl::StatusOr<LearnerConfig> ConfigFromFlags() {
  LearnerConfig config;
  const std::string replay = absl::GetFlag(FLAGS_replay);
  if (replay.empty()) {
    return FieldError("replay_addresses", "required, e.g. 127.0.0.1:7001,127.0.0.1:7002");
  }
  HEM_ASSIGN_OR_RETURN(config.replay_addresses, ParseAddressList(replay, "replay"));
  absl::StatusOr<LearnerAlgorithm> algo = ParseLearnerAlgorithm(absl::GetFlag(FLAGS_algo));
  if (!algo.ok()) return FieldError("algo", algo.status().message());
  config.algo = *algo;
  config.her.gamma = absl::GetFlag(FLAGS_gamma);
  config.her.polyak = absl::GetFlag(FLAGS_polyak);
  config.her.target_update_every = absl::GetFlag(FLAGS_target_update_every);
  config.her.critic_learning_rate = absl::GetFlag(FLAGS_critic_lr);
  config.her.action_l2 = absl::GetFlag(FLAGS_action_l2);
  config.her.clip_target = absl::GetFlag(FLAGS_clip_target);
  config.her.normalize_inputs = absl::GetFlag(FLAGS_her_normalize);
  config.her.exploration_noise = static_cast<float>(absl::GetFlag(FLAGS_noise_eps));
  config.her.random_action_probability = static_cast<float>(absl::GetFlag(FLAGS_random_eps));
  config.her.epsilon = static_cast<float>(absl::GetFlag(FLAGS_dqn_epsilon));
  config.env = absl::GetFlag(FLAGS_env);
  config.batch_size = absl::GetFlag(FLAGS_batch_size);
  config.learning_rate = absl::GetFlag(FLAGS_lr);
  config.acting_average = absl::GetFlag(FLAGS_acting_average);
  config.max_grad_norm = absl::GetFlag(FLAGS_max_grad_norm);
  config.hidden_sizes.clear();
  for (absl::string_view item :
       absl::StrSplit(absl::GetFlag(FLAGS_hidden_sizes), ',', absl::SkipWhitespace())) {
    int width = 0;
    if (!absl::SimpleAtoi(item, &width)) {
      return FieldError("hidden_sizes", absl::StrCat("'", item, "' is not an integer"));
    }
    config.hidden_sizes.push_back(width);
  }
  config.learn_sigma = absl::GetFlag(FLAGS_learn_sigma);
  config.sigma = absl::GetFlag(FLAGS_sigma);
  config.censored_likelihood = absl::GetFlag(FLAGS_censored_likelihood);
  config.normalize = absl::GetFlag(FLAGS_normalize);
  config.skip_noop_transitions = absl::GetFlag(FLAGS_skip_noop_transitions);
  config.device = absl::GetFlag(FLAGS_device);
  config.torch_threads = absl::GetFlag(FLAGS_torch_threads);
  config.torch_interop_threads = absl::GetFlag(FLAGS_torch_interop_threads);
  config.port = absl::GetFlag(FLAGS_port);
  config.net = NetConfigFromFlags();
  config.publish_every = absl::GetFlag(FLAGS_publish_every);
  config.run_dir = absl::GetFlag(FLAGS_run_dir);
  config.checkpoint_interval = absl::Seconds(absl::GetFlag(FLAGS_checkpoint_every_seconds));
  config.resume = absl::GetFlag(FLAGS_resume);
  config.max_updates = absl::GetFlag(FLAGS_max_updates);
  config.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  config.report_interval = absl::Seconds(absl::GetFlag(FLAGS_report_every_seconds));
  absl::StatusOr<hem::v1::RelabelStrategy> strategy =
      ParseRelabelStrategy(absl::GetFlag(FLAGS_relabel_strategy));
  if (!strategy.ok()) return FieldError("relabel_strategy", strategy.status().message());
  config.relabel_strategy = *strategy;
  config.relabel_probability = static_cast<float>(absl::GetFlag(FLAGS_relabel_probability));
  config.future_window = absl::GetFlag(FLAGS_future_window);
  config.prefetch_batches = absl::GetFlag(FLAGS_prefetch_batches);
  config.seed = absl::GetFlag(FLAGS_seed);
  config.name = absl::GetFlag(FLAGS_name);
  HEM_RETURN_IF_ERROR(ValidateLearnerConfig(config));
  return config;
}

}  // namespace

absl::Status ToFlagError(const absl::Status& status) {
  return NetFlagError(FieldErrorToFlagError(status, kFieldFlags));
}

absl::StatusOr<LearnerConfig> LearnerConfigFromFlags() {
  absl::StatusOr<LearnerConfig> config = ConfigFromFlags();
  if (!config.ok()) return ToFlagError(config.status());
  return config;
}

}  // namespace hem
