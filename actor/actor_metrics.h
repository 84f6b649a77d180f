// An actor's or the evaluator's /metrics page (Prometheus text,
// common/prometheus_text.h), from the loop's progress: for an actor its env
// steps, episodes, train success, policy version and lag, insert retries,
// the stepping thread's time per phase and each batched inference as a
// histogram; for the evaluator its evaluations, test success and the
// version it evaluated.
#ifndef HEM_ACTOR_ACTOR_METRICS_H_
#define HEM_ACTOR_ACTOR_METRICS_H_

#include <string>

#include "actor/actor_loop.h"
#include "common/duration_histogram.h"

namespace hem {

// Appends the page to *out: names start "hem_actor_" (training) or
// "hem_evaluator_" (`eval`).
void AppendActorMetrics(const ActorProgress& progress, const DurationHistogram& inference,
                        bool eval, std::string* out);

}  // namespace hem

#endif  // HEM_ACTOR_ACTOR_METRICS_H_
