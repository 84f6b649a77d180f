// One goal-conditioned environment instance with a sparse binary reward.
//
// The dynamics live here; the spec (shapes, bounds, success rule) is data from
// common/env_catalog.h, and success is always decided by the shared predicate
// hem::IsSuccess(spec.success(), achieved_goal, desired_goal), so the replay
// service's recomputation for relabeled goals agrees with what the actor saw.
//
// An Env does not count steps: the actor ends an episode at spec.horizon() or
// at the first success (spec.terminate_on_success()).
#ifndef HEM_ACTOR_ENVS_ENV_H_
#define HEM_ACTOR_ENVS_ENV_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "proto/env_spec.pb.h"

namespace hem {

// Where an instance writes what it observes. Pointers the task does not use
// are ignored (and may be null): `state` for FLOAT32 observations, `image` for
// UINT8 ones, `goal_image` only for tasks with image goals.
struct ObservationSlot {
  float* state = nullptr;          // ObservationSize(spec) floats.
  uint8_t* image = nullptr;        // ObservationSize(spec) bytes, HxWx3 rows top-down.
  float* achieved_goal = nullptr;  // goal_dim floats.
  float* desired_goal = nullptr;   // goal_dim floats; written by Reset only.
  uint8_t* goal_image = nullptr;   // GoalObservationSize(spec) bytes; Reset only.
};

class Env {
 public:
  virtual ~Env() = default;

  virtual const hem::v1::EnvSpec& spec() const = 0;

  // Starts an episode: initial state and desired goal are drawn from `seed`
  // alone, so equal seeds give equal episodes. Fills every slot pointer the
  // task uses.
  virtual void Reset(uint64_t seed, const ObservationSlot& out) = 0;

  // Applies one action (ActionDim(spec) floats; a discrete task reads
  // action[0] as the index, clamped to [0, n)). Box actions are clipped to the
  // spec's bounds. Fills state/image and achieved_goal, and returns whether
  // the new state succeeds for the episode's desired goal.
  virtual bool Step(absl::Span<const float> action, const ObservationSlot& out) = 0;
};

// Creates an instance by registry name ("flip_bit:k=50", "fetch_reach:image=84").
// The instance's spec() equals MakeEnvSpec(name). Errors are those of
// MakeEnvSpec plus simulator or renderer failures.
absl::StatusOr<std::unique_ptr<Env>> CreateEnv(absl::string_view name);

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_ENV_H_
