// Hand-built trajectories for replay tests and benchmarks (see
// replay_testing.h).
#include "replay_service/replay_testing.h"

#include <vector>

#include "common/env_spec_util.h"
#include "common/tensor_codec.h"
#include "replay_service/random.h"

namespace hem {
namespace testing {

hem::v1::Trajectory MakeTrajectory(const hem::v1::EnvSpec& spec,
                                   uint64_t actor_id, uint64_t episode_id,
                                   const TrajectoryOptions& options) {
  FastRng rng(options.seed * 0x9E3779B97F4A7C15ull + episode_id * 31 + actor_id);
  const int64_t steps = options.num_steps;
  const int goal_dim = spec.goal_dim();
  const bool exact = spec.success().rule() == hem::v1::SUCCESS_RULE_EXACT_MATCH;
  const bool tagged = options.tagged && goal_dim >= 2;
  auto random_goal_value = [&] {
    return exact ? static_cast<float>(rng.Uniform(2))
                 : static_cast<float>(rng.UniformDouble() * 2 - 1);
  };

  hem::v1::Trajectory trajectory;
  trajectory.set_env_name(spec.env_name());
  trajectory.set_spec_id(spec.spec_id());
  trajectory.set_actor_id(actor_id);
  trajectory.set_episode_id(episode_id);
  trajectory.set_policy_version(static_cast<int64_t>(episode_id % 7));
  trajectory.set_num_steps(static_cast<int32_t>(steps));
  trajectory.set_seed(options.seed);

  const int64_t obs_size = ObservationSize(spec);
  std::vector<int64_t> obs_shape = {steps + 1};
  for (int64_t d : spec.observation().shape()) obs_shape.push_back(d);
  if (spec.observation().dtype() == hem::v1::DTYPE_FLOAT32) {
    std::vector<float> obs((steps + 1) * obs_size);
    for (int64_t t = 0; t <= steps; ++t) {
      for (int64_t i = 0; i < obs_size; ++i) {
        obs[t * obs_size + i] =
            i == 0   ? static_cast<float>(t)
            : i == 1 ? static_cast<float>(episode_id)
                     : static_cast<float>(rng.UniformDouble());
      }
    }
    EncodeTensor<float>(obs, obs_shape, trajectory.mutable_observations());
  } else {
    std::vector<uint8_t> obs((steps + 1) * obs_size);
    for (int64_t t = 0; t <= steps; ++t) {
      for (int64_t i = 0; i < obs_size; ++i) {
        obs[t * obs_size + i] = static_cast<uint8_t>(
            i == 0 ? t : i == 1 ? episode_id : rng.Uniform(256));
      }
    }
    EncodeTensor<uint8_t>(obs, obs_shape, trajectory.mutable_observations());
  }

  std::vector<float> achieved((steps + 1) * goal_dim);
  for (int64_t t = 0; t <= steps; ++t) {
    for (int i = 0; i < goal_dim; ++i) {
      float v;
      if (tagged && i == 0) v = static_cast<float>(episode_id);
      else if (tagged && i == 1) v = static_cast<float>(t);
      else if (tagged && i == 2) v = static_cast<float>(actor_id);
      else v = random_goal_value();
      achieved[t * goal_dim + i] = v;
    }
  }
  EncodeTensor<float>(achieved, {steps + 1, goal_dim},
                      trajectory.mutable_achieved_goals());
  std::vector<float> desired(goal_dim);
  for (float& v : desired) v = random_goal_value();
  EncodeTensor<float>(desired, {goal_dim}, trajectory.mutable_desired_goal());

  if (IsDiscrete(spec)) {
    std::vector<int32_t> actions(steps);
    for (int32_t& a : actions) {
      a = static_cast<int32_t>(rng.Uniform(NumDiscreteActions(spec)));
    }
    EncodeTensor<int32_t>(actions, {steps}, trajectory.mutable_actions());
  } else {
    const auto& box = spec.action_space().box();
    const int dim = ActionDim(spec);
    std::vector<float> actions(steps * dim);
    for (int64_t t = 0; t < steps; ++t) {
      for (int i = 0; i < dim; ++i) {
        actions[t * dim + i] = static_cast<float>(
            box.low(i) + rng.UniformDouble() * (box.high(i) - box.low(i)));
      }
    }
    EncodeTensor<float>(actions, {steps, dim}, trajectory.mutable_actions());
  }

  std::string successes(steps, '\0');
  for (int64_t t = 0; t < steps; ++t) {
    successes[t] = IsSuccess(spec.success(),
                             absl::Span<const float>(&achieved[(t + 1) * goal_dim],
                                                     goal_dim),
                             desired)
                       ? 1
                       : 0;
  }
  trajectory.set_successes(successes);

  if (spec.has_goal_observation()) {
    const int64_t n = GoalObservationSize(spec);
    std::vector<uint8_t> image(n);
    for (uint8_t& v : image) v = static_cast<uint8_t>(rng.Uniform(256));
    std::vector<int64_t> shape(spec.goal_observation().shape().begin(),
                               spec.goal_observation().shape().end());
    EncodeTensor<uint8_t>(image, shape, trajectory.mutable_goal_observation());
  }
  return trajectory;
}

}  // namespace testing
}  // namespace hem
