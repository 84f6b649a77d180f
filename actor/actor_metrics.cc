// An actor's or the evaluator's Prometheus page (see actor_metrics.h).
#include "actor/actor_metrics.h"

#include <cmath>
#include <limits>

#include "common/prometheus_text.h"

namespace hem {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void Evaluator(const ActorProgress& p, PrometheusWriter* text) {
  text->Counter("hem_evaluator_evaluations_total", "Evaluations finished.", p.evaluations);
  text->Gauge("hem_evaluator_test_success_rate",
              "Success rate of the latest evaluation (deterministic policy, fresh goals; "
              "NaN before the first).",
              p.evaluations > 0 ? p.last_eval_success_rate : kNaN);
  text->Gauge("hem_evaluator_policy_version", "Policy version of the latest evaluation.",
              p.policy_version);
  text->Counter("hem_evaluator_env_steps_total", "Environment steps spent evaluating.",
                p.env_steps);
  text->Counter("hem_evaluator_episodes_total", "Episodes evaluated.", p.episodes);
  text->Counter("hem_evaluator_successes_total", "Evaluated episodes that succeeded.",
                p.successes);
}

}  // namespace

void AppendActorMetrics(const ActorProgress& p, const DurationHistogram& inference, bool eval,
                        std::string* out) {
  PrometheusWriter text;
  if (eval) {
    Evaluator(p, &text);
    out->append(text.Release());
    return;
  }
  text.Counter("hem_actor_env_steps_total", "Environment steps taken.", p.env_steps);
  text.Counter("hem_actor_episodes_total", "Episodes finished and handed to replay.",
               p.episodes);
  text.Counter("hem_actor_successes_total", "Finished episodes that reached their goal.",
               p.successes);
  text.Gauge("hem_actor_train_success_rate",
             "Success rate over the last 100 episodes (with exploration noise).",
             p.recent_success_rate);
  text.Gauge("hem_actor_env_steps_per_second", "Environment steps per second (last report).",
             p.env_steps_per_second);
  text.Gauge("hem_actor_policy_version", "Policy version acting now (-1: random actions).",
             p.policy_version);
  text.Gauge("hem_actor_policy_lag",
             "Newest version received from the learner minus the version acting.",
             p.newest_version >= 0 && p.policy_version >= 0
                 ? static_cast<double>(p.newest_version - p.policy_version)
                 : 0.0);
  text.Counter("hem_actor_trajectories_acknowledged_total",
               "Episodes the replay shards acknowledged.", p.trajectories_acknowledged);
  text.Counter("hem_actor_insert_retries_total",
               "Insert attempts that timed out or failed and were retried.", p.insert_retries);
  const ActorPhaseSeconds& s = p.phases;
  text.CounterFamily("hem_actor_phase_seconds_total",
                     "Stepping thread's wall time by phase since start.", "phase",
                     {{"policy_swap", s.policy_swap},
                      {"inference", s.inference},
                      {"noise", s.noise},
                      {"env_step", s.env_step},
                      {"recording", s.recording},
                      {"insert", s.insert},
                      {"other", s.other}});
  text.Histogram("hem_actor_inference_seconds",
                 "Batched policy inference, one per step of all the actor's instances.",
                 inference);
  out->append(text.Release());
}

}  // namespace hem
