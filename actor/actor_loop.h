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

namespace hem {

// Progress numbers, readable from other threads while the loop runs.
struct ActorProgress {
  int64_t env_steps = 0;
  int64_t episodes = 0;
  int64_t successes = 0;
  double recent_success_rate = 0;   // Over the last 100 episodes.
  int64_t policy_version = -1;      // Version acting now; -1 = random.
  double env_steps_per_second = 0;
  int64_t trajectories_acknowledged = 0;
  int64_t insert_retries = 0;
  double last_eval_success_rate = -1;  // Evaluation mode; -1 before the first.
  int64_t evaluations = 0;
};

class ActorLoop {
 public:
  explicit ActorLoop(ActorOptions options) : options_(std::move(options)) {}

  // Runs until `stop` becomes true or max_env_steps is reached. Errors only
  // for bad options (ValidateActorOptions, naming the field) or an environment
  // that cannot be created; lost shards or a restarting learner are waited out.
  absl::Status Run(const std::atomic<bool>& stop);

  ActorProgress progress() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Status RunTraining(const std::atomic<bool>& stop);
  absl::Status RunEvaluation(const std::atomic<bool>& stop);
  void Publish(const ActorProgress& progress) ABSL_LOCKS_EXCLUDED(mu_);

  const ActorOptions options_;
  mutable absl::Mutex mu_;
  ActorProgress progress_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hem

#endif  // HEM_ACTOR_ACTOR_LOOP_H_
