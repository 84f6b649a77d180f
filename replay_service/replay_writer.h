// The writer side of the sharded replay service: how actors store whole
// trajectories, whatever the number of shards.
//
// A writer routes each episode to one shard with ShardForEpisode(actor_id,
// episode_id), keeps it until that shard acknowledges it, and survives a
// shard restart (reconnect with backoff, re-declare the spec, resend what was
// not acknowledged; the server drops an (actor_id, episode_id) it already
// holds, so a lost acknowledgement never stores an episode twice).
#ifndef HEM_REPLAY_SERVICE_REPLAY_WRITER_H_
#define HEM_REPLAY_SERVICE_REPLAY_WRITER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/net_config.h"
#include "proto/env_spec.pb.h"
#include "proto/trajectory.pb.h"

namespace hem {

struct ReplayWriterOptions {
  std::vector<std::string> addresses;  // One "host:port" per shard, in shard order.
  // TLS + token for every shard (common/net_config.h); null = plaintext.
  std::shared_ptr<const Credentials> credentials;
  // Trajectories queued but not yet acknowledged, over all shards; Insert
  // blocks (up to its timeout) beyond this, bounding actor memory.
  int max_pending = 256;
  // Called once for each trajectory a shard acknowledged as stored (not for
  // rejected ones), on a stream thread, outside the writer's lock; null =
  // none. For an actor's acknowledgement log (actor --ack_log).
  std::function<void(const hem::v1::Trajectory&)> on_stored;
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

  // Queues `trajectories` in order as Insert would one by one, but taking
  // the writer's lock and waking its streams once per call rather than per
  // trajectory: an actor finishes several episodes per batched step, and at
  // flip_bit's rates the per-episode wake-ups cost as much as the inference.
  // Moves from the trajectories it queues; on DEADLINE_EXCEEDED the first
  // `*queued` were queued and the rest are untouched (retry from there).
  virtual absl::Status InsertAll(absl::Span<hem::v1::Trajectory> trajectories,
                                 absl::Duration timeout, size_t* queued) = 0;

  // Waits until nothing is pending (or `timeout`, DEADLINE_EXCEEDED).
  virtual absl::Status Flush(absl::Duration timeout) = 0;

  virtual ReplayWriterStats stats() const = 0;
};

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_REPLAY_WRITER_H_
