// When a training run is over: the launcher's stop rules (target test
// success, held for some evaluations; step budget; time limit), judged on
// the polled ClusterProgress samples one after another.
#ifndef HEM_DEPLOY_STOP_RULES_H_
#define HEM_DEPLOY_STOP_RULES_H_

#include <string>

#include "deploy/cluster_progress.h"

namespace hem {

struct StopRules {
  // Stop once the evaluator's test success rate reaches this; above 1 = never.
  double target_success = 2;
  // After the target is first reached, this many more evaluations (new
  // eval_versions) before stopping, so a run shows whether it holds; 0 =
  // stop at once.
  int settle_evaluations = 0;
  // Stop once all actors together took this many env steps; 0 = no budget.
  double max_env_steps = 0;
  // Stop once elapsed_seconds reaches this; 0 = no limit.
  double time_limit_seconds = 0;
};

// Sees a run's progress samples in order and says when to stop. Not
// thread-safe: the supervisor's monitor loop owns it.
class StopJudge {
 public:
  explicit StopJudge(const StopRules& rules) : rules_(rules) {}

  // Why the run should stop now ("test success 0.9600 >= target 0.95";
  // with settle_evaluations, "test success >= target 0.9 since 120s, then
  // 10 evaluations in [0.8800, 0.9700]"; "step budget 100000 reached";
  // "time limit 900s reached"), checked in that order; "" while it should
  // go on.
  std::string Judge(const ClusterProgress& progress);

 private:
  const StopRules rules_;
  bool reached_ = false;          // The target was reached at some sample.
  double reached_seconds_ = 0;    // elapsed_seconds when it first was.
  double last_version_ = -1;      // eval_version of the last evaluation counted.
  int settled_ = 0;               // Evaluations counted since.
  double low_ = 2, high_ = -1;    // Their range.
};

// One sample judged on its own (no settling): StopJudge(rules).Judge(p).
std::string StopReason(const StopRules& rules, const ClusterProgress& progress);

}  // namespace hem

#endif  // HEM_DEPLOY_STOP_RULES_H_
