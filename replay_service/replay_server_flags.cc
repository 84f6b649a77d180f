// The replay server's flags, mapped onto ReplayServerConfig (see
// replay_server_flags.h).
#include "replay_service/replay_server_flags.h"

#include <cstdint>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "common/flag_errors.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/net_flags.h"
#include "common/relabel_strategy.h"

namespace {
// Each flag's default is the field's.
const hem::ReplayServerConfig& Defaults() {
  static const hem::ReplayServerConfig* const defaults = new hem::ReplayServerConfig();
  return *defaults;
}
}  // namespace

ABSL_FLAG(int, port, Defaults().port, "Port to listen on; 0 picks a free one.");
ABSL_FLAG(int, shard_index, Defaults().shard.shard_index,
          "This shard's index in [0, num_shards).");
ABSL_FLAG(int, num_shards, Defaults().shard.num_shards, "Number of replay shards.");
ABSL_FLAG(int64_t, capacity_transitions, Defaults().shard.table.capacity_transitions,
          "Transitions kept per environment spec; oldest episodes are evicted.");
ABSL_FLAG(int64_t, capacity_bytes, Defaults().shard.table.capacity_bytes,
          "Also evict while stored episodes hold more bytes; 0 = no limit.");
ABSL_FLAG(std::string, relabel_strategy,
          hem::RelabelStrategyName(Defaults().shard.default_strategy),
          "Default hindsight strategy: future|final|episode|random|none.");
ABSL_FLAG(double, relabel_probability, Defaults().shard.default_relabel_probability,
          "Default probability of relabeling a transition's goal (hEM 1.0, "
          "HER 0.8).");
ABSL_FLAG(int64_t, min_size_to_sample, Defaults().shard.rate_limiter.min_size_to_sample,
          "Transitions inserted before sampling starts.");
ABSL_FLAG(double, samples_per_insert, Defaults().shard.rate_limiter.samples_per_insert,
          "Target sampled transitions per inserted transition; 0 disables.");
ABSL_FLAG(double, samples_per_insert_tolerance, Defaults().shard.rate_limiter.tolerance,
          "Allowed deviation (in sampled transitions) from the target ratio.");
ABSL_FLAG(std::string, checkpoint_dir, Defaults().checkpoint_dir,
          "Directory for checkpoints (restored at start); empty = none.");
ABSL_FLAG(std::string, durability,
          std::string(hem::DurabilityName(Defaults().durability)),
          "When an acknowledged episode is safe: log (in the episode log on "
          "disk before it is acknowledged; needs --checkpoint_dir) or "
          "checkpoint (only from the next checkpoint on).");
ABSL_FLAG(int, metrics_port, Defaults().metrics_port,
          "HTTP(S) port for Prometheus /metrics (-1 = off, 0 = any).");
ABSL_FLAG(int, checkpoint_interval_seconds,
          static_cast<int>(absl::ToInt64Seconds(Defaults().checkpoint_interval)),
          "Seconds between checkpoints; 0 = only at shutdown.");

namespace hem {
namespace {

// ReplayServerConfig field -> flag, for every field the flags set.
constexpr FieldFlag kFlagOfField[] = {
    {"port", "port"},
    {"shard.shard_index", "shard_index"},
    {"shard.num_shards", "num_shards"},
    {"shard.table.capacity_transitions", "capacity_transitions"},
    {"shard.table.capacity_bytes", "capacity_bytes"},
    {"shard.default_strategy", "relabel_strategy"},
    {"shard.default_relabel_probability", "relabel_probability"},
    {"shard.rate_limiter.min_size_to_sample", "min_size_to_sample"},
    {"shard.rate_limiter.samples_per_insert", "samples_per_insert"},
    {"shard.rate_limiter.tolerance", "samples_per_insert_tolerance"},
    {"checkpoint_dir", "checkpoint_dir"},
    {"checkpoint_interval", "checkpoint_interval_seconds"},
    {"durability", "durability"},
    {"metrics_port", "metrics_port"},
};

}  // namespace

absl::Status ReplayServerFlagError(absl::Status status) {
  return NetFlagError(FieldErrorToFlagError(status, kFlagOfField));
}

absl::StatusOr<ReplayServerConfig> ReplayServerConfigFromFlags() {
  ReplayServerConfig config;
  config.port = absl::GetFlag(FLAGS_port);
  config.net = NetConfigFromFlags();
  config.shard.shard_index = absl::GetFlag(FLAGS_shard_index);
  config.shard.num_shards = absl::GetFlag(FLAGS_num_shards);
  config.shard.table.capacity_transitions = absl::GetFlag(FLAGS_capacity_transitions);
  config.shard.table.capacity_bytes = absl::GetFlag(FLAGS_capacity_bytes);
  absl::StatusOr<hem::v1::RelabelStrategy> strategy =
      ParseRelabelStrategy(absl::GetFlag(FLAGS_relabel_strategy));
  if (!strategy.ok()) {
    return ReplayServerFlagError(absl::InvalidArgumentError(
        absl::StrCat("shard.default_strategy: ", strategy.status().message())));
  }
  config.shard.default_strategy = *strategy;
  config.shard.default_relabel_probability = absl::GetFlag(FLAGS_relabel_probability);
  config.shard.rate_limiter.min_size_to_sample = absl::GetFlag(FLAGS_min_size_to_sample);
  config.shard.rate_limiter.samples_per_insert = absl::GetFlag(FLAGS_samples_per_insert);
  config.shard.rate_limiter.tolerance = absl::GetFlag(FLAGS_samples_per_insert_tolerance);
  config.checkpoint_dir = absl::GetFlag(FLAGS_checkpoint_dir);
  config.checkpoint_interval =
      absl::Seconds(absl::GetFlag(FLAGS_checkpoint_interval_seconds));
  absl::StatusOr<Durability> durability =
      ParseDurability(absl::GetFlag(FLAGS_durability));
  if (!durability.ok()) {
    return ReplayServerFlagError(absl::InvalidArgumentError(
        absl::StrCat("durability: ", durability.status().message())));
  }
  config.durability = *durability;
  config.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  absl::Status valid = ValidateReplayServerConfig(config);
  if (!valid.ok()) return ReplayServerFlagError(valid);
  return config;
}

}  // namespace hem
