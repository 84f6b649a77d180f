// Validation of a replay shard's configuration (see replay_shard_config.h).
#include "replay_service/replay_shard_config.h"

#include "absl/strings/str_cat.h"

namespace hem {

absl::Status ValidateReplayShardConfig(const ReplayShardConfig& config) {
  if (config.num_shards < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_shards: must be >= 1, got ", config.num_shards));
  }
  if (config.shard_index < 0 || config.shard_index >= config.num_shards) {
    return absl::InvalidArgumentError(
        absl::StrCat("shard_index: must be in [0, ", config.num_shards,
                     "), got ", config.shard_index));
  }
  if (config.table.capacity_transitions < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("table.capacity_transitions: must be >= 1, got ",
                     config.table.capacity_transitions));
  }
  if (config.table.capacity_bytes < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("table.capacity_bytes: must be >= 0, got ",
                     config.table.capacity_bytes));
  }
  if (config.default_strategy == hem::v1::RELABEL_STRATEGY_UNSPECIFIED) {
    return absl::InvalidArgumentError("default_strategy: must name a strategy, not the default");
  }
  if (!(config.default_relabel_probability >= 0 &&
        config.default_relabel_probability <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("default_relabel_probability: must be in [0, 1], got ",
                     config.default_relabel_probability));
  }
  if (config.max_specs < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_specs: must be >= 1, got ", config.max_specs));
  }
  if (config.max_batch_bytes < 1 || config.max_batch_bytes > kMaxBatchBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_batch_bytes: must be in [1, ", kMaxBatchBytes,
                     "], got ", config.max_batch_bytes));
  }
  absl::Status limiter = ValidateRateLimiterOptions(config.rate_limiter);
  if (!limiter.ok()) {
    return absl::Status(limiter.code(),
                        absl::StrCat("rate_limiter.", limiter.message()));
  }
  return absl::OkStatus();
}

}  // namespace hem
