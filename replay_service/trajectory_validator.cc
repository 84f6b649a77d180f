// Validation of a trajectory against its spec before storing (see
// trajectory_validator.h).
#include "replay_service/trajectory_validator.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/env_spec_util.h"
#include "common/status_macros.h"
#include "common/tensor_codec.h"

namespace hem {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view reason) {
  return absl::InvalidArgumentError(
      absl::StrCat("trajectory.", field, ": ", reason));
}

std::vector<int64_t> Shape(std::initializer_list<int64_t> leading,
                           const google::protobuf::RepeatedField<int64_t>& tail) {
  std::vector<int64_t> shape(leading);
  shape.insert(shape.end(), tail.begin(), tail.end());
  return shape;
}

absl::Status CheckActions(const hem::v1::EnvSpec& spec,
                          const hem::v1::Trajectory& trajectory) {
  const int64_t steps = trajectory.num_steps();
  const hem::v1::Tensor& actions = trajectory.actions();
  if (IsDiscrete(spec)) {
    HEM_RETURN_IF_ERROR(CheckTensor(actions, hem::v1::DTYPE_INT32, {steps},
                                    "trajectory.actions"));
    HEM_ASSIGN_OR_RETURN(absl::Span<const int32_t> values,
                         TensorSpan<int32_t>(actions, "trajectory.actions"));
    const int n = NumDiscreteActions(spec);
    for (int64_t t = 0; t < steps; ++t) {
      if (values[t] < 0 || values[t] >= n) {
        return Invalid("actions", absl::StrCat("step ", t, " has action ",
                                               values[t], " outside [0, ", n,
                                               ")"));
      }
    }
    return absl::OkStatus();
  }
  const int dim = ActionDim(spec);
  HEM_RETURN_IF_ERROR(CheckTensor(actions, hem::v1::DTYPE_FLOAT32, {steps, dim},
                                  "trajectory.actions"));
  HEM_RETURN_IF_ERROR(CheckFinite(actions, "trajectory.actions"));
  HEM_ASSIGN_OR_RETURN(absl::Span<const float> values,
                       TensorSpan<float>(actions, "trajectory.actions"));
  const auto& box = spec.action_space().box();
  for (int64_t t = 0; t < steps; ++t) {
    for (int i = 0; i < dim; ++i) {
      const float a = values[t * dim + i];
      if (a < box.low(i) || a > box.high(i)) {
        return Invalid("actions",
                       absl::StrCat("step ", t, " dimension ", i, " is ", a,
                                    ", outside [", box.low(i), ", ",
                                    box.high(i), "]"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateTrajectory(const hem::v1::EnvSpec& spec,
                                const hem::v1::Trajectory& trajectory) {
  if (trajectory.spec_id() != spec.spec_id()) {
    return Invalid("spec_id", absl::StrCat("is ", trajectory.spec_id(),
                                           ", expected ", spec.spec_id()));
  }
  if (trajectory.env_name() != spec.env_name()) {
    return Invalid("env_name", absl::StrCat("is '", trajectory.env_name(),
                                            "' but spec ", spec.spec_id(),
                                            " is '", spec.env_name(), "'"));
  }
  const int64_t steps = trajectory.num_steps();
  if (steps < 1 || steps > spec.horizon()) {
    return Invalid("num_steps", absl::StrCat("is ", steps, ", outside [1, ",
                                             spec.horizon(), "]"));
  }
  HEM_RETURN_IF_ERROR(CheckTensor(trajectory.observations(),
                                  spec.observation().dtype(),
                                  Shape({steps + 1}, spec.observation().shape()),
                                  "trajectory.observations"));
  if (spec.observation().dtype() == hem::v1::DTYPE_FLOAT32) {
    HEM_RETURN_IF_ERROR(
        CheckFinite(trajectory.observations(), "trajectory.observations"));
  }
  const int64_t goal_dim = spec.goal_dim();
  HEM_RETURN_IF_ERROR(CheckTensor(trajectory.achieved_goals(),
                                  hem::v1::DTYPE_FLOAT32, {steps + 1, goal_dim},
                                  "trajectory.achieved_goals"));
  HEM_RETURN_IF_ERROR(
      CheckFinite(trajectory.achieved_goals(), "trajectory.achieved_goals"));
  HEM_RETURN_IF_ERROR(CheckTensor(trajectory.desired_goal(),
                                  hem::v1::DTYPE_FLOAT32, {goal_dim},
                                  "trajectory.desired_goal"));
  HEM_RETURN_IF_ERROR(
      CheckFinite(trajectory.desired_goal(), "trajectory.desired_goal"));
  HEM_RETURN_IF_ERROR(CheckActions(spec, trajectory));
  const std::string& successes = trajectory.successes();
  if (static_cast<int64_t>(successes.size()) != steps) {
    return Invalid("successes", absl::StrCat("has ", successes.size(),
                                             " bytes, expected num_steps = ",
                                             steps));
  }
  for (int64_t t = 0; t < steps; ++t) {
    if (successes[t] != 0 && successes[t] != 1) {
      return Invalid("successes",
                     absl::StrCat("step ", t, " is ",
                                  static_cast<int>(
                                      static_cast<uint8_t>(successes[t])),
                                  ", expected 0 or 1"));
    }
  }
  if (spec.has_goal_observation()) {
    if (!trajectory.has_goal_observation()) {
      return Invalid("goal_observation",
                     "missing; the spec has image goals");
    }
    HEM_RETURN_IF_ERROR(CheckTensor(trajectory.goal_observation(),
                                    hem::v1::DTYPE_UINT8,
                                    Shape({}, spec.goal_observation().shape()),
                                    "trajectory.goal_observation"));
  } else if (trajectory.has_goal_observation()) {
    return Invalid("goal_observation",
                   "present, but the spec has no image goals");
  }
  return absl::OkStatus();
}

}  // namespace hem
