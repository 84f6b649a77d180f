// Keeps decoded batches ready for the training thread: a decode thread pulls
// relabeled Batch protos from a BatchSource, checks and decodes them into
// TrainingBatch tensors (in pinned memory for CUDA), and queues up to
// `capacity` of them, so the M-step never waits on protobuf decoding.
//
// Malformed batches are dropped (logged, rate-limited); a source that stays
// silent is logged every few seconds, naming what it waits for. Stop() wakes
// the decode thread at once and joins it.
//
// Torch-internal header (learner .cc files only).
#ifndef HEM_LEARNER_BATCH_PREFETCHER_H_
#define HEM_LEARNER_BATCH_PREFETCHER_H_

#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/queue.h"
#include "learner/batch_source.h"
#include "learner/training_batch.h"
#include "proto/env_spec.pb.h"

namespace hem {

class BatchPrefetcher {
 public:
  // Starts the decode thread. `source` must outlive this object;
  // `description` names the source in stall warnings ("replay shards [...]").
  BatchPrefetcher(BatchSource* source, hem::v1::EnvSpec spec, bool pin_memory,
                  int capacity, std::string description);
  ~BatchPrefetcher();  // Stop().

  BatchPrefetcher(const BatchPrefetcher&) = delete;
  BatchPrefetcher& operator=(const BatchPrefetcher&) = delete;

  // The oldest decoded batch. DEADLINE_EXCEEDED when none is ready within
  // `timeout`; CANCELLED once stopped and drained.
  absl::StatusOr<TrainingBatch> Pop(absl::Duration timeout);

  // Stops and joins the decode thread. Idempotent.
  void Stop();

 private:
  void DecodeLoop();

  BatchSource* const source_;
  const hem::v1::EnvSpec spec_;
  const bool pin_memory_;
  const std::string description_;
  Queue<TrainingBatch> queue_;
  absl::Notification stop_;
  std::thread thread_;  // Last: starts once everything above exists.
};

}  // namespace hem

#endif  // HEM_LEARNER_BATCH_PREFETCHER_H_
