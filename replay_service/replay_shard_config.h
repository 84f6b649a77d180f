// What one replay shard is configured with: its place among the shards,
// its tables' capacity, sampling defaults, the rate limiter, and the bounds
// on what clients may make it hold. Every default is stated here once.
#ifndef HEM_REPLAY_SERVICE_REPLAY_SHARD_CONFIG_H_
#define HEM_REPLAY_SERVICE_REPLAY_SHARD_CONFIG_H_

#include <cstdint>

#include "absl/status/status.h"
#include "common/message_limits.h"
#include "proto/replay_service.pb.h"
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
  // Specs one shard holds at most; a declaration beyond is refused
  // (RESOURCE_EXHAUSTED), since every spec keeps a table for the shard's life.
  int max_specs = 16;
  // Largest batch a SampleRequest may ask for, in bytes of tensor data:
  // within the largest message gRPC sends (common/message_limits.h).
  int64_t max_batch_bytes = kMaxBatchBytes;
};

// INVALID_ARGUMENT naming the field ("table.capacity_transitions: ...",
// "rate_limiter.tolerance: ...") when a config is unusable.
absl::Status ValidateReplayShardConfig(const ReplayShardConfig& config);

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_REPLAY_SHARD_CONFIG_H_
