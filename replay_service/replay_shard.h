// One replay shard without its transport: the specs it knows, one table and
// rate limiter per spec, the shard-wide counters, and (when attached) the
// episode log that makes an insert durable before it is acknowledged. The
// gRPC service, the checkpointer, tests and the in-process benchmark all
// drive this class.
//
// An insert is stored in two steps: BeginInsert validates, waits on the rate
// limiter and appends the episode to the log; once the log has it on disk,
// the episode enters its table and the caller's callback runs. Checkpoints
// pause new inserts until those in flight are stored (QuiescentSnapshot), so
// a checkpoint and the log segments after it never hold the same episode.
#ifndef HEM_REPLAY_SERVICE_REPLAY_SHARD_H_
#define HEM_REPLAY_SERVICE_REPLAY_SHARD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/batch.pb.h"
#include "proto/env_spec.pb.h"
#include "proto/replay_service.pb.h"
#include "proto/trajectory.pb.h"
#include "replay_service/hindsight_sampler.h"
#include "replay_service/rate_limiter.h"
#include "replay_service/replay_shard_config.h"
#include "replay_service/replay_table.h"

namespace hem {


class EpisodeLog;

class ReplayShard {
 public:
  using CancelledFn = RateLimiter::CancelledFn;

  // The storage and pacing of one spec. Never destroyed while the shard lives.
  struct SpecTable {
    SpecTable(const hem::v1::EnvSpec& spec, const ReplayShardConfig& config)
        : table(spec, config.table), limiter(config.rate_limiter) {}
    ReplayTable table;
    RateLimiter limiter;
  };

  struct InsertOutcome {
    bool stored = false;     // Stored now or already held (duplicate).
    bool duplicate = false;  // Already held; nothing changed.
    std::string error;       // "field: reason" when not stored.
    int64_t table_transitions = 0;  // The spec's table size afterwards.
  };

  // REQUIRES: ValidateReplayShardConfig(config) is OK.
  explicit ReplayShard(ReplayShardConfig config);
  ReplayShard(const ReplayShard&) = delete;
  ReplayShard& operator=(const ReplayShard&) = delete;

  const ReplayShardConfig& config() const { return config_; }

  // From now on every new spec and stored episode is appended to `log`
  // first (durability=log). REQUIRES: called before serving; `log`
  // outlives the shard's inserts.
  void AttachLog(EpisodeLog* log) ABSL_LOCKS_EXCLUDED(gate_mu_);

  // Declares a spec (idempotent; durable in the log when one is attached).
  // INVALID_ARGUMENT "spec.<field>: <reason>" if the spec is invalid,
  // RESOURCE_EXHAUSTED beyond max_specs.
  absl::Status RegisterSpec(const hem::v1::EnvSpec& spec)
      ABSL_LOCKS_EXCLUDED(mu_, gate_mu_);

  // Runs once an insert has an outcome: stored (durably, when a log is
  // attached), a duplicate, or rejected; or a non-OK status when the log
  // could not write it (nothing is stored then).
  using InsertDone = std::function<void(absl::StatusOr<InsertOutcome>)>;

  // Validates `trajectory` against its declared spec, waits on the rate
  // limiter, and stores it, moving its bytes; `done` gets the outcome, on
  // this thread or, with a log, on the log's thread once the episode is on
  // disk. A bad trajectory is an outcome with stored = false. A non-OK
  // return means the rate limiter wait was cut short (DEADLINE_EXCEEDED,
  // CANCELLED): nothing is stored and `done` never runs.
  absl::Status BeginInsert(hem::v1::Trajectory* trajectory,
                           absl::Time deadline, const CancelledFn& cancelled,
                           InsertDone done) ABSL_LOCKS_EXCLUDED(mu_, gate_mu_);

  // BeginInsert, waiting for its outcome.
  absl::StatusOr<InsertOutcome> Insert(hem::v1::Trajectory* trajectory,
                                       absl::Time deadline,
                                       const CancelledFn& cancelled)
      ABSL_LOCKS_EXCLUDED(mu_, gate_mu_);

