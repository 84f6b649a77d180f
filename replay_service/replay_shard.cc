// One replay shard's specs, tables, limiters and counters (see
// replay_shard.h).
#include "replay_service/replay_shard.h"

#include <algorithm>
#include <utility>

#include "absl/synchronization/notification.h"
#include "absl/strings/str_cat.h"
#include "common/env_spec_util.h"
#include "common/status_macros.h"
#include "replay_service/episode_log.h"
#include "replay_service/trajectory_validator.h"

namespace hem {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(20);

}  // namespace

ReplayShard::ReplayShard(ReplayShardConfig config) : config_(config) {}

ReplayShard::SpecTable* ReplayShard::FindTable(uint64_t spec_id) const {
  for (const auto& table : tables_) {
    if (table->table.spec().spec_id() == spec_id) return table.get();
  }
  return nullptr;
}

std::vector<ReplayShard::SpecTable*> ReplayShard::Tables() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<SpecTable*> tables;
  for (const auto& table : tables_) tables.push_back(table.get());
  return tables;
}

void ReplayShard::AttachLog(EpisodeLog* log) {
  absl::MutexLock lock(&gate_mu_);
  log_ = log;
}

void ReplayShard::EnterGate() {
  absl::MutexLock lock(&gate_mu_);
  gate_mu_.Await(absl::Condition(
      +[](bool* paused) { return !*paused; }, &paused_));
  ++in_flight_;
}

void ReplayShard::LeaveGate() {
  absl::MutexLock lock(&gate_mu_);
  --in_flight_;
}

absl::Status ReplayShard::RegisterSpec(const hem::v1::EnvSpec& spec) {
  HEM_RETURN_IF_ERROR(ValidateEnvSpec(spec));
  EnterGate();
  EpisodeLog* log;
  {
    absl::MutexLock lock(&gate_mu_);
    log = log_;
  }
  absl::Status status;
  bool added = false;
  {
    absl::MutexLock lock(&mu_);
    if (FindTable(spec.spec_id()) == nullptr) {
      if (static_cast<int>(tables_.size()) >= config_.max_specs) {
        status = absl::ResourceExhaustedError(absl::StrCat(
            "spec: this shard already holds ", tables_.size(),
            " specs, the most it takes (max_specs)"));
      } else if (log == nullptr) {
        tables_.push_back(std::make_unique<SpecTable>(spec, config_));
        tables_changed_.SignalAll();
      } else {
        added = true;
      }
    }
  }
  if (added) {
    // Durable before any episode of it can be: the log is read in order.
    absl::Notification logged;
    log->Append(kSpecRecord, spec.SerializeAsString(),
                [&](const absl::Status& s) {
                  status = s;
                  logged.Notify();
                });
    logged.WaitForNotification();
    if (status.ok()) {
      absl::MutexLock lock(&mu_);
      if (FindTable(spec.spec_id()) == nullptr) {
        tables_.push_back(std::make_unique<SpecTable>(spec, config_));
        tables_changed_.SignalAll();
      }
    }
  }
  LeaveGate();
  return status;
}

ReplayShard::InsertOutcome ReplayShard::Store(
    SpecTable* table, std::shared_ptr<const Episode> episode) {
  const int64_t steps = episode->num_steps;
  InsertOutcome outcome;
  outcome.stored = true;
  if (table->table.Insert(std::move(episode)) ==
      ReplayTable::InsertResult::kDuplicate) {
    outcome.duplicate = true;
    table->limiter.Inserted(0, steps);
  } else {
    table->limiter.Inserted(steps, steps);
  }
  outcome.table_transitions = table->table.stats().transitions;
  return outcome;
}

