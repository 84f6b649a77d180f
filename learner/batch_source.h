// Where the learner's training batches come from: the interface between the
// M-step loop and the E-step (the replay shards' relabeled samples). In
// production this is the sharded replay sampler (replay_batch_source.h);
// tests and benchmarks plug in anything else. Torch-free.
#ifndef HEM_LEARNER_BATCH_SOURCE_H_
#define HEM_LEARNER_BATCH_SOURCE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/batch.pb.h"

namespace hem {

class BatchSource {
 public:
  virtual ~BatchSource() = default;

  // The next relabeled batch; DEADLINE_EXCEEDED when none arrives within
  // `timeout`. Called from one thread (the learner's decode thread).
  virtual absl::StatusOr<hem::v1::Batch> Next(absl::Duration timeout) = 0;

  // Shards currently streaming, or -1 if unknown. Thread-safe.
  virtual int64_t live_shards() const { return -1; }
};

}  // namespace hem

#endif  // HEM_LEARNER_BATCH_SOURCE_H_
