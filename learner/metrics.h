// The learner's numbers: training throughput and fit (recorded by the
// training thread), and the cluster's progress (reported by actors and the
// evaluator through the ParameterService). One snapshot feeds the Prometheus
// /metrics page, the CSV log, the console line and the StatusService.
//
// Rates (updates/s, samples/s, wait fraction, batch latency) are computed over
// the interval between two Tick() calls, so they describe the last few seconds
// rather than the whole run. Recording is a short critical section; all
// formatting happens on the reporting thread.
#ifndef HEM_LEARNER_METRICS_H_
#define HEM_LEARNER_METRICS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/duration_histogram.h"
#include "proto/policy.pb.h"

namespace hem {

struct MetricsSnapshot {
  double wall_time = 0;       // Unix seconds.
  double uptime_seconds = 0;
  // Training (cumulative).
  int64_t updates = 0;
  int64_t samples = 0;        // Transitions trained on.
  int64_t version = -1;       // Newest published policy version.
  // Training (over the last Tick interval).
  double updates_per_second = 0;
  double samples_per_second = 0;
  double wait_fraction = 0;        // Share of wall time spent waiting for batches.
  double batch_latency_ms = 0;     // Mean wait per batch.
  double step_ms = 0;              // Mean M-step time per batch.
  // Fit (last recorded values; NaN until recorded).
  double loss = 0;
  double entropy = 0;
  double sigma = 0;                // Mean global sigma; NaN for discrete tasks.
  // HER only (NaN for hEM): DDPG's actor loss, and the mean Q(s, a, g) of
  // the latest batch. `loss` is then the critic's TD loss.
  double actor_loss = 0;
  double mean_q = 0;
  // Staleness of the data: learner version minus the versions that produced
  // the transitions of recent batches.
  double staleness_mean = 0;
  double staleness_max = 0;
  // Cluster progress (from reports; NaN/0 until reported).
  double eval_success_rate = 0;    // NaN until the first evaluation.
  int64_t eval_policy_version = -1;
  int64_t eval_reports = 0;
  int64_t env_steps = 0;           // Sum of actors' cumulative env steps.
  int64_t episodes = 0;            // Sum of actors' cumulative episodes.
  double train_success_rate = 0;   // Mean over actors; NaN until reported.
  double env_steps_per_second = 0; // Sum over actors.
  int64_t actors = 0;              // Actors that reported in the last minute.
  double actor_version_lag = 0;    // version - mean version the actors use.
  int64_t live_shards = 0;         // Replay shards streaming (from the sampler).
};

class LearnerMetrics {
 public:
  LearnerMetrics();

  // Training thread, once per M-step.
  void RecordUpdate(int64_t batch_size, absl::Duration wait, absl::Duration step)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Time the training thread waited for data without getting a batch.
  void RecordWait(absl::Duration wait) ABSL_LOCKS_EXCLUDED(mu_);
  void RecordFit(double loss, double entropy, double sigma) ABSL_LOCKS_EXCLUDED(mu_);
  // HER's value fit (NaN for what an algorithm does not have).
  void RecordValueFit(double actor_loss, double mean_q) ABSL_LOCKS_EXCLUDED(mu_);
  void RecordStaleness(double mean, double max) ABSL_LOCKS_EXCLUDED(mu_);
  void SetVersion(int64_t version) ABSL_LOCKS_EXCLUDED(mu_);
  void SetUpdates(int64_t updates) ABSL_LOCKS_EXCLUDED(mu_);  // After --resume.
  void SetLiveShards(int64_t shards) ABSL_LOCKS_EXCLUDED(mu_);

  // ParameterService threads.
  void RecordEvaluation(const hem::v1::EvaluationReport& report)
      ABSL_LOCKS_EXCLUDED(mu_);
  // False (nothing recorded) for an actor id beyond the kMaxActors first
  // ones: every id is remembered for the learner's life (its cumulative
  // counts), so their number is bounded.
  bool RecordActor(const hem::v1::ActorReport& report) ABSL_LOCKS_EXCLUDED(mu_);
  static constexpr size_t kMaxActors = 1 << 16;

  // Closes the current rate interval (call every few seconds).
  void Tick() ABSL_LOCKS_EXCLUDED(mu_);

  // Where the training thread's time goes, one observation per update
  // (publish: per publication), recorded without a lock. Host wall time:
  // on a GPU, copy, forward+backward and optimizer time what it takes to
  // queue the work unless something waits for the device.
  struct UpdatePhases {
    DurationHistogram wait;              // For a decoded batch (since the last update).
    DurationHistogram to_device;         // Host-to-device copy of the batch.
    DurationHistogram forward_backward;  // The update minus its optimizer step.
    DurationHistogram optimizer;         // Optimizer step(s) (0 where not measured).
    DurationHistogram publish;           // Snapshotting weights for the actors.
  };
  UpdatePhases& phases() { return phases_; }
  const UpdatePhases& phases() const { return phases_; }

  MetricsSnapshot Snapshot() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct ActorState {
    hem::v1::ActorReport report;
    absl::Time received;
    // What the actor's earlier lives counted: a restarted actor reports
    // from zero again under the same actor_id, and the sums must not drop.
    int64_t earlier_env_steps = 0;
    int64_t earlier_episodes = 0;
  };

  mutable absl::Mutex mu_;
  const absl::Time start_;
  MetricsSnapshot current_ ABSL_GUARDED_BY(mu_);
  // Interval accumulators since the last Tick.
  absl::Time interval_start_ ABSL_GUARDED_BY(mu_);
  int64_t interval_updates_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t interval_samples_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration interval_wait_ ABSL_GUARDED_BY(mu_);
  absl::Duration interval_step_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, ActorState> actors_ ABSL_GUARDED_BY(mu_);
  UpdatePhases phases_;
};

// Prometheus text exposition format (version 0.0.4), metric names prefixed
// "hem_learner_". NaN values are written as NaN (valid in the format).
std::string PrometheusText(const MetricsSnapshot& snapshot);

// The learner's /metrics page: PrometheusText of a snapshot now, then the
// update phases as one histogram family, hem_learner_update_phase_seconds
// with a label `phase` (wait, to_device, forward_backward, optimizer, publish).
std::string LearnerMetricsPage(const LearnerMetrics& metrics);

// CSV: the header line, and one row per snapshot (same column order).
// Columns start wall_time,updates,samples,env_steps,eval_success_rate,loss,version.
std::string MetricsCsvHeader();
std::string MetricsCsvRow(const MetricsSnapshot& snapshot);

// Every metric as (name, value), in CSV column order: the StatusService's
// metrics map (deploy/cluster_status reads them by name).
std::vector<std::pair<std::string, double>> MetricsByName(const MetricsSnapshot& snapshot);

// One human-readable summary line.
std::string MetricsConsoleLine(const MetricsSnapshot& snapshot);

}  // namespace hem

#endif  // HEM_LEARNER_METRICS_H_
