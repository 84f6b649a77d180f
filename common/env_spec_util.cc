#include "common/env_spec_util.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/tensor_codec.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace hem {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("spec.", field, ": ", reason));
}

absl::Status ValidateTensorSpec(const hem::v1::TensorSpec& spec,
                                absl::string_view field) {
  if (spec.dtype() != hem::v1::DTYPE_FLOAT32 &&
      spec.dtype() != hem::v1::DTYPE_UINT8) {
    return Invalid(field, absl::StrCat("dtype must be FLOAT32 or UINT8, got ",
                                       DTypeName(spec.dtype())));
  }
  if (spec.shape_size() == 0) return Invalid(field, "shape is empty");
  if (spec.shape_size() > kMaxSpecRank) {
    return Invalid(field, absl::StrCat("shape has ", spec.shape_size(),
                                       " dimensions, more than ", kMaxSpecRank));
  }
  int64_t elements = 1;
  for (int64_t d : spec.shape()) {
    if (d < 1 || d > (1 << 20)) {
      return Invalid(field, absl::StrCat("dimension ", d, " out of [1, 2^20]"));
    }
    elements *= d;  // <= 2^20 * 2^26: no overflow before the check.
    if (elements > kMaxSpecElements) {
      return Invalid(field, absl::StrCat("shape has more than ", kMaxSpecElements,
                                         " elements"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

uint64_t ComputeSpecId(const hem::v1::EnvSpec& spec) {
  hem::v1::EnvSpec copy = spec;
  copy.clear_spec_id();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream output(&bytes);
    google::protobuf::io::CodedOutputStream coded(&output);
    coded.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&coded);
  }
  uint64_t hash = 14695981039346656037ull;  // FNV-1a offset basis.
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash == 0 ? 1 : hash;
}

void AssignSpecId(hem::v1::EnvSpec* spec) {
  spec->set_spec_id(ComputeSpecId(*spec));
}

absl::Status ValidateEnvSpec(const hem::v1::EnvSpec& spec) {
  if (spec.env_name().empty()) return Invalid("env_name", "is empty");
  absl::Status status = ValidateTensorSpec(spec.observation(), "observation");
  if (!status.ok()) return status;
  if (spec.goal_dim() < 1 || spec.goal_dim() > kMaxGoalDim) {
    return Invalid("goal_dim", absl::StrCat("must be in [1, ", kMaxGoalDim,
                                            "], got ", spec.goal_dim()));
  }
  if (spec.horizon() < 1 || spec.horizon() > kMaxHorizon) {
    return Invalid("horizon", absl::StrCat("must be in [1, ", kMaxHorizon,
                                           "], got ", spec.horizon()));
  }
  const auto& actions = spec.action_space();
  switch (actions.kind_case()) {
    case hem::v1::ActionSpace::kDiscrete:
      if (actions.discrete().n() < 1 || actions.discrete().n() > kMaxActionDim) {
        return Invalid("action_space.discrete.n",
                       absl::StrCat("must be in [1, ", kMaxActionDim, "], got ",
                                    actions.discrete().n()));
      }
      break;
    case hem::v1::ActionSpace::kBox: {
      const auto& box = actions.box();
      if (box.low_size() < 1) return Invalid("action_space.box.low", "is empty");
      if (box.low_size() > kMaxActionDim) {
        return Invalid("action_space.box.low",
                       absl::StrCat("has ", box.low_size(), " entries, more than ",
                                    kMaxActionDim));
      }
      if (box.low_size() != box.high_size()) {
        return Invalid("action_space.box.high",
                       absl::StrCat("has ", box.high_size(), " entries, low has ",
                                    box.low_size()));
      }
      for (int i = 0; i < box.low_size(); ++i) {
        if (!std::isfinite(box.low(i)) || !std::isfinite(box.high(i)) ||
            box.low(i) > box.high(i)) {
          return Invalid("action_space.box",
                         absl::StrCat("dimension ", i, " has bounds [", box.low(i),
                                      ", ", box.high(i), "]"));
        }
      }
      break;
    }
    default:
      return Invalid("action_space", "neither discrete nor box");
  }
  const auto& success = spec.success();
  switch (success.rule()) {
    case hem::v1::SUCCESS_RULE_EXACT_MATCH:
      break;
    case hem::v1::SUCCESS_RULE_NORMALIZED_EUCLIDEAN_AT_MOST:
      if (success.goal_low_size() != spec.goal_dim() ||
          success.goal_high_size() != spec.goal_dim()) {
        return Invalid("success.goal_low",
                       "normalized rule needs goal_low and goal_high with "
                       "goal_dim entries");
      }
      for (int i = 0; i < spec.goal_dim(); ++i) {
        if (!(success.goal_high(i) > success.goal_low(i))) {
          return Invalid("success.goal_high",
                         absl::StrCat("dimension ", i, " is not above goal_low"));
        }
      }
      [[fallthrough]];
    case hem::v1::SUCCESS_RULE_EUCLIDEAN_BELOW:
      if (!(success.threshold() > 0) || !std::isfinite(success.threshold())) {
        return Invalid("success.threshold",
                       absl::StrCat("must be > 0, got ", success.threshold()));
      }
      break;
    default:
      return Invalid("success.rule", "unspecified");
  }
  if (spec.has_goal_observation()) {
    status = ValidateTensorSpec(spec.goal_observation(), "goal_observation");
    if (!status.ok()) return status;
  }
  if (spec.spec_id() != ComputeSpecId(spec)) {
    return Invalid("spec_id", absl::StrCat("is ", spec.spec_id(),
                                           " but the spec's fingerprint is ",
                                           ComputeSpecId(spec)));
  }
  return absl::OkStatus();
}

int64_t ObservationSize(const hem::v1::EnvSpec& spec) {
  return NumElements(spec.observation().shape());
}

int64_t GoalObservationSize(const hem::v1::EnvSpec& spec) {
  return spec.has_goal_observation()
             ? NumElements(spec.goal_observation().shape())
             : 0;
}

bool IsDiscrete(const hem::v1::EnvSpec& spec) {
  return spec.action_space().has_discrete();
}

int ActionDim(const hem::v1::EnvSpec& spec) {
  return IsDiscrete(spec) ? 1 : spec.action_space().box().low_size();
}

int NumDiscreteActions(const hem::v1::EnvSpec& spec) {
  return IsDiscrete(spec) ? spec.action_space().discrete().n() : 0;
}

bool IsSuccess(const hem::v1::SuccessSpec& success,
               absl::Span<const float> achieved_goal,
               absl::Span<const float> desired_goal) {
  const size_t n = achieved_goal.size();
  switch (success.rule()) {
    case hem::v1::SUCCESS_RULE_EXACT_MATCH:
      for (size_t i = 0; i < n; ++i) {
        if (achieved_goal[i] != desired_goal[i]) return false;
      }
      return true;
    case hem::v1::SUCCESS_RULE_EUCLIDEAN_BELOW: {
      double squared = 0;
      for (size_t i = 0; i < n; ++i) {
        const double d = achieved_goal[i] - desired_goal[i];
        squared += d * d;
      }
      return squared < double{success.threshold()} * success.threshold();
    }
    case hem::v1::SUCCESS_RULE_NORMALIZED_EUCLIDEAN_AT_MOST: {
      double squared = 0;
      for (size_t i = 0; i < n; ++i) {
        const double width = success.goal_high(i) - success.goal_low(i);
        const double d = (achieved_goal[i] - desired_goal[i]) / width;
        squared += d * d;
      }
      return squared <= double{success.threshold()} * success.threshold();
    }
    default:
      return false;
  }
}

double GoalDistance(const hem::v1::SuccessSpec& success,
                    absl::Span<const float> achieved_goal,
                    absl::Span<const float> desired_goal) {
  const size_t n = achieved_goal.size();
  if (success.rule() == hem::v1::SUCCESS_RULE_EXACT_MATCH) {
    int differing = 0;
    for (size_t i = 0; i < n; ++i) differing += achieved_goal[i] != desired_goal[i];
    return differing;
  }
  const bool normalized =
      success.rule() == hem::v1::SUCCESS_RULE_NORMALIZED_EUCLIDEAN_AT_MOST;
  double squared = 0;
  for (size_t i = 0; i < n; ++i) {
    double d = achieved_goal[i] - desired_goal[i];
    if (normalized) d /= success.goal_high(i) - success.goal_low(i);
    squared += d * d;
  }
  return std::sqrt(squared);
}

}  // namespace hem
