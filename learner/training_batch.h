// A relabeled hem.v1.Batch decoded into torch tensors for the M-step, and its
// trip to the training device. Decoding validates every field against the
// spec, so a malformed batch is an error naming the field, not a crash.
//
// Torch-internal header (learner .cc files only).
#ifndef HEM_LEARNER_TRAINING_BATCH_H_
#define HEM_LEARNER_TRAINING_BATCH_H_

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "learner/networks.h"
#include "proto/batch.pb.h"
#include "proto/env_spec.pb.h"

namespace hem {

struct TrainingBatch {
  NetworkInputs inputs;
  torch::Tensor actions;          // float32 [B, action_dim] or int64 [B].
  torch::Tensor policy_versions;  // int64 [B] on CPU; undefined if absent.
  int64_t size = 0;
};

// Decodes and checks `batch` against `spec` into CPU tensors. With
// `pin_memory` the tensors live in page-locked memory so ToDevice can copy
// them asynchronously (only meaningful with CUDA).
absl::StatusOr<TrainingBatch> DecodeTrainingBatch(const hem::v1::Batch& batch,
                                                  const hem::v1::EnvSpec& spec,
                                                  bool pin_memory);

// Copies the training tensors to `device` (non-blocking from pinned memory);
// policy_versions stay on the CPU for the staleness metric.
TrainingBatch ToDevice(const TrainingBatch& batch, const torch::Device& device);

}  // namespace hem

#endif  // HEM_LEARNER_TRAINING_BATCH_H_
