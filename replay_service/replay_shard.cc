// One replay shard's specs, tables, limiters and counters (see
// replay_shard.h).
#include "replay_service/replay_shard.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/env_spec_util.h"
#include "common/status_macros.h"
#include "replay_service/trajectory_validator.h"

namespace hem {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(20);

}  // namespace

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
  absl::Status limiter = ValidateRateLimiterOptions(config.rate_limiter);
  if (!limiter.ok()) {
    return absl::Status(limiter.code(),
                        absl::StrCat("rate_limiter.", limiter.message()));
  }
  return absl::OkStatus();
}

ReplayShard::ReplayShard(ReplayShardConfig config) : config_(config) {}

ReplayShard::SpecTable* ReplayShard::FindTable(uint64_t spec_id) const {
  for (const auto& table : tables_) {
    if (table->table.spec().spec_id() == spec_id) return table.get();
  }
  return nullptr;
}

absl::Status ReplayShard::RegisterSpec(const hem::v1::EnvSpec& spec) {
  HEM_RETURN_IF_ERROR(ValidateEnvSpec(spec));
  absl::MutexLock lock(&mu_);
  if (FindTable(spec.spec_id()) != nullptr) return absl::OkStatus();
  tables_.push_back(std::make_unique<SpecTable>(spec, config_));
  tables_changed_.SignalAll();
  return absl::OkStatus();
}

absl::StatusOr<ReplayShard::InsertOutcome> ReplayShard::Insert(
    hem::v1::Trajectory* trajectory, absl::Time deadline,
    const CancelledFn& cancelled) {
  SpecTable* table;
  {
    absl::ReaderMutexLock lock(&mu_);
    table = FindTable(trajectory->spec_id());
  }
  InsertOutcome outcome;
  if (table == nullptr) {
    ++rejected_;
    outcome.error = absl::StrCat("trajectory.spec_id: ", trajectory->spec_id(),
                                 " was never declared on this shard (send "
                                 "InsertRequest.spec first)");
    return outcome;
  }
  absl::Status valid = ValidateTrajectory(table->table.spec(), *trajectory);
  if (!valid.ok()) {
    ++rejected_;
    outcome.error = std::string(valid.message());
    return outcome;
  }
  HEM_RETURN_IF_ERROR(table->limiter.AwaitCanInsert(deadline, cancelled));
  const int64_t steps = trajectory->num_steps();
  const ReplayTable::InsertResult result = table->table.Insert(
      EpisodeFromTrajectory(trajectory, table->table.spec()));
  outcome.stored = true;
  if (result == ReplayTable::InsertResult::kDuplicate) {
    outcome.duplicate = true;
  } else {
    table->limiter.Inserted(steps);
  }
  outcome.table_transitions = table->table.stats().transitions;
  return outcome;
}

absl::StatusOr<ReplayShard::SpecTable*> ReplayShard::AwaitTable(
    uint64_t spec_id, absl::Time deadline, const CancelledFn& cancelled) {
  absl::MutexLock lock(&mu_);
  while (true) {
    if (cancelled_) return absl::CancelledError("replay shard shutting down");
    if (spec_id == 0) {
      if (tables_.size() == 1) return tables_.front().get();
      if (tables_.size() > 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("spec_id: 0 is ambiguous, the shard holds ",
                         tables_.size(), " specs"));
      }
    } else if (SpecTable* table = FindTable(spec_id)) {
      return table;
    }
    if (cancelled && cancelled()) {
      return absl::CancelledError("the caller cancelled");
    }
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "spec_id: ", spec_id, " not declared on this shard before the deadline"));
    }
    tables_changed_.WaitWithDeadline(&mu_,
                                     std::min(deadline, now + kPollInterval));
  }
}

absl::StatusOr<HindsightOptions> ReplayShard::ResolveSampleOptions(
    const hem::v1::SampleRequest& request, const hem::v1::EnvSpec& spec) const {
  HindsightOptions options;
  options.batch_size = request.batch_size();
  options.strategy = request.strategy() == hem::v1::RELABEL_STRATEGY_UNSPECIFIED
                         ? config_.default_strategy
                         : request.strategy();
  options.relabel_probability = request.relabel_probability() < 0
                                    ? config_.default_relabel_probability
                                    : request.relabel_probability();
  options.with_next = request.with_next();
  HEM_RETURN_IF_ERROR(ValidateHindsightOptions(options, spec));
  return options;
}

