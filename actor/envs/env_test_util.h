// Helpers shared by the environment tests: episode rollouts with a
// controller, success agreement with the shared predicate, and the generic
// checks every task must pass (spec equality, seeded determinism).
#ifndef HEM_ACTOR_ENVS_ENV_TEST_UTIL_H_
#define HEM_ACTOR_ENVS_ENV_TEST_UTIL_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "actor/envs/env.h"
#include "proto/env_spec.pb.h"

namespace hem {
namespace testing {

// Owns buffers sized for one observation of `spec`.
struct ObservationBuffers {
  explicit ObservationBuffers(const hem::v1::EnvSpec& spec);
  ObservationSlot Slot();

  std::vector<float> state;
  std::vector<uint8_t> image;
  std::vector<float> achieved_goal;
  std::vector<float> desired_goal;
  std::vector<uint8_t> goal_image;
};

// Writes ActionDim(spec) floats given the latest observation.
using Controller =
    std::function<void(const ObservationBuffers& obs, absl::Span<float> action)>;

struct EpisodeResult {
  bool success = false;      // Step reported success before the horizon.
  int steps = 0;             // Actions taken.
  int disagreements = 0;     // Steps where Step's answer != IsSuccess.
  std::vector<float> trace;  // Every state/achieved goal seen, for equality.
  std::vector<uint8_t> image_trace;
};

// Resets with `seed`, then steps until success or spec.horizon().
EpisodeResult RunEpisode(Env& env, uint64_t seed, const Controller& controller);

struct SuccessStats {
  int episodes = 0;
  int successes = 0;
  int disagreements = 0;
  double rate() const { return episodes == 0 ? 0.0 : double(successes) / episodes; }
};

// RunEpisode over seeds first_seed .. first_seed + episodes - 1.
SuccessStats MeasureSuccess(Env& env, int episodes, uint64_t first_seed,
                            const Controller& controller);

// Uniform random actions (box: uniform in bounds; discrete: uniform index),
// reproducible from `seed`.
Controller RandomController(const hem::v1::EnvSpec& spec, uint64_t seed);

// The solvability check every task shares: on 100 seeded goals the scripted
// controller succeeds >= 95% and uniform random actions < `max_random_rate`
// (both printed), Step's success always agrees with IsSuccess, and the spec
// equals the catalogue's.
void ExpectScriptedSolvesAndRandomDoesNot(absl::string_view name,
                                          const Controller& scripted,
                                          double max_random_rate,
                                          uint64_t random_seed);

// The reacher's scripted controller: joint targets by analytic inverse
// kinematics (the elbow solution nearer the current elbow) for `goal`,
// tracked by a PD law on the joint torques, clipped to [-1, 1]. Reads the
// state vector of `reacher` (angles at 0, 1, 4; velocities at 5, 6), so an
// image task needs a state twin stepped alongside.
void ReacherInverseKinematicsPd(absl::Span<const float> state, absl::Span<const float> goal,
                                absl::Span<float> action);

// Checks that the env's spec equals MakeEnvSpec(name).
void ExpectSpecMatchesCatalog(const Env& env, absl::string_view name);

// Two instances of `name`, same seed and same random actions, must produce
// identical traces; a different seed must give a different desired goal.
void ExpectSeededDeterminism(absl::string_view name);

}  // namespace testing
}  // namespace hem

#endif  // HEM_ACTOR_ENVS_ENV_TEST_UTIL_H_
