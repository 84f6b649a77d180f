#include "common/env_catalog.h"

#include <cmath>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/env_spec_util.h"
#include "common/status_macros.h"

namespace hem {
namespace {

absl::Status Invalid(const EnvName& name, absl::string_view reason) {
  return absl::InvalidArgumentError(
      absl::StrCat("env '", name.task, "': ", reason));
}

void SetFloatObservation(int dim, hem::v1::EnvSpec* spec) {
  spec->mutable_observation()->set_dtype(hem::v1::DTYPE_FLOAT32);
  spec->mutable_observation()->add_shape(dim);
}

void SetImage(int width, hem::v1::TensorSpec* tensor) {
  tensor->set_dtype(hem::v1::DTYPE_UINT8);
  tensor->add_shape(width);
  tensor->add_shape(width);
  tensor->add_shape(3);
}

void SetBox(int dim, float bound, hem::v1::EnvSpec* spec) {
  auto* box = spec->mutable_action_space()->mutable_box();
  for (int i = 0; i < dim; ++i) {
    box->add_low(-bound);
    box->add_high(bound);
  }
}

void SetSuccess(hem::v1::SuccessRule rule, float threshold,
                std::vector<float> goal_low, std::vector<float> goal_high,
                hem::v1::EnvSpec* spec) {
  auto* success = spec->mutable_success();
  success->set_rule(rule);
  success->set_threshold(threshold);
  for (float v : goal_low) success->add_goal_low(v);
  for (float v : goal_high) success->add_goal_high(v);
}

// Parameters common to all MuJoCo tasks: the image size.
absl::Status ApplyImageParam(const EnvName& name, hem::v1::EnvSpec* spec) {
  auto it = name.params.find("image");
  if (it == name.params.end()) return absl::OkStatus();
  int width = 0;
  if (!absl::SimpleAtoi(it->second, &width) || (width != 48 && width != 84)) {
    return Invalid(name, absl::StrCat("image=", it->second,
                                      " is not a supported size (48 or 84)"));
  }
  spec->clear_observation();
  SetImage(width, spec->mutable_observation());
  return absl::OkStatus();
}

absl::Status CheckOnlyKnownParams(const EnvName& name,
                                  const std::set<std::string>& allowed) {
  for (const auto& [key, value] : name.params) {
    if (allowed.count(key) == 0) {
      return Invalid(name, absl::StrCat("unknown parameter '", key,
                                        "' (known: ", absl::StrJoin(allowed, ", "),
                                        ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<hem::v1::EnvSpec> BuildSpec(const EnvName& name) {
  hem::v1::EnvSpec spec;
  spec.set_terminate_on_success(true);
  int default_horizon = 50;
  const float kSqrt2 = std::sqrt(2.0f);
  if (name.task == "flip_bit") {
    HEM_RETURN_IF_ERROR(CheckOnlyKnownParams(name, {"k", "horizon"}));
    HEM_ASSIGN_OR_RETURN(int k, IntParam(name, "k", 10, 1, 4096));
    SetFloatObservation(k, &spec);
    spec.set_goal_dim(k);
    spec.mutable_action_space()->mutable_discrete()->set_n(k);
    SetSuccess(hem::v1::SUCCESS_RULE_EXACT_MATCH, 0, {}, {}, &spec);
    default_horizon = k;
  } else if (name.task == "nav") {
    HEM_RETURN_IF_ERROR(CheckOnlyKnownParams(name, {"k", "horizon"}));
    HEM_ASSIGN_OR_RETURN(int k, IntParam(name, "k", 2, 1, 4096));
    SetFloatObservation(k, &spec);
    spec.set_goal_dim(k);
    SetBox(k, 0.2f, &spec);
    SetSuccess(hem::v1::SUCCESS_RULE_EUCLIDEAN_BELOW, 0.1f,
               std::vector<float>(k, -1.0f), std::vector<float>(k, 1.0f), &spec);
  } else if (name.task == "four_rooms") {
    HEM_RETURN_IF_ERROR(CheckOnlyKnownParams(name, {"horizon"}));
    // Observation and goal are the (row, col) cell scaled to [0, 1].
    SetFloatObservation(2, &spec);
    spec.set_goal_dim(2);
    spec.mutable_action_space()->mutable_discrete()->set_n(4);
    SetSuccess(hem::v1::SUCCESS_RULE_EXACT_MATCH, 0, {0, 0}, {1, 1}, &spec);
  } else if (name.task == "point_mass") {
    HEM_RETURN_IF_ERROR(CheckOnlyKnownParams(name, {"horizon", "image"}));
    // Room walls at +-1: the normalisation bounds of the paper's z(.).
    SetFloatObservation(4, &spec);
    spec.set_goal_dim(2);
    SetBox(2, 1.0f, &spec);
    SetSuccess(hem::v1::SUCCESS_RULE_NORMALIZED_EUCLIDEAN_AT_MOST, 0.02f * kSqrt2,
               {-1, -1}, {1, 1}, &spec);
    HEM_RETURN_IF_ERROR(ApplyImageParam(name, &spec));
  } else if (name.task == "reacher") {
    HEM_RETURN_IF_ERROR(CheckOnlyKnownParams(name, {"horizon", "image", "velocities"}));
    HEM_ASSIGN_OR_RETURN(const bool velocities, ReacherStateHasVelocities(name));
    if (!velocities && name.params.count("image") > 0) {
      return absl::InvalidArgumentError(
          "reacher: velocities=0 applies to state observations (an image has no velocities)");
    }
    // Fingertip reach is 0.21 m: goals live in that square.
    SetFloatObservation(11, &spec);
    spec.set_goal_dim(2);
    SetBox(2, 1.0f, &spec);
    SetSuccess(hem::v1::SUCCESS_RULE_NORMALIZED_EUCLIDEAN_AT_MOST, 0.02f * kSqrt2,
               {-0.21f, -0.21f}, {0.21f, 0.21f}, &spec);
    HEM_RETURN_IF_ERROR(ApplyImageParam(name, &spec));
  } else if (name.task == "fetch_reach") {
    HEM_RETURN_IF_ERROR(CheckOnlyKnownParams(name, {"horizon", "image"}));
    SetFloatObservation(10, &spec);
    spec.set_goal_dim(3);
    SetBox(3, 1.0f, &spec);
    SetSuccess(hem::v1::SUCCESS_RULE_EUCLIDEAN_BELOW, 0.05f, {}, {}, &spec);
    HEM_RETURN_IF_ERROR(ApplyImageParam(name, &spec));
  } else if (name.task == "sawyer_reach") {
    HEM_RETURN_IF_ERROR(
        CheckOnlyKnownParams(name, {"horizon", "image", "image_goal"}));
    SetFloatObservation(3, &spec);
    spec.set_goal_dim(3);
    SetBox(3, 1.0f, &spec);
    SetSuccess(hem::v1::SUCCESS_RULE_EUCLIDEAN_BELOW, 0.06f, {}, {}, &spec);
    HEM_RETURN_IF_ERROR(ApplyImageParam(name, &spec));
    HEM_ASSIGN_OR_RETURN(int image_goal, IntParam(name, "image_goal", 0, 0, 1));
    if (image_goal == 1) {
      if (spec.observation().dtype() != hem::v1::DTYPE_UINT8) {
        return Invalid(name, "image_goal=1 needs image=48 or image=84");
      }
      *spec.mutable_goal_observation() = spec.observation();
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown env '", name.task,
                     "' (known: ", absl::StrJoin(KnownTasks(), ", "), ")"));
  }
  HEM_ASSIGN_OR_RETURN(int horizon,
                       IntParam(name, "horizon", default_horizon, 1, 100000));
  spec.set_horizon(horizon);
  return spec;
}

}  // namespace

absl::StatusOr<EnvName> ParseEnvName(absl::string_view name) {
  EnvName parsed;
  const size_t colon = name.find(':');
  parsed.task = std::string(name.substr(0, colon));
  if (parsed.task.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("env name '", name, "' has no task before ':'"));
  }
  if (colon == absl::string_view::npos) return parsed;
  for (absl::string_view item :
       absl::StrSplit(name.substr(colon + 1), ',', absl::SkipEmpty())) {
    const size_t eq = item.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "env name '", name, "': parameter '", item, "' is not key=value"));
    }
    std::string key(item.substr(0, eq));
    if (!parsed.params.emplace(key, std::string(item.substr(eq + 1))).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "env name '", name, "': parameter '", key, "' given twice"));
    }
  }
  return parsed;
}

