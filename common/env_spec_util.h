// Facts derived from an EnvSpec that every role needs: its stable id, its
// validity, sizes of its tensors, and the success predicate.
//
// The success predicate is a pure function of (achieved goal, desired goal)
// and the spec's SuccessSpec. It links without any simulator, so the replay
// service recomputes success for relabeled goals with exactly the rule the
// environments use when they step.
#ifndef HEM_COMMON_ENV_SPEC_UTIL_H_
#define HEM_COMMON_ENV_SPEC_UTIL_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "proto/env_spec.pb.h"

namespace hem {

// Stable 64-bit fingerprint of every field except spec_id (FNV-1a over the
// deterministic serialisation). Never 0, so 0 can mean "unset".
uint64_t ComputeSpecId(const hem::v1::EnvSpec& spec);

// Sets spec->spec_id to ComputeSpecId(*spec).
void AssignSpecId(hem::v1::EnvSpec* spec);

// Upper bounds on what a spec may size, so that every product derived from
// a valid spec (row bytes, a trajectory's tensors) fits in int64 and no spec
// from the wire can make a receiver allocate beyond reason.
inline constexpr int kMaxSpecRank = 8;                        // Tensor dims.
inline constexpr int64_t kMaxSpecElements = int64_t{1} << 26;  // Per row.
inline constexpr int kMaxGoalDim = 1 << 16;
inline constexpr int kMaxActionDim = 1 << 16;
inline constexpr int kMaxHorizon = 1 << 20;

// Checks every field for a usable spec: positive sizes within the bounds
// above, supported dtypes, consistent bounds, a success rule with the
// parameters it needs, and spec_id == ComputeSpecId(spec). Errors name the
// field ("spec.horizon: ...").
absl::Status ValidateEnvSpec(const hem::v1::EnvSpec& spec);

// Elements in one observation (product of observation.shape).
int64_t ObservationSize(const hem::v1::EnvSpec& spec);

// Elements in one goal observation; 0 when the task has no image goals.
int64_t GoalObservationSize(const hem::v1::EnvSpec& spec);

bool IsDiscrete(const hem::v1::EnvSpec& spec);

// Action dimension for box spaces; 1 for discrete ones (one int32 per step).
int ActionDim(const hem::v1::EnvSpec& spec);

// Number of discrete actions, or 0 for box spaces.
int NumDiscreteActions(const hem::v1::EnvSpec& spec);

// The success predicate. REQUIRES: ValidateEnvSpec OK for the spec holding
// `success`, and both spans have goal_dim elements.
bool IsSuccess(const hem::v1::SuccessSpec& success,
               absl::Span<const float> achieved_goal,
               absl::Span<const float> desired_goal);

// The distance the success predicate compares with its threshold: Euclidean,
// Euclidean after the rule's per-coordinate normalisation, or for
// EXACT_MATCH the number of coordinates that differ. For diagnostics (how
// near a failed episode came); IsSuccess stays the one predicate.
// REQUIRES: as IsSuccess.
double GoalDistance(const hem::v1::SuccessSpec& success,
                    absl::Span<const float> achieved_goal,
                    absl::Span<const float> desired_goal);

}  // namespace hem

#endif  // HEM_COMMON_ENV_SPEC_UTIL_H_