absl::Status ReplayShard::SampleBatch(SpecTable* table,
                                      HindsightSampler* sampler,
                                      int batch_size, absl::Time deadline,
                                      const CancelledFn& cancelled,
                                      hem::v1::Batch* batch) {
  HEM_RETURN_IF_ERROR(table->limiter.AwaitCanSample(deadline, cancelled));
  HEM_RETURN_IF_ERROR(sampler->Sample(batch));
  table->limiter.Sampled(batch_size);
  sampled_.fetch_add(batch_size, std::memory_order_relaxed);
  relabeled_.fetch_add(batch->num_relabeled(), std::memory_order_relaxed);
  return absl::OkStatus();
}

std::vector<ReplayShard::SpecSnapshot> ReplayShard::Snapshot() const {
  std::vector<SpecTable*> tables;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& table : tables_) tables.push_back(table.get());
  }
  std::vector<SpecSnapshot> snapshot;
  for (SpecTable* table : tables) {
    snapshot.push_back({table->table.spec(), table->table.Snapshot()});
  }
  return snapshot;
}

absl::Status ReplayShard::RestoreEpisodes(
    uint64_t spec_id, std::vector<hem::v1::Trajectory>* trajectories) {
  SpecTable* table;
  {
    absl::ReaderMutexLock lock(&mu_);
    table = FindTable(spec_id);
  }
  if (table == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("spec ", spec_id, " not registered before restore"));
  }
  for (hem::v1::Trajectory& trajectory : *trajectories) {
    table->table.Insert(EpisodeFromTrajectory(&trajectory, table->table.spec()));
  }
  table->limiter.Restore(table->table.stats().inserted_transitions);
  return absl::OkStatus();
}

void ReplayShard::Cancel() {
  std::vector<SpecTable*> tables;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    tables_changed_.SignalAll();
    for (const auto& table : tables_) tables.push_back(table.get());
  }
  for (SpecTable* table : tables) table->limiter.Cancel();
}

hem::v1::ReplayStats ReplayShard::Stats() const {
  std::vector<SpecTable*> tables;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& table : tables_) tables.push_back(table.get());
  }
  hem::v1::ReplayStats stats;
  stats.set_shard_index(config_.shard_index);
  stats.set_num_shards(config_.num_shards);
  stats.set_capacity_transitions(config_.table.capacity_transitions);
  for (SpecTable* table : tables) {
    const ReplayTable::Stats t = table->table.stats();
    const RateLimiter::Stats r = table->limiter.stats();
    stats.set_transitions(stats.transitions() + t.transitions);
    stats.set_episodes(stats.episodes() + t.episodes);
    stats.set_bytes(stats.bytes() + t.bytes);
    stats.set_inserted_episodes(stats.inserted_episodes() + t.inserted_episodes);
    stats.set_inserted_transitions(stats.inserted_transitions() +
                                   t.inserted_transitions);
    stats.set_evicted_episodes(stats.evicted_episodes() + t.evicted_episodes);
    stats.set_rate_limiter_sample_waits(stats.rate_limiter_sample_waits() +
                                        r.sample_waits);
    stats.set_rate_limiter_insert_waits(stats.rate_limiter_insert_waits() +
                                        r.insert_waits);
  }
  stats.set_rejected_trajectories(rejected_.load());
  stats.set_sampled_transitions(sampled_.load());
  stats.set_relabeled_transitions(relabeled_.load());
  return stats;
}

int64_t ReplayShard::duplicate_trajectories() const {
  std::vector<SpecTable*> tables;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& table : tables_) tables.push_back(table.get());
  }
  int64_t total = 0;
  for (SpecTable* table : tables) total += table->table.stats().duplicate_episodes;
  return total;
}

}  // namespace hem