const std::vector<std::string>& KnownTasks() {
  static const auto* tasks = new std::vector<std::string>{
      "flip_bit",   "nav",         "four_rooms",  "point_mass",
      "reacher",    "fetch_reach", "sawyer_reach"};
  return *tasks;
}

absl::StatusOr<bool> ReacherStateHasVelocities(const EnvName& name) {
  HEM_ASSIGN_OR_RETURN(const int velocities, IntParam(name, "velocities", 1, 0, 1));
  return velocities == 1;
}

absl::StatusOr<int> IntParam(const EnvName& name, absl::string_view key,
                             int default_value, int min_value, int max_value) {
  auto it = name.params.find(std::string(key));
  if (it == name.params.end()) return default_value;
  int value = 0;
  if (!absl::SimpleAtoi(it->second, &value)) {
    return Invalid(name, absl::StrCat(key, "=", it->second, " is not an integer"));
  }
  if (value < min_value || value > max_value) {
    return Invalid(name, absl::StrCat(key, "=", value, " is out of range [",
                                      min_value, ", ", max_value, "]"));
  }
  return value;
}

absl::StatusOr<hem::v1::EnvSpec> MakeEnvSpec(absl::string_view name) {
  HEM_ASSIGN_OR_RETURN(EnvName parsed, ParseEnvName(name));
  HEM_ASSIGN_OR_RETURN(hem::v1::EnvSpec spec, BuildSpec(parsed));
  // Canonical form (parameters sorted), so equal tasks get equal spec ids.
  std::string canonical = parsed.task;
  if (!parsed.params.empty()) {
    canonical += ":" + absl::StrJoin(parsed.params, ",", absl::PairFormatter("="));
  }
  spec.set_env_name(canonical);
  AssignSpecId(&spec);
  HEM_RETURN_IF_ERROR(ValidateEnvSpec(spec));
  return spec;
}

}  // namespace hem
