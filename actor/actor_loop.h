// An actor process's main loop: M environment instances stepped together with
// batched policy inference, exploration noise, whole episodes streamed to the
// replay shards, and new weights picked up between steps without stalling.
// In evaluation mode the same loop runs the deterministic policy on fresh
// goals and reports test success rates to the learner.
#ifndef HEM_ACTOR_ACTOR_LOOP_H_
#define HEM_ACTOR_ACTOR_LOOP_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "actor/actor_options.h"
#include "common/duration_histogram.h"
#include "learner/policy.h"

namespace hem {

class VectorEnv;

// The policy's view of the envs' current observations and goals (no copy:
// it points into `envs`, valid until the next Step or Reset).
PolicyInputs InputsFrom(const VectorEnv& envs);

// Where the training loop's time went since Run began: seconds of wall time
// on the stepping thread, from a steady-clock read between phases (a few per
// M env steps). Serialising and sending episodes happen on the replay
// writer's threads, and loading new weights on PolicyRefresher's, so neither
// is in here.
struct ActorPhaseSeconds {
  double policy_swap = 0;  // Taking up newly loaded weights (a pointer swap).
  double inference = 0;    // Policy::Act: the forward pass and sampling from pi.
  double noise = 0;        // Exploration noise (random actions before a policy).
  double env_step = 0;     // VectorEnv::Step, and resets of finished instances.
  double recording = 0;    // EpisodeRecorder: Append every step, Finish per episode.
  double insert = 0;       // ShardedReplayWriter::Insert (waits when shards lag).
  double other = 0;        // The loop's own bookkeeping and progress reports.
};

// Progress numbers, readable from other threads while the loop runs.
struct ActorProgress {
  int64_t env_steps = 0;
  int64_t episodes = 0;
  int64_t successes = 0;
  double recent_success_rate = 0;   // Over the last 100 episodes.
  int64_t policy_version = -1;      // Version acting now; -1 = random.
  int64_t newest_version = -1;      // Newest version received from the learner.
  double env_steps_per_second = 0;
  int64_t trajectories_acknowledged = 0;
  int64_t insert_retries = 0;
  double last_eval_success_rate = -1;  // Evaluation mode; -1 before the first.
  int64_t evaluations = 0;
  ActorPhaseSeconds phases;  // Training mode.
};

class ActorLoop {
 public:
  explicit ActorLoop(ActorOptions options) : options_(std::move(options)) {}

  // Runs until `stop` becomes true or max_env_steps is reached. Errors only
  // for bad options (ValidateActorOptions, naming the field) or an environment
  // that cannot be created; lost shards or a restarting learner are waited out.
  absl::Status Run(const std::atomic<bool>& stop);

  ActorProgress progress() const ABSL_LOCKS_EXCLUDED(mu_);
  // Time of each batched policy inference (one per step of the M
  // instances), recorded without a lock; readable while the loop runs.
  const DurationHistogram& inference_seconds() const { return inference_; }

 private:
  absl::Status RunTraining(const std::atomic<bool>& stop);
  absl::Status RunEvaluation(const std::atomic<bool>& stop);
  void Publish(const ActorProgress& progress) ABSL_LOCKS_EXCLUDED(mu_);

  const ActorOptions options_;
  mutable absl::Mutex mu_;
  ActorProgress progress_ ABSL_GUARDED_BY(mu_);
  DurationHistogram inference_;
};

}  // namespace hem

#endif  // HEM_ACTOR_ACTOR_LOOP_H_
