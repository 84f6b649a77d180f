// When a training run is over: the launcher's stop rules (target test
// success, step budget, time limit), judged on one polled ClusterProgress.
#ifndef HEM_DEPLOY_STOP_RULES_H_
#define HEM_DEPLOY_STOP_RULES_H_

#include <string>

#include "deploy/cluster_progress.h"

namespace hem {

struct StopRules {
  // Stop once the evaluator's test success rate reaches this; above 1 = never.
  double target_success = 2;
  // Stop once all actors together took this many env steps; 0 = no budget.
  double max_env_steps = 0;
  // Stop once elapsed_seconds reaches this; 0 = no limit.
  double time_limit_seconds = 0;
};

// Why the run should stop now ("test success 0.9600 >= target 0.95", "step
// budget 100000 reached", "time limit 900s reached"), checked in that order;
// "" while it should go on.
std::string StopReason(const StopRules& rules, const ClusterProgress& progress);

}  // namespace hem

#endif  // HEM_DEPLOY_STOP_RULES_H_
