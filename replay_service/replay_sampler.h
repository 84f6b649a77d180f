// The reader side of the sharded replay service: how the learner gets
// relabeled batches, whatever the number of shards.
//
// A sampler streams batches from every live shard in parallel, in proportion
// to each shard's size, into a prefetch queue, so the learner's training step
// does not wait on a network round trip. A shard that goes away is skipped
// (and retried in the background) until it comes back. Each batch is
// assembled from chunks of about batch_size / (2 * shards) transitions, each
// chunk drawn from a shard with a ready chunk with probability proportional
// to the shard's size (refreshed by GetStats every second), so a batch mixes
// the shards in proportion to their sizes. With one shard a chunk is the
// whole batch.
#ifndef HEM_REPLAY_SERVICE_REPLAY_SAMPLER_H_
#define HEM_REPLAY_SERVICE_REPLAY_SAMPLER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/net_config.h"
#include "proto/batch.pb.h"
#include "proto/replay_service.pb.h"

namespace hem {

struct ReplaySamplerOptions {
  std::vector<std::string> addresses;  // One "host:port" per shard.
  // TLS + token for every shard (common/net_config.h); null = plaintext.
  std::shared_ptr<const Credentials> credentials;
  uint64_t spec_id = 0;                // 0 = the only spec the shards hold.
  int batch_size = 256;
  hem::v1::RelabelStrategy strategy = hem::v1::RELABEL_STRATEGY_UNSPECIFIED;
  float relabel_probability = -1;      // < 0: each shard's default.
  int future_window = 0;               // SampleRequest.future_window.
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

#endif  // HEM_REPLAY_SERVICE_REPLAY_SAMPLER_H_
