// Client side of the sharded replay service: how actors write trajectories
// and how the learner reads relabeled batches, whatever the number of shards.
//
// Writers route each episode to one shard with ShardForEpisode(actor_id,
// episode_id), keep it until that shard acknowledges it, and survive a shard
// restart (reconnect with backoff, re-declare the spec, resend what was not
// acknowledged; the server drops an (actor_id, episode_id) it already holds,
// so a lost acknowledgement never stores an episode twice).
//
// Samplers stream batches from every live shard in parallel, in proportion to
// each shard's size, into a prefetch queue, so the learner's training step
// does not wait on a network round trip. A shard that goes away is skipped
// (and retried in the background) until it comes back. Each batch is
// assembled from chunks of about batch_size / (2 * shards) transitions, each
// chunk drawn from a shard with a ready chunk with probability proportional
// to the shard's size (refreshed by GetStats every second), so a batch mixes
// the shards in proportion to their sizes. With one shard a chunk is the
// whole batch.
#ifndef HEM_REPLAY_SERVICE_SHARDED_REPLAY_CLIENT_H_
#define HEM_REPLAY_SERVICE_SHARDED_REPLAY_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/batch.pb.h"
#include "proto/env_spec.pb.h"
#include "proto/replay_service.pb.h"
#include "proto/trajectory.pb.h"

namespace hem {

struct ReplayWriterOptions {
  std::vector<std::string> addresses;  // One "host:port" per shard, in shard order.
  // Trajectories queued but not yet acknowledged, over all shards; Insert
  // blocks (up to its timeout) beyond this, bounding actor memory.
  int max_pending = 256;
};

struct ReplayWriterStats {
  int64_t acknowledged = 0;  // Stored by a shard.
  int64_t rejected = 0;      // Refused as invalid (never retried).
  int64_t pending = 0;       // Queued or in flight.
  int64_t reconnects = 0;    // Stream re-establishments after failures.
  std::string last_error;    // Most recent rejection or connection error.
};

class ShardedReplayWriter {
 public:
  // Starts background streams to every shard. Does not wait for the shards
  // to be up: trajectories queue until they are.
  static absl::StatusOr<std::unique_ptr<ShardedReplayWriter>> Create(
      ReplayWriterOptions options, hem::v1::EnvSpec spec);
  // Stops the streams; whatever is still pending is dropped (Flush first).
  virtual ~ShardedReplayWriter() = default;

  // Queues a whole trajectory for its shard. Blocks while max_pending are
  // outstanding; DEADLINE_EXCEEDED if still blocked after `timeout`.
  virtual absl::Status Insert(hem::v1::Trajectory trajectory,
                              absl::Duration timeout) = 0;

  // Waits until nothing is pending (or `timeout`, DEADLINE_EXCEEDED).
  virtual absl::Status Flush(absl::Duration timeout) = 0;

  virtual ReplayWriterStats stats() const = 0;
};

struct ReplaySamplerOptions {
  std::vector<std::string> addresses;  // One "host:port" per shard.
  uint64_t spec_id = 0;                // 0 = the only spec the shards hold.
  int batch_size = 256;
  hem::v1::RelabelStrategy strategy = hem::v1::RELABEL_STRATEGY_UNSPECIFIED;
  float relabel_probability = -1;      // < 0: each shard's default.
  bool with_next = false;              // Also next_observations/rewards/terminals.
  int prefetch_batches = 8;            // Per-shard prefetch, in batches' worth.
  uint64_t seed = 0;                   // 0 = from the clock.
};

struct ReplaySamplerStats {
  int64_t batches = 0;             // Returned by Next.
  int64_t live_shards = 0;         // Shards currently streaming.
  double mean_wait_seconds = 0;    // Mean time Next blocked.
  std::string last_error;
};

class ShardedReplaySampler {
 public:
  static absl::StatusOr<std::unique_ptr<ShardedReplaySampler>> Create(
      ReplaySamplerOptions options);
  virtual ~ShardedReplaySampler() = default;

  // The next batch of exactly batch_size transitions (possibly combined from
  // several shards). DEADLINE_EXCEEDED if none is ready within `timeout`
  // (e.g. every shard is below its minimum size, or all are down).
  virtual absl::StatusOr<hem::v1::Batch> Next(absl::Duration timeout) = 0;

  virtual ReplaySamplerStats stats() const = 0;
};

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_SHARDED_REPLAY_CLIENT_H_
