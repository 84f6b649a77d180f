// Test-time evaluation, the paper's criterion: run the deterministic policy
// (mean action / argmax) on fresh goals and measure the success rate.
#ifndef HEM_ACTOR_EVALUATION_H_
#define HEM_ACTOR_EVALUATION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "actor/envs/vector_env.h"
#include "learner/policy.h"

namespace hem {

struct EvaluationResult {
  int episodes = 0;
  int successes = 0;
  int64_t env_steps = 0;
  double success_rate() const {
    return episodes == 0 ? 0.0 : static_cast<double>(successes) / episodes;
  }
};

// What one test episode did: which goals the policy misses, and by how much.
// Distances are the success rule's (GoalDistance in common/env_spec_util.h).
struct EvaluatedEpisode {
  int index = 0;  // 0..episodes-1 in the order the episodes started.
  bool success = false;
  int steps = 0;
  double start_distance = 0;  // Achieved goal at reset to the goal.
  double min_distance = 0;    // Nearest the episode came, over its steps.
  double final_distance = 0;
  std::vector<float> start_achieved;  // [goal_dim] each.
  std::vector<float> goal;
  std::vector<float> final_achieved;
};

// Runs exactly `episodes` episodes across the instances of `envs`, each to
// success or the horizon, with episode seeds derived from `seed` (so goals
// are fresh for every distinct seed). `policy` null = uniform random actions.
// `deterministic` acts with the mean / argmax (the paper's test criterion);
// false samples from pi (no exploration noise), which tells apart a policy
// that knows the way from one whose argmax loops, e.g. in four_rooms.
// `record`, when not null, receives one EvaluatedEpisode per episode (in the
// order they ended); null keeps evaluation free of that bookkeeping.
absl::StatusOr<EvaluationResult> EvaluatePolicy(
    VectorEnv& envs, Policy* policy, int episodes, uint64_t seed,
    bool deterministic = true, std::vector<EvaluatedEpisode>* record = nullptr);

// Seed of episode `episode_id` of stream `stream` (actor id, or an
// evaluation round): distinct streams never share goals.
uint64_t EpisodeSeed(uint64_t base_seed, uint64_t stream, uint64_t episode_id);

}  // namespace hem

#endif  // HEM_ACTOR_EVALUATION_H_
