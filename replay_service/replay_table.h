// One environment's episodes on one shard: a FIFO of whole, immutable
// episodes with exact memory accounting and uniform access to transitions.
//
// Invariant: the stored transitions are numbered by a counter that only grows
// (an episode of T steps inserted when the counter was n owns n .. n+T-1), so
// the live transitions are the contiguous range [first_transition(),
// end_transition()), and a uniform draw from that range, located by binary
// search over episode starts, is a uniform draw over stored transitions.
// Capacity is enforced after each insert by evicting the oldest episodes
// (never the newest one), so size stays within capacity + one episode.
//
// Thread safety: Insert takes the writer lock for a push and evictions only;
// samplers hold a Reader (shared lock) while they copy a batch, so many
// samplers and inserters proceed concurrently.
#ifndef HEM_REPLAY_SERVICE_REPLAY_TABLE_H_
#define HEM_REPLAY_SERVICE_REPLAY_TABLE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "proto/env_spec.pb.h"
#include "replay_service/episode.h"

namespace hem {

struct ReplayTableOptions {
  // Evict oldest episodes while more transitions than this are stored.
  // Must be >= 1. Default 1,000,000.
  int64_t capacity_transitions = 1000000;
  // Also evict while episodes hold more heap bytes than this; 0 = no limit.
  int64_t capacity_bytes = 0;
};

class ReplayTable {
 public:
  enum class InsertResult { kStored, kDuplicate };

  // REQUIRES: ValidateEnvSpec(spec) is OK.
  ReplayTable(hem::v1::EnvSpec spec, ReplayTableOptions options);
  ReplayTable(const ReplayTable&) = delete;
  ReplayTable& operator=(const ReplayTable&) = delete;

  const hem::v1::EnvSpec& spec() const { return spec_; }
  const SpecLayout& layout() const { return layout_; }

  // Stores `episode` unless (actor_id, episode_id) is already stored (writers
  // resend after a reconnect), then evicts FIFO down to capacity.
  // REQUIRES: the episode was built from a trajectory that validated against
  // spec().
  InsertResult Insert(std::shared_ptr<const Episode> episode)
      ABSL_LOCKS_EXCLUDED(mu_);

  // True, counting a duplicate, when (actor_id, episode_id) is stored: the
  // shard answers a resent episode without logging it again.
  bool CheckDuplicate(uint64_t actor_id, uint64_t episode_id)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Shared-lock view for samplers. Keep it for one batch, not longer: inserts
  // wait for it.
  class ABSL_SCOPED_LOCKABLE Reader {
   public:
    explicit Reader(const ReplayTable* table)
        ABSL_SHARED_LOCK_FUNCTION(table->mu_)
        : table_(table) {
      table_->mu_.ReaderLock();
    }
    ~Reader() ABSL_UNLOCK_FUNCTION() { table_->mu_.ReaderUnlock(); }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    int64_t num_transitions() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return table_->num_transitions_;
    }
    int64_t first_transition() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return table_->entries_.empty() ? table_->end_transition_
                                      : table_->entries_.front().first;
    }
    // The episode holding transition number `index` and the step within it.
    // REQUIRES: first_transition() <= index < first_transition() +
    // num_transitions().
    std::pair<const Episode*, int> Locate(int64_t index) const
        ABSL_NO_THREAD_SAFETY_ANALYSIS;

   private:
    const ReplayTable* table_;
  };

  // The stored episodes, oldest first, for a checkpoint written without
  // holding the lock (episodes are immutable; the pointers keep them alive).
  std::vector<std::shared_ptr<const Episode>> Snapshot() const
      ABSL_LOCKS_EXCLUDED(mu_);

  struct Stats {
    int64_t transitions = 0;
    int64_t episodes = 0;
    int64_t bytes = 0;
    int64_t inserted_episodes = 0;
    int64_t inserted_transitions = 0;
    int64_t evicted_episodes = 0;
    int64_t duplicate_episodes = 0;
  };
  Stats stats() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    int64_t first;  // Number of the episode's first transition.
    std::shared_ptr<const Episode> episode;
  };

  struct KeyHash {
    size_t operator()(const std::pair<uint64_t, uint64_t>& key) const {
      return static_cast<size_t>(key.first * 0x9E3779B97F4A7C15ull ^
                                 (key.second + 0x632BE59BD9B4E019ull));
    }
  };

  void EvictOldest() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const hem::v1::EnvSpec spec_;
  const SpecLayout layout_;
  const ReplayTableOptions options_;

  mutable absl::Mutex mu_;
  std::deque<Entry> entries_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::pair<uint64_t, uint64_t>, KeyHash> keys_
      ABSL_GUARDED_BY(mu_);
  int64_t end_transition_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t num_transitions_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t inserted_episodes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t inserted_transitions_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t evicted_episodes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t duplicate_episodes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_REPLAY_TABLE_H_