  // The table of `spec_id` (0 = the only spec held), waiting for it to be
  // declared. INVALID_ARGUMENT if spec_id is 0 and several specs are held.
  absl::StatusOr<SpecTable*> AwaitTable(uint64_t spec_id, absl::Time deadline,
                                        const CancelledFn& cancelled)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Resolves a request's strategy/probability against the shard defaults
  // and validates them for `spec`.
  absl::StatusOr<HindsightOptions> ResolveSampleOptions(
      const hem::v1::SampleRequest& request,
      const hem::v1::EnvSpec& spec) const;

  // Waits on the table's rate limiter, then fills `batch` with `sampler`.
  absl::Status SampleBatch(SpecTable* table, HindsightSampler* sampler,
                           int batch_size, absl::Time deadline,
                           const CancelledFn& cancelled,
                           hem::v1::Batch* batch);

  // Every spec held, in registration order, with a snapshot of its episodes.
  struct SpecSnapshot {
    hem::v1::EnvSpec spec;
    std::vector<std::shared_ptr<const Episode>> episodes;
  };
  std::vector<SpecSnapshot> Snapshot() const ABSL_LOCKS_EXCLUDED(mu_);

  // Pauses new inserts and spec declarations, waits for those in flight to
  // be stored, then runs `at_pause` (the log's rotation) and takes the
  // snapshot before resuming: the snapshot holds exactly what was stored
  // before `at_pause`. An error from `at_pause` is returned.
  absl::StatusOr<std::vector<SpecSnapshot>> QuiescentSnapshot(
      const std::function<absl::Status(const std::vector<hem::v1::EnvSpec>&)>&
          at_pause) ABSL_LOCKS_EXCLUDED(mu_, gate_mu_);

  // Stores already-validated episodes from a checkpoint and primes the rate
  // limiters as if sampling had kept pace. REQUIRES: spec registered.
  absl::Status RestoreEpisodes(uint64_t spec_id,
                               std::vector<hem::v1::Trajectory>* trajectories)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Stores one episode read back from the log: validated against its
  // registered spec (INVALID_ARGUMENT otherwise); false when already held.
  // Call PrimeRateLimiters after the last one.
  absl::StatusOr<bool> RestoreTrajectory(hem::v1::Trajectory* trajectory)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Places every limiter as if sampling had kept pace with what is stored.
  void PrimeRateLimiters() ABSL_LOCKS_EXCLUDED(mu_);

  // Wakes every rate-limited wait with CANCELLED (shutdown).
  void Cancel() ABSL_LOCKS_EXCLUDED(mu_);

  // Counters (rates and checkpoint fields are left for the server to fill).
  hem::v1::ReplayStats Stats() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t duplicate_trajectories() const;

 private:
  SpecTable* FindTable(uint64_t spec_id) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  std::vector<SpecTable*> Tables() const ABSL_LOCKS_EXCLUDED(mu_);
  // Waits while a checkpoint pauses inserts, then counts one in flight.
  void EnterGate() ABSL_LOCKS_EXCLUDED(gate_mu_);
  void LeaveGate() ABSL_LOCKS_EXCLUDED(gate_mu_);
  // Stores a validated, logged episode and reports the outcome.
  InsertOutcome Store(SpecTable* table, std::shared_ptr<const Episode> episode);

  const ReplayShardConfig config_;

  mutable absl::Mutex mu_;
  // Tables in registration order; pointers stay valid (never erased).
  std::vector<std::unique_ptr<SpecTable>> tables_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  absl::CondVar tables_changed_;  // Signalled under mu_.

  // Inserts in flight (begun, not yet stored) and the checkpoint pause.
  absl::Mutex gate_mu_;
  EpisodeLog* log_ ABSL_GUARDED_BY(gate_mu_) = nullptr;
  int64_t in_flight_ ABSL_GUARDED_BY(gate_mu_) = 0;
  bool paused_ ABSL_GUARDED_BY(gate_mu_) = false;

  std::atomic<int64_t> rejected_{0};
  std::atomic<int64_t> sampled_{0};
  std::atomic<int64_t> relabeled_{0};
};

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_REPLAY_SHARD_H_