absl::Status ReplayShard::BeginInsert(hem::v1::Trajectory* trajectory,
                                      absl::Time deadline,
                                      const CancelledFn& cancelled,
                                      InsertDone done) {
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
    done(outcome);
    return absl::OkStatus();
  }
  absl::Status valid = ValidateTrajectory(table->table.spec(), *trajectory);
  if (!valid.ok()) {
    ++rejected_;
    outcome.error = std::string(valid.message());
    done(outcome);
    return absl::OkStatus();
  }
  // A resend after a lost acknowledgement: answer it without logging it again.
  if (table->table.CheckDuplicate(trajectory->actor_id(),
                                  trajectory->episode_id())) {
    outcome.stored = true;
    outcome.duplicate = true;
    outcome.table_transitions = table->table.stats().transitions;
    done(outcome);
    return absl::OkStatus();
  }
  const int64_t steps = trajectory->num_steps();
  HEM_RETURN_IF_ERROR(
      table->limiter.AwaitCanInsert(deadline, cancelled, /*reserve=*/steps));
  EnterGate();
  EpisodeLog* log;
  {
    absl::MutexLock lock(&gate_mu_);
    log = log_;
  }
  if (log == nullptr) {
    outcome = Store(table, EpisodeFromTrajectory(trajectory, table->table.spec()));
    LeaveGate();
    done(outcome);
    return absl::OkStatus();
  }
  const std::string record = trajectory->SerializeAsString();
  std::shared_ptr<const Episode> episode =
      EpisodeFromTrajectory(trajectory, table->table.spec());
  log->Append(kEpisodeRecord, record,
              [this, table, episode = std::move(episode),
               done = std::move(done)](const absl::Status& status) mutable {
                if (!status.ok()) {
                  table->limiter.Inserted(0, episode->num_steps);
                  LeaveGate();
                  done(status);
                  return;
                }
                InsertOutcome stored = Store(table, std::move(episode));
                LeaveGate();
                done(stored);
              });
  return absl::OkStatus();
}

absl::StatusOr<ReplayShard::InsertOutcome> ReplayShard::Insert(
    hem::v1::Trajectory* trajectory, absl::Time deadline,
    const CancelledFn& cancelled) {
  absl::StatusOr<InsertOutcome> result;
  absl::Notification finished;
  HEM_RETURN_IF_ERROR(BeginInsert(
      trajectory, deadline, cancelled,
      [&result, &finished](absl::StatusOr<InsertOutcome> outcome) {
        result = std::move(outcome);
        finished.Notify();
      }));
  finished.WaitForNotification();
  return result;
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
  options.future_window = request.future_window();
  options.with_next = request.with_next();
  HEM_RETURN_IF_ERROR(ValidateHindsightOptions(options, spec));
  // Checked before anything is allocated: the batch must fit in a message.
  const int64_t row =
      BatchBytesPerTransition(SpecLayout::FromSpec(spec), options.with_next);
  const int64_t most = config_.max_batch_bytes / row;
  if (options.batch_size > most) {
    return absl::InvalidArgumentError(absl::StrCat(
        "batch_size: ", options.batch_size, " transitions of ", row,
        " bytes would exceed the limit of ", config_.max_batch_bytes,
        " bytes per batch; at most ", most, " for this spec"));
  }
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
  const std::vector<SpecTable*> tables = Tables();
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

absl::StatusOr<std::vector<ReplayShard::SpecSnapshot>>
ReplayShard::QuiescentSnapshot(
    const std::function<absl::Status(const std::vector<hem::v1::EnvSpec>&)>&
        at_pause) {
  {
    absl::MutexLock lock(&gate_mu_);
    // One pause at a time: a second checkpoint waits for the first.
    gate_mu_.Await(absl::Condition(
        +[](bool* paused) { return !*paused; }, &paused_));
    paused_ = true;
    gate_mu_.Await(absl::Condition(
        +[](int64_t* in_flight) { return *in_flight == 0; }, &in_flight_));
  }
  std::vector<SpecSnapshot> snapshot = Snapshot();
  std::vector<hem::v1::EnvSpec> specs;
  for (const SpecSnapshot& group : snapshot) specs.push_back(group.spec);
  absl::Status status = at_pause(specs);
  {
    absl::MutexLock lock(&gate_mu_);
    paused_ = false;
  }
  if (!status.ok()) return status;
  return snapshot;
}

absl::StatusOr<bool> ReplayShard::RestoreTrajectory(
    hem::v1::Trajectory* trajectory) {
  SpecTable* table;
  {
    absl::ReaderMutexLock lock(&mu_);
    table = FindTable(trajectory->spec_id());
  }
  if (table == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("trajectory.spec_id: ", trajectory->spec_id(),
                     " has no spec record before it"));
  }
  HEM_RETURN_IF_ERROR(ValidateTrajectory(table->table.spec(), *trajectory));
  return table->table.Insert(EpisodeFromTrajectory(
             trajectory, table->table.spec())) ==
         ReplayTable::InsertResult::kStored;
}

void ReplayShard::PrimeRateLimiters() {
  for (SpecTable* table : Tables()) {
    table->limiter.Restore(table->table.stats().inserted_transitions);
  }
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
  const std::vector<SpecTable*> tables = Tables();
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
  const std::vector<SpecTable*> tables = Tables();
  int64_t total = 0;
  for (SpecTable* table : tables) total += table->table.stats().duplicate_episodes;
  return total;
}

}  // namespace hem
