// Keeps an actor's policy at the newest weights the learner published
// without ever loading them on the stepping thread. A background thread
// waits for each new version and loads it into a spare Policy
// (deserialisation and, for MLP policies, the lean path's unpacking: about a
// millisecond for the default network, at the learner's ~20 versions/s); the
// stepping thread swaps the loaded policy in between steps - a mutex and two
// pointer moves - and hands the one it replaced back to be reloaded next.
//
// Invariant: the stepping thread's policy is never touched by the loader,
// and the loader never destroys or loads a policy the stepping thread holds.
#ifndef HEM_ACTOR_POLICY_REFRESHER_H_
#define HEM_ACTOR_POLICY_REFRESHER_H_

#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "learner/parameter_client.h"
#include "learner/policy.h"

namespace hem {

class PolicyRefresher {
 public:
  // Starts the loader thread. `subscriber` must outlive this object.
  // Policies are built with Policy::FromWeights(weights, engine).
  PolicyRefresher(ParameterSubscriber* subscriber, InferenceEngine engine);
  // Stops and joins the loader thread.
  ~PolicyRefresher();

  PolicyRefresher(const PolicyRefresher&) = delete;
  PolicyRefresher& operator=(const PolicyRefresher&) = delete;

  // If a policy with newer weights than *policy is loaded, moves it into
  // *policy (the old one goes back to the loader) and returns true. Cheap
  // enough to call before every step.
  bool Swap(std::unique_ptr<Policy>* policy) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run() ABSL_LOCKS_EXCLUDED(mu_);

  ParameterSubscriber* const subscriber_;
  const InferenceEngine engine_;
  absl::Mutex mu_;
  // Loaded with the newest version seen, not yet swapped in.
  std::unique_ptr<Policy> ready_ ABSL_GUARDED_BY(mu_);
  // Policies Swap replaced (and stale ready ones): reloaded or destroyed on
  // the loader thread, never on the stepping one.
  std::vector<std::unique_ptr<Policy>> returned_ ABSL_GUARDED_BY(mu_);
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace hem

#endif  // HEM_ACTOR_POLICY_REFRESHER_H_
