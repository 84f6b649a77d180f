// Recording one episode step by step into a Trajectory (see episode_recorder.h).
#include "actor/episode_recorder.h"

#include <cmath>

#include "common/env_spec_util.h"
#include "common/tensor_codec.h"

namespace hem {

EpisodeRecorder::EpisodeRecorder(const hem::v1::EnvSpec& spec)
    : spec_(spec),
      observation_bytes_(ObservationSize(spec) * DTypeSize(spec.observation().dtype())),
      goal_dim_(spec.goal_dim()),
      action_dim_(ActionDim(spec)),
      discrete_(IsDiscrete(spec)) {}

void EpisodeRecorder::Begin(uint64_t seed, int64_t policy_version,
                            absl::Span<const uint8_t> observation,
                            absl::Span<const float> achieved_goal,
                            absl::Span<const float> desired_goal,
                            absl::Span<const uint8_t> goal_image) {
  seed_ = seed;
  policy_version_ = policy_version;
  num_steps_ = 0;
  succeeded_ = false;
  observations_.clear();
  // Reserve the horizon once so appends never reallocate mid-episode.
  observations_.reserve(observation_bytes_ * (spec_.horizon() + 1));
  observations_.append(reinterpret_cast<const char*>(observation.data()),
                       observation.size());
  achieved_goals_.assign(achieved_goal.begin(), achieved_goal.end());
  desired_goal_.assign(desired_goal.begin(), desired_goal.end());
  float_actions_.clear();
  discrete_actions_.clear();
  successes_.clear();
  goal_image_.assign(goal_image.begin(), goal_image.end());
}

void EpisodeRecorder::Append(absl::Span<const float> action,
                             absl::Span<const uint8_t> next_observation,
                             absl::Span<const float> next_achieved_goal,
                             bool success) {
  if (discrete_) {
    discrete_actions_.push_back(static_cast<int32_t>(std::lround(action[0])));
  } else {
    float_actions_.insert(float_actions_.end(), action.begin(), action.end());
  }
  observations_.append(reinterpret_cast<const char*>(next_observation.data()),
                       next_observation.size());
  achieved_goals_.insert(achieved_goals_.end(), next_achieved_goal.begin(),
                         next_achieved_goal.end());
  successes_.push_back(success ? 1 : 0);
  succeeded_ = succeeded_ || success;
  ++num_steps_;
}

bool EpisodeRecorder::Done() const {
  if (num_steps_ >= spec_.horizon()) return true;
  return spec_.terminate_on_success() && num_steps_ > 0 && successes_.back() != 0;
}

hem::v1::Trajectory EpisodeRecorder::Finish(uint64_t actor_id,
                                            uint64_t episode_id) {
  hem::v1::Trajectory trajectory;
  trajectory.set_env_name(spec_.env_name());
  trajectory.set_spec_id(spec_.spec_id());
  trajectory.set_actor_id(actor_id);
  trajectory.set_episode_id(episode_id);
  trajectory.set_policy_version(policy_version_);
  trajectory.set_num_steps(num_steps_);
  trajectory.set_seed(seed_);
  const int64_t t = num_steps_;

  hem::v1::Tensor* observations = trajectory.mutable_observations();
  observations->set_dtype(spec_.observation().dtype());
  observations->add_shape(t + 1);
  for (int64_t d : spec_.observation().shape()) observations->add_shape(d);
  observations->set_data(std::move(observations_));
  observations_.clear();

  EncodeTensor<float>(achieved_goals_, {t + 1, goal_dim_},
                      trajectory.mutable_achieved_goals());
  EncodeTensor<float>(desired_goal_, {goal_dim_},
                      trajectory.mutable_desired_goal());
  if (discrete_) {
    EncodeTensor<int32_t>(discrete_actions_, {t}, trajectory.mutable_actions());
  } else {
    EncodeTensor<float>(float_actions_, {t, action_dim_},
                        trajectory.mutable_actions());
  }
  trajectory.set_successes(std::move(successes_));
  successes_.clear();
  if (spec_.has_goal_observation()) {
    std::vector<int64_t> shape(spec_.goal_observation().shape().begin(),
                               spec_.goal_observation().shape().end());
    EncodeTensor<uint8_t>(goal_image_, shape,
                          trajectory.mutable_goal_observation());
  }
  num_steps_ = 0;
  return trajectory;
}

}  // namespace hem
