// The production BatchSource: relabeled batches from the sharded replay
// service (replay_service/replay_sampler.h), mixed across shards in
// proportion to their sizes. Torch-free.
#ifndef HEM_LEARNER_REPLAY_BATCH_SOURCE_H_
#define HEM_LEARNER_REPLAY_BATCH_SOURCE_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "learner/batch_source.h"
#include "learner/learner_config.h"

namespace hem {

// A BatchSource over the shards at config.replay_addresses, asking for
// config.batch_size transitions of spec `spec_id` relabeled with
// config.relabel_strategy / relabel_probability, over TLS with the token
// when config.net has credentials. REQUIRES: replay_addresses resolved
// (host:port, no rdzv: entries; RunLearner resolves them). Errors name the
// field ("replay_addresses: ...", "net.credentials_dir: ...").
absl::StatusOr<std::unique_ptr<BatchSource>> MakeReplayBatchSource(
    const LearnerConfig& config, uint64_t spec_id);

}  // namespace hem

#endif  // HEM_LEARNER_REPLAY_BATCH_SOURCE_H_
