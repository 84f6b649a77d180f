// Accumulates one environment instance's episode, step by step, into the
// packed buffers of a hem.v1.Trajectory. One recorder per instance; the
// actor's step loop appends, and Finish() hands over a whole episode.
#ifndef HEM_ACTOR_EPISODE_RECORDER_H_
#define HEM_ACTOR_EPISODE_RECORDER_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "proto/env_spec.pb.h"
#include "proto/trajectory.pb.h"

namespace hem {

class EpisodeRecorder {
 public:
  explicit EpisodeRecorder(const hem::v1::EnvSpec& spec);

  // Starts an episode from the observation Reset produced. `observation` is
  // the float state or the image bytes (whichever the spec uses), reinterpret
  // as bytes; `goal_image` is empty unless the task has image goals.
  void Begin(uint64_t seed, int64_t policy_version,
             absl::Span<const uint8_t> observation,
             absl::Span<const float> achieved_goal,
             absl::Span<const float> desired_goal,
             absl::Span<const uint8_t> goal_image);

  // Appends action t and the observation and success that followed it.
  void Append(absl::Span<const float> action,
              absl::Span<const uint8_t> next_observation,
              absl::Span<const float> next_achieved_goal, bool success);

  int num_steps() const { return num_steps_; }
  bool succeeded() const { return succeeded_; }
  // True when the episode must end: horizon reached, or success with
  // terminate_on_success.
  bool Done() const;

  // Moves the episode into a Trajectory and resets the recorder.
  // REQUIRES: num_steps() >= 1.
  hem::v1::Trajectory Finish(uint64_t actor_id, uint64_t episode_id);

 private:
  const hem::v1::EnvSpec spec_;
  const size_t observation_bytes_;
  const int goal_dim_;
  const int action_dim_;
  const bool discrete_;

  uint64_t seed_ = 0;
  int64_t policy_version_ = -1;
  int num_steps_ = 0;
  bool succeeded_ = false;
  std::string observations_;  // Packed [T+1, obs] in the spec's dtype.
  std::vector<float> achieved_goals_;
  std::vector<float> desired_goal_;
  std::vector<float> float_actions_;
  std::vector<int32_t> discrete_actions_;
  std::string successes_;
  std::vector<uint8_t> goal_image_;
};

}  // namespace hem

#endif  // HEM_ACTOR_EPISODE_RECORDER_H_
