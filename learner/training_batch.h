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
  // With SampleRequest.with_next batches (TD learners, i.e. HER); undefined
  // otherwise. The next state's goal is inputs.goals (and goal_images).
  torch::Tensor next_observations;  // As inputs.observations.
  torch::Tensor rewards;            // float32 [B]: 1 on success under the goal.
  torch::Tensor terminals;          // float32 [B]: 1 where the episode ended.
  torch::Tensor policy_versions;  // int64 [B] on CPU; undefined if absent.
  int64_t size = 0;
};

// Decodes and checks `batch` against `spec` into CPU tensors (the with_next
// fields when the batch has rewards). With
// `pin_memory` the tensors live in page-locked memory so ToDevice can copy
// them asynchronously (only meaningful with CUDA).
absl::StatusOr<TrainingBatch> DecodeTrainingBatch(const hem::v1::Batch& batch,
                                                  const hem::v1::EnvSpec& spec,
                                                  bool pin_memory);

// OK when `batch` has next observations, rewards and terminals (a
// with_next batch); FAILED_PRECONDITION naming the missing field otherwise.
absl::Status CheckHasNext(const TrainingBatch& batch);

// Copies the training tensors to `device` (non-blocking from pinned memory);
// policy_versions stay on the CPU for the staleness metric.
TrainingBatch ToDevice(const TrainingBatch& batch, const torch::Device& device);

}  // namespace hem

#endif  // HEM_LEARNER_TRAINING_BATCH_H_
