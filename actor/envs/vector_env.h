// M instances of one task stepped together: the actor's only way to step
// environments. Buffers are contiguous row-major [M, ...] arrays that the
// actor feeds to batched policy inference without copying.
#ifndef HEM_ACTOR_ENVS_VECTOR_ENV_H_
#define HEM_ACTOR_ENVS_VECTOR_ENV_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "actor/envs/env.h"
#include "proto/env_spec.pb.h"

namespace hem {

class VectorEnv {
 public:
  // REQUIRES: num_envs >= 1.
  static absl::StatusOr<std::unique_ptr<VectorEnv>> Create(absl::string_view name,
                                                           int num_envs);

  const hem::v1::EnvSpec& spec() const;
  int num_envs() const;

  // Starts a new episode in instance `index` (see Env::Reset).
  void Reset(int index, uint64_t seed);

  // Steps every instance: `actions` is [M, ActionDim(spec)]. Afterwards the
  // buffers below hold the new observations and successes()[i] the success
  // of instance i. Instances are independent: resetting one between steps
  // does not affect the others.
  void Step(absl::Span<const float> actions);

  absl::Span<const float> states() const;          // [M, obs]; FLOAT32 tasks.
  absl::Span<const uint8_t> images() const;        // [M, obs]; UINT8 tasks.
  absl::Span<const float> achieved_goals() const;  // [M, goal_dim]
  absl::Span<const float> desired_goals() const;   // [M, goal_dim]
  absl::Span<const uint8_t> goal_images() const;   // [M, goal obs]; image goals.
  absl::Span<const uint8_t> successes() const;     // [M], 0/1, after Step.

 private:
  VectorEnv(std::vector<std::unique_ptr<Env>> envs);
  ObservationSlot SlotFor(int index);

  std::vector<std::unique_ptr<Env>> envs_;
  std::vector<float> states_;
  std::vector<uint8_t> images_;
  std::vector<float> achieved_goals_;
  std::vector<float> desired_goals_;
  std::vector<uint8_t> goal_images_;
  std::vector<uint8_t> successes_;
};

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_VECTOR_ENV_H_
