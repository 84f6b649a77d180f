// Action decoding shared by every task: discrete indices and box clipping,
// exactly as documented on Env::Step.
#ifndef HEM_ACTOR_ENVS_ACTION_UTIL_H_
#define HEM_ACTOR_ENVS_ACTION_UTIL_H_

#include <algorithm>
#include <cmath>

#include "absl/types/span.h"
#include "proto/env_spec.pb.h"

namespace hem {

// action[0] rounded to the nearest integer and clamped to [0, n); NaN -> 0.
// REQUIRES: n >= 1 and action is non-empty.
inline int DiscreteAction(absl::Span<const float> action, int n) {
  const float a = action[0];
  if (!(a > 0)) return 0;  // Also catches NaN.
  if (a >= static_cast<float>(n - 1)) return n - 1;
  return static_cast<int>(std::lround(a));
}

// Writes action clipped to the box bounds into `out` (same length); NaN -> 0
// clipped, so a broken policy cannot poison the simulator.
inline void ClipToBox(const hem::v1::BoxActionSpace& box,
                      absl::Span<const float> action, float* out) {
  for (int i = 0; i < box.low_size(); ++i) {
    const float a = std::isnan(action[i]) ? 0.0f : action[i];
    out[i] = std::min(std::max(a, box.low(i)), box.high(i));
  }
}

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_ACTION_UTIL_H_
