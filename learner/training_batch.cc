// Decoding and checking relabeled batches for the M-step (see training_batch.h).
#include "learner/training_batch.h"

#include "absl/strings/str_cat.h"
#include "common/env_spec_util.h"
#include "common/tensor_codec.h"

namespace hem {
namespace {

std::vector<int64_t> BatchShape(int64_t size, const hem::v1::TensorSpec& spec) {
  std::vector<int64_t> shape = {size};
  for (int64_t d : spec.shape()) shape.push_back(d);
  return shape;
}

absl::StatusOr<torch::Tensor> Decode(const hem::v1::Tensor& tensor,
                                     hem::v1::DType dtype,
                                     const std::vector<int64_t>& shape,
                                     absl::string_view field, bool pin_memory) {
  absl::Status status = CheckTensor(tensor, dtype, shape, field);
  if (!status.ok()) return status;
  absl::StatusOr<torch::Tensor> decoded = TensorFromProto(tensor, field);
  if (!decoded.ok() || !pin_memory) return decoded;
  torch::Tensor pinned;
  status = CatchTorch(field, [&] {
    pinned = decoded->pin_memory();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return pinned;
}

absl::StatusOr<TrainingBatch> Decode(const hem::v1::Batch& batch,
                                     const hem::v1::EnvSpec& spec,
                                     bool pin_memory) {
  if (batch.size() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch.size: ", batch.size(), " must be >= 1"));
  }
  if (batch.spec_id() != 0 && batch.spec_id() != spec.spec_id()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "batch.spec_id: ", batch.spec_id(), " is not the learner's spec ",
        spec.spec_id(), " (", spec.env_name(), ")"));
  }
  const int64_t B = batch.size();
  TrainingBatch out;
  out.size = B;
  absl::StatusOr<torch::Tensor> t =
      Decode(batch.observations(), spec.observation().dtype(),
             BatchShape(B, spec.observation()), "batch.observations", pin_memory);
  if (!t.ok()) return t.status();
  out.inputs.observations = *std::move(t);
  t = Decode(batch.goals(), hem::v1::DTYPE_FLOAT32, {B, spec.goal_dim()},
             "batch.goals", pin_memory);
  if (!t.ok()) return t.status();
  out.inputs.goals = *std::move(t);
  if (spec.has_goal_observation()) {
    t = Decode(batch.goal_observations(), hem::v1::DTYPE_UINT8,
               BatchShape(B, spec.goal_observation()), "batch.goal_observations",
               pin_memory);
    if (!t.ok()) return t.status();
    out.inputs.goal_images = *std::move(t);
  }
  if (IsDiscrete(spec)) {
    t = Decode(batch.actions(), hem::v1::DTYPE_INT32, {B}, "batch.actions", false);
    if (!t.ok()) return t.status();
    torch::Tensor actions = t->to(torch::kLong);
    const int n = NumDiscreteActions(spec);
    if (B > 0 && (actions.min().item<int64_t>() < 0 ||
                  actions.max().item<int64_t>() >= n)) {
      return absl::InvalidArgumentError(
          absl::StrCat("batch.actions: index outside [0, ", n, ")"));
    }
    out.actions = pin_memory ? actions.pin_memory() : actions;
  } else {
    t = Decode(batch.actions(), hem::v1::DTYPE_FLOAT32, {B, ActionDim(spec)},
               "batch.actions", pin_memory);
    if (!t.ok()) return t.status();
    out.actions = *std::move(t);
  }
  if (batch.has_rewards() && batch.rewards().shape_size() > 0) {
    t = Decode(batch.next_observations(), spec.observation().dtype(),
               BatchShape(B, spec.observation()), "batch.next_observations", pin_memory);
    if (!t.ok()) return t.status();
    out.next_observations = *std::move(t);
    t = Decode(batch.rewards(), hem::v1::DTYPE_FLOAT32, {B}, "batch.rewards", pin_memory);
    if (!t.ok()) return t.status();
    out.rewards = *std::move(t);
    t = Decode(batch.terminals(), hem::v1::DTYPE_UINT8, {B}, "batch.terminals", false);
    if (!t.ok()) return t.status();
    torch::Tensor terminals = t->to(torch::kFloat32);
    out.terminals = pin_memory ? terminals.pin_memory() : terminals;
  }
  if (batch.has_policy_versions() && batch.policy_versions().shape_size() > 0) {
    t = Decode(batch.policy_versions(), hem::v1::DTYPE_INT64, {B},
               "batch.policy_versions", false);
    if (!t.ok()) return t.status();
    out.policy_versions = *std::move(t);
  }
  return out;
}

}  // namespace

absl::StatusOr<TrainingBatch> DecodeTrainingBatch(const hem::v1::Batch& batch,
                                                  const hem::v1::EnvSpec& spec,
                                                  bool pin_memory) {
  absl::StatusOr<TrainingBatch> result;
  absl::Status status = CatchTorch("decoding a batch", [&] {
    result = Decode(batch, spec, pin_memory);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::Status CheckHasNext(const TrainingBatch& batch) {
  if (!batch.next_observations.defined() || !batch.rewards.defined() ||
      !batch.terminals.defined()) {
    return absl::FailedPreconditionError(
        "batch.rewards: missing; TD learners need with_next batches (next "
        "observations, rewards, terminals)");
  }
  return absl::OkStatus();
}

TrainingBatch ToDevice(const TrainingBatch& batch, const torch::Device& device) {
  if (device.is_cpu()) return batch;
  auto move = [&](const torch::Tensor& t) {
    return t.defined() ? t.to(device, /*non_blocking=*/true) : t;
  };
  TrainingBatch out;
  out.size = batch.size;
  out.inputs.observations = move(batch.inputs.observations);
  out.inputs.goals = move(batch.inputs.goals);
  out.inputs.goal_images = move(batch.inputs.goal_images);
  out.actions = move(batch.actions);
  out.next_observations = move(batch.next_observations);
  out.rewards = move(batch.rewards);
  out.terminals = move(batch.terminals);
  out.policy_versions = batch.policy_versions;
  return out;
}

}  // namespace hem
