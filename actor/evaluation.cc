// Test-time evaluation of a policy on fresh goals (see evaluation.h).
#include "actor/evaluation.h"

#include <algorithm>
#include <vector>

#include "actor/exploration.h"
#include "common/env_spec_util.h"
#include "common/mix.h"
#include "common/status_macros.h"

namespace hem {
namespace {

// One SplitMix64 step from x: x + gamma, scrambled.
uint64_t Mix(uint64_t x) { return SplitMix64(&x); }

}  // namespace

uint64_t EpisodeSeed(uint64_t base_seed, uint64_t stream, uint64_t episode_id) {
  return Mix(Mix(Mix(base_seed) ^ stream) ^ episode_id);
}

absl::StatusOr<EvaluationResult> EvaluatePolicy(VectorEnv& envs, Policy* policy,
                                                int episodes, uint64_t seed,
                                                bool deterministic,
                                                std::vector<EvaluatedEpisode>* record) {
  const hem::v1::EnvSpec& spec = envs.spec();
  const int m = envs.num_envs();
  const int action_dim = ActionDim(spec);
  const bool image = spec.observation().dtype() == hem::v1::DTYPE_UINT8;
  std::vector<float> actions(static_cast<size_t>(m) * action_dim);
  std::vector<int> steps(m, 0);
  std::vector<bool> active(m, false);
  Exploration random_actions(spec, ExplorationOptions(), seed);
  EvaluationResult result;
  int started = 0;
  const int goal_dim = spec.goal_dim();
  // Per instance, the episode in flight when recording.
  std::vector<EvaluatedEpisode> current(record != nullptr ? m : 0);
  auto goal_of = [goal_dim](absl::Span<const float> goals, int i) {
    return goals.subspan(static_cast<size_t>(i) * goal_dim, goal_dim);
  };
  auto start_record = [&](int i, int index) {
    if (record == nullptr) return;
    EvaluatedEpisode& e = current[i];
    e = EvaluatedEpisode();
    e.index = index;
    const auto achieved = goal_of(envs.achieved_goals(), i);
    const auto goal = goal_of(envs.desired_goals(), i);
    e.start_achieved.assign(achieved.begin(), achieved.end());
    e.goal.assign(goal.begin(), goal.end());
    e.start_distance = GoalDistance(spec.success(), achieved, goal);
    e.min_distance = e.start_distance;
  };
  auto reset = [&](int i) {
    envs.Reset(i, EpisodeSeed(seed, /*stream=*/~0ull, started));
    start_record(i, started++);
  };
  for (int i = 0; i < m && started < episodes; ++i) {
    reset(i);
    active[i] = true;
  }
  int running = started;
  while (running > 0) {
    if (policy != nullptr) {
      PolicyInputs inputs;
      inputs.batch_size = m;
      inputs.states = image ? nullptr : envs.states().data();
      inputs.images = image ? envs.images().data() : nullptr;
      inputs.goals = envs.desired_goals().data();
      inputs.goal_images =
          spec.has_goal_observation() ? envs.goal_images().data() : nullptr;
      HEM_RETURN_IF_ERROR(policy->Act(inputs, deterministic, absl::MakeSpan(actions)));
    } else {
      random_actions.Random(absl::MakeSpan(actions));
    }
    envs.Step(actions);
    for (int i = 0; i < m; ++i) {
      if (!active[i]) continue;
      ++steps[i];
      ++result.env_steps;
      const bool success = envs.successes()[i] != 0;
      const bool done = steps[i] >= spec.horizon() ||
                        (success && spec.terminate_on_success());
      if (record != nullptr) {
        EvaluatedEpisode& e = current[i];
        const auto achieved = goal_of(envs.achieved_goals(), i);
        e.final_distance = GoalDistance(spec.success(), achieved, e.goal);
        e.min_distance = std::min(e.min_distance, e.final_distance);
        if (done) {
          e.success = success;
          e.steps = steps[i];
          e.final_achieved.assign(achieved.begin(), achieved.end());
          record->push_back(std::move(e));
        }
      }
      if (!done) continue;
      ++result.episodes;
      // Success at the final step decides, as in the paper's success rate;
      // with early termination that is the first success.
      if (success) ++result.successes;
      steps[i] = 0;
      if (started < episodes) {
        reset(i);
      } else {
        active[i] = false;
        --running;
      }
    }
  }
  return result;
}

}  // namespace hem
