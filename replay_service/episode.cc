// Episode storage: building an Episode from a trajectory and back (see
// episode.h).
#include "replay_service/episode.h"

#include <utility>

#include "common/env_spec_util.h"
#include "common/tensor_codec.h"

namespace hem {

SpecLayout SpecLayout::FromSpec(const hem::v1::EnvSpec& spec) {
  SpecLayout layout;
  layout.observation_dtype = spec.observation().dtype();
  layout.observation_elements = ObservationSize(spec);
  layout.observation_bytes =
      layout.observation_elements * DTypeSize(layout.observation_dtype);
  layout.goal_dim = spec.goal_dim();
  layout.action_dim = ActionDim(spec);
  layout.discrete = IsDiscrete(spec);
  layout.goal_observation_bytes = GoalObservationSize(spec);  // uint8.
  return layout;
}

int64_t Episode::MemoryBytes() const {
  return static_cast<int64_t>(sizeof(Episode) + observations.capacity() +
                              achieved_goals.capacity() +
                              desired_goal.capacity() + actions.capacity() +
                              successes.capacity() +
                              goal_observation.capacity());
}

std::shared_ptr<const Episode> EpisodeFromTrajectory(
    hem::v1::Trajectory* trajectory, const hem::v1::EnvSpec& spec) {
  auto episode = std::make_shared<Episode>();
  episode->actor_id = trajectory->actor_id();
  episode->episode_id = trajectory->episode_id();
  episode->policy_version = trajectory->policy_version();
  episode->seed = trajectory->seed();
  episode->num_steps = trajectory->num_steps();
  episode->observations.swap(*trajectory->mutable_observations()->mutable_data());
  episode->achieved_goals.swap(
      *trajectory->mutable_achieved_goals()->mutable_data());
  episode->desired_goal.swap(*trajectory->mutable_desired_goal()->mutable_data());
  episode->actions.swap(*trajectory->mutable_actions()->mutable_data());
  episode->successes.swap(*trajectory->mutable_successes());
  if (spec.has_goal_observation()) {
    episode->goal_observation.swap(
        *trajectory->mutable_goal_observation()->mutable_data());
  }
  return episode;
}

hem::v1::Trajectory TrajectoryFromEpisode(const Episode& episode,
                                          const hem::v1::EnvSpec& spec) {
  const SpecLayout layout = SpecLayout::FromSpec(spec);
  const int64_t steps = episode.num_steps;
  hem::v1::Trajectory trajectory;
  trajectory.set_env_name(spec.env_name());
  trajectory.set_spec_id(spec.spec_id());
  trajectory.set_actor_id(episode.actor_id);
  trajectory.set_episode_id(episode.episode_id);
  trajectory.set_policy_version(episode.policy_version);
  trajectory.set_seed(episode.seed);
  trajectory.set_num_steps(episode.num_steps);
  auto set = [](hem::v1::Tensor* tensor, hem::v1::DType dtype,
                std::initializer_list<int64_t> leading,
                const google::protobuf::RepeatedField<int64_t>* tail,
                const std::string& data) {
    tensor->set_dtype(dtype);
    for (int64_t d : leading) tensor->add_shape(d);
    if (tail != nullptr) {
      for (int64_t d : *tail) tensor->add_shape(d);
    }
    tensor->set_data(data);
  };
  set(trajectory.mutable_observations(), layout.observation_dtype, {steps + 1},
      &spec.observation().shape(), episode.observations);
  set(trajectory.mutable_achieved_goals(), hem::v1::DTYPE_FLOAT32,
      {steps + 1, layout.goal_dim}, nullptr, episode.achieved_goals);
  set(trajectory.mutable_desired_goal(), hem::v1::DTYPE_FLOAT32,
      {layout.goal_dim}, nullptr, episode.desired_goal);
  if (layout.discrete) {
    set(trajectory.mutable_actions(), hem::v1::DTYPE_INT32, {steps}, nullptr,
        episode.actions);
  } else {
    set(trajectory.mutable_actions(), hem::v1::DTYPE_FLOAT32,
        {steps, layout.action_dim}, nullptr, episode.actions);
  }
  trajectory.set_successes(episode.successes);
  if (spec.has_goal_observation()) {
    set(trajectory.mutable_goal_observation(), hem::v1::DTYPE_UINT8, {},
        &spec.goal_observation().shape(), episode.goal_observation);
  }
  return trajectory;
}

}  // namespace hem
