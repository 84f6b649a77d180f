// One replay shard without its transport: the specs it knows, one table and
// rate limiter per spec, and the shard-wide counters. The gRPC service, the
// checkpointer, tests and the in-process benchmark all drive this class.
#ifndef HEM_REPLAY_SERVICE_REPLAY_SHARD_H_
#define HEM_REPLAY_SERVICE_REPLAY_SHARD_H_

#include <atomic>
#include <cstdint>
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
#include "replay_service/replay_table.h"

namespace hem {

struct ReplayShardConfig {
  int shard_index = 0;  // This shard's position, in [0, num_shards).
  int num_shards = 1;   // >= 1.
  // Capacity of each spec's table (a shard usually holds one spec).
  ReplayTableOptions table;
  // Used when a SampleRequest leaves the strategy unspecified. Default
  // future, the paper's q_h.
  hem::v1::RelabelStrategy default_strategy = hem::v1::RELABEL_FUTURE;
  // Used when a SampleRequest's relabel_probability is < 0. Default 1.0
  // (hEM always relabels); HER uses 0.8.
  double default_relabel_probability = 1.0;
  // One limiter per spec's table.
  RateLimiterOptions rate_limiter;
};

// INVALID_ARGUMENT naming the field ("table.capacity_transitions: ...",
// "rate_limiter.tolerance: ...") when a config is unusable.
absl::Status ValidateReplayShardConfig(const ReplayShardConfig& config);

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

  // Declares a spec (idempotent). INVALID_ARGUMENT "spec.<field>: <reason>"
  // if the spec is invalid.
  absl::Status RegisterSpec(const hem::v1::EnvSpec& spec)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Validates `trajectory` against its declared spec and stores it, moving
  // its bytes. A bad trajectory is an outcome with stored = false and
  // nothing stored; a non-OK status means the rate limiter wait was cut
  // short (DEADLINE_EXCEEDED, CANCELLED) and nothing was stored either.
  absl::StatusOr<InsertOutcome> Insert(hem::v1::Trajectory* trajectory,
                                       absl::Time deadline,
                                       const CancelledFn& cancelled)
      ABSL_LOCKS_EXCLUDED(mu_);

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

  // Stores already-validated episodes from a checkpoint and primes the rate
  // limiters as if sampling had kept pace. REQUIRES: spec registered.
  absl::Status RestoreEpisodes(uint64_t spec_id,
                               std::vector<hem::v1::Trajectory>* trajectories)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Wakes every rate-limited wait with CANCELLED (shutdown).
  void Cancel() ABSL_LOCKS_EXCLUDED(mu_);

  // Counters (rates and checkpoint fields are left for the server to fill).
  hem::v1::ReplayStats Stats() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t duplicate_trajectories() const;

 private:
  SpecTable* FindTable(uint64_t spec_id) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const ReplayShardConfig config_;

  mutable absl::Mutex mu_;
  // Tables in registration order; pointers stay valid (never erased).
  std::vector<std::unique_ptr<SpecTable>> tables_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  absl::CondVar tables_changed_;  // Signalled under mu_.

  std::atomic<int64_t> rejected_{0};
  std::atomic<int64_t> sampled_{0};
  std::atomic<int64_t> relabeled_{0};
};

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_REPLAY_SHARD_H_
