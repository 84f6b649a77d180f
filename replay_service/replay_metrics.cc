// A replay shard's Prometheus page (see replay_metrics.h).
#include "replay_service/replay_metrics.h"

#include <sys/stat.h>

#include <cmath>
#include <limits>

#include "absl/time/clock.h"
#include "common/prometheus_text.h"

namespace hem {
namespace {

// Seconds since `path` was written; NaN when there is none.
double AgeSeconds(const std::string& path) {
  struct stat info;
  if (path.empty() || stat(path.c_str(), &info) != 0) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return absl::ToDoubleSeconds(absl::Now() - absl::FromTimeT(info.st_mtime));
}

}  // namespace

void AppendReplayMetrics(const ReplayMetricsInputs& in, std::string* out) {
  const hem::v1::ReplayStats& s = in.stats;
  PrometheusWriter text;
  text.Gauge("hem_replay_transitions", "Transitions stored.", s.transitions());
  text.Gauge("hem_replay_episodes", "Episodes stored.", s.episodes());
  text.Gauge("hem_replay_bytes", "Bytes held by stored episodes.", s.bytes());
  text.Gauge("hem_replay_capacity_transitions", "Transitions kept per spec before eviction.",
             s.capacity_transitions());
  text.Counter("hem_replay_inserted_transitions_total",
               "Transitions inserted (restored ones included).", s.inserted_transitions());
  text.Counter("hem_replay_inserted_episodes_total",
               "Episodes inserted (restored ones included).", s.inserted_episodes());
  text.Counter("hem_replay_sampled_transitions_total", "Transitions sampled by learners.",
               s.sampled_transitions());
  text.Counter("hem_replay_relabeled_transitions_total",
               "Sampled transitions whose goal was relabeled (the E-step).",
               s.relabeled_transitions());
  text.Counter("hem_replay_evicted_episodes_total", "Episodes evicted (oldest first).",
               s.evicted_episodes());
  text.CounterFamily("hem_replay_rejected_trajectories_total",
                     "Trajectories not stored, by reason: invalid (bad or undeclared spec), "
                     "duplicate (an episode already held, acknowledged again).",
                     "reason",
                     {{"invalid", static_cast<double>(s.rejected_trajectories())},
                      {"duplicate", static_cast<double>(in.duplicate_trajectories)}});
  text.CounterFamily("hem_replay_rate_limiter_waits_total",
                     "Calls the rate limiter made wait, by side (insert: actors ran ahead; "
                     "sample: the learner did).",
                     "side",
                     {{"insert", static_cast<double>(s.rate_limiter_insert_waits())},
                      {"sample", static_cast<double>(s.rate_limiter_sample_waits())}});
  text.Gauge("hem_replay_open_streams", "Insert and Sample streams open.", in.open_streams);
  text.Counter("hem_replay_checkpoints_written_total", "Checkpoints written.",
               s.checkpoints_written());
  text.Gauge("hem_replay_checkpoint_age_seconds",
             "Seconds since the newest checkpoint was written (NaN before the first).",
             AgeSeconds(s.last_checkpoint()));
  if (in.log != nullptr) {
    text.Counter("hem_replay_log_records_total", "Records appended to the episode log.",
                 in.log->records);
    text.Counter("hem_replay_log_bytes_total", "Bytes appended to the episode log.",
                 in.log->bytes);
    text.Counter("hem_replay_log_syncs_total",
                 "Group commits (fdatasync) of the episode log.", in.log->syncs);
    text.Gauge("hem_replay_log_segment", "The episode log segment being appended to.",
               in.log->segment);
  }
  out->append(text.Release());
}

}  // namespace hem
