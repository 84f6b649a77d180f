#include "learner/learner_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/shard_addresses.h"

ABSL_FLAG(std::string, replay, "",
          "Replay shards, host:port,host:port (a bare port means 127.0.0.1).");
ABSL_FLAG(std::string, env, "", "Task, e.g. fetch_reach, flip_bit:k=50, nav:k=2.");
ABSL_FLAG(int, batch_size, 256, "Transitions per M-step.");
ABSL_FLAG(double, lr, 1e-3, "Adam learning rate.");
ABSL_FLAG(double, max_grad_norm, 0, "Clip the gradient norm to this; 0 = off.");
ABSL_FLAG(std::string, hidden_sizes, "256,256,256", "MLP widths, comma-separated.");
ABSL_FLAG(bool, learn_sigma, true, "Learn the global Gaussian sigma (else fixed).");
ABSL_FLAG(double, sigma, 0.5, "Initial (learned) or fixed global sigma.");
ABSL_FLAG(bool, normalize, false, "Running mean/std normalisation of inputs.");
ABSL_FLAG(std::string, device, "auto", "auto | cpu | cuda.");
ABSL_FLAG(int, torch_threads, 1, "LibTorch intra-op threads.");
ABSL_FLAG(int, torch_interop_threads, 1, "LibTorch inter-op threads.");
ABSL_FLAG(int, port, 0, "ParameterService + StatusService port (0 = any).");
ABSL_FLAG(bool, bind_all, false, "Listen on all interfaces, not only loopback.");
ABSL_FLAG(int, publish_every, 10, "Publish weights every k updates.");
ABSL_FLAG(std::string, run_dir, "", "Directory for metrics.csv and checkpoints/.");
ABSL_FLAG(double, checkpoint_every_seconds, 600,
          "Seconds between checkpoints (<= 0: only at exit).");
ABSL_FLAG(bool, resume, false, "Resume from the newest checkpoint in --run_dir.");
ABSL_FLAG(int64_t, max_updates, 0, "Stop after this many updates (0 = never).");
ABSL_FLAG(int, metrics_port, -1, "HTTP port for /metrics (-1 = off, 0 = any).");
ABSL_FLAG(double, report_every_seconds, 5, "Seconds between CSV rows/console lines.");
ABSL_FLAG(std::string, relabel_strategy, "default",
          "none | future | final | episode | random | default (the shards').");
ABSL_FLAG(double, relabel_probability, -1,
          "Probability of relabeling a goal (< 0: the shards' default).");
ABSL_FLAG(int, prefetch_batches, 8, "Decoded batches queued ahead of training.");
ABSL_FLAG(uint64_t, seed, 1, "Network initialisation seed.");
ABSL_FLAG(std::string, name, "learner", "Process name for status and logs.");

namespace hem {

absl::StatusOr<hem::v1::RelabelStrategy> ParseRelabelStrategy(absl::string_view name) {
  if (name == "default" || name.empty()) return hem::v1::RELABEL_STRATEGY_UNSPECIFIED;
  if (name == "none") return hem::v1::RELABEL_NONE;
  if (name == "future") return hem::v1::RELABEL_FUTURE;
  if (name == "final") return hem::v1::RELABEL_FINAL;
  if (name == "episode") return hem::v1::RELABEL_EPISODE;
  if (name == "random") return hem::v1::RELABEL_RANDOM;
  return absl::InvalidArgumentError(absl::StrCat(
      "--relabel_strategy: '", name,
      "' is not one of none, future, final, episode, random, default"));
}

absl::StatusOr<LearnerConfig> LearnerConfigFromFlags() {
  LearnerConfig config;
  if (absl::GetFlag(FLAGS_replay).empty()) {
    return absl::InvalidArgumentError(
        "--replay: required, e.g. --replay=127.0.0.1:7001,127.0.0.1:7002");
  }
  absl::StatusOr<std::vector<std::string>> addresses =
      ParseAddressList(absl::GetFlag(FLAGS_replay), "replay");
  if (!addresses.ok()) return addresses.status();
  config.replay_addresses = *std::move(addresses);
  config.env = absl::GetFlag(FLAGS_env);
  config.batch_size = absl::GetFlag(FLAGS_batch_size);
  config.learning_rate = absl::GetFlag(FLAGS_lr);
  config.max_grad_norm = absl::GetFlag(FLAGS_max_grad_norm);
  config.hidden_sizes.clear();
  for (absl::string_view item :
       absl::StrSplit(absl::GetFlag(FLAGS_hidden_sizes), ',', absl::SkipWhitespace())) {
    int width = 0;
    if (!absl::SimpleAtoi(item, &width)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--hidden_sizes: '", item, "' is not an integer"));
    }
    config.hidden_sizes.push_back(width);
  }
  config.learn_sigma = absl::GetFlag(FLAGS_learn_sigma);
  config.sigma = absl::GetFlag(FLAGS_sigma);
  config.normalize = absl::GetFlag(FLAGS_normalize);
  config.device = absl::GetFlag(FLAGS_device);
  config.torch_threads = absl::GetFlag(FLAGS_torch_threads);
  config.torch_interop_threads = absl::GetFlag(FLAGS_torch_interop_threads);
  config.port = absl::GetFlag(FLAGS_port);
  config.bind_all = absl::GetFlag(FLAGS_bind_all);
  config.publish_every = absl::GetFlag(FLAGS_publish_every);
  config.run_dir = absl::GetFlag(FLAGS_run_dir);
  config.checkpoint_interval = absl::Seconds(absl::GetFlag(FLAGS_checkpoint_every_seconds));
  config.resume = absl::GetFlag(FLAGS_resume);
  config.max_updates = absl::GetFlag(FLAGS_max_updates);
  config.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  config.report_interval = absl::Seconds(absl::GetFlag(FLAGS_report_every_seconds));
  absl::StatusOr<hem::v1::RelabelStrategy> strategy =
      ParseRelabelStrategy(absl::GetFlag(FLAGS_relabel_strategy));
  if (!strategy.ok()) return strategy.status();
  config.relabel_strategy = *strategy;
  config.relabel_probability = static_cast<float>(absl::GetFlag(FLAGS_relabel_probability));
  config.prefetch_batches = absl::GetFlag(FLAGS_prefetch_batches);
  config.seed = absl::GetFlag(FLAGS_seed);
  config.name = absl::GetFlag(FLAGS_name);
  absl::Status status = ValidateLearnerConfig(config);
  if (!status.ok()) return status;
  return config;
}

}  // namespace hem
