// The learner's metrics and their formats: Prometheus, CSV, status map,
// console line (see metrics.h).
#include "learner/metrics.h"

#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/prometheus_text.h"

namespace hem {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Actors silent for longer than this no longer count as live.
constexpr absl::Duration kActorTimeout = absl::Minutes(1);

std::string CsvValue(double v) {
  if (std::isnan(v)) return "";
  // 15 digits: wall_time needs sub-second precision at ~1.8e9.
  return absl::StrFormat("%.15g", v);
}

struct Column {
  const char* name;
  const char* help;
  bool counter;
  double (*get)(const MetricsSnapshot&);
};

// One table drives Prometheus, CSV and the status map, so they never disagree.
const std::vector<Column>& Columns() {
  static const auto* columns = new std::vector<Column>{
      {"wall_time", "Unix time of the snapshot in seconds.", false,
       [](const MetricsSnapshot& s) { return s.wall_time; }},
      {"updates", "M-step updates since the run began (resumes included).", true,
       [](const MetricsSnapshot& s) { return double(s.updates); }},
      {"samples", "Transitions trained on by this process.", true,
       [](const MetricsSnapshot& s) { return double(s.samples); }},
      {"env_steps", "Environment steps reported by the actors.", true,
       [](const MetricsSnapshot& s) { return double(s.env_steps); }},
      {"eval_success_rate", "Success rate of the latest evaluation.", false,
       [](const MetricsSnapshot& s) { return s.eval_success_rate; }},
      {"loss", "hEM: negative log-likelihood; HER: critic TD loss (latest batch).", false,
       [](const MetricsSnapshot& s) { return s.loss; }},
      {"version", "Newest published policy version.", false,
       [](const MetricsSnapshot& s) { return double(s.version); }},
      {"updates_per_second", "M-step updates per second (last interval).", false,
       [](const MetricsSnapshot& s) { return s.updates_per_second; }},
      {"samples_per_second", "Transitions trained on per second (last interval).",
       false, [](const MetricsSnapshot& s) { return s.samples_per_second; }},
      {"wait_fraction", "Fraction of wall time waiting for batches.", false,
       [](const MetricsSnapshot& s) { return s.wait_fraction; }},
      {"batch_latency_seconds", "Mean wait for one batch.", false,
       [](const MetricsSnapshot& s) { return s.batch_latency_ms / 1000; }},
      {"step_seconds", "Mean duration of one M-step.", false,
       [](const MetricsSnapshot& s) { return s.step_ms / 1000; }},
      {"entropy", "Mean policy entropy on the latest batch.", false,
       [](const MetricsSnapshot& s) { return s.entropy; }},
      {"sigma", "Mean global Gaussian sigma (NaN for discrete actions).", false,
       [](const MetricsSnapshot& s) { return s.sigma; }},
      {"actor_loss", "HER (DDPG): actor loss of the latest batch (NaN otherwise).", false,
       [](const MetricsSnapshot& s) { return s.actor_loss; }},
      {"mean_q", "HER: mean Q(s, a, g) of the latest batch (NaN for hEM).", false,
       [](const MetricsSnapshot& s) { return s.mean_q; }},
      {"staleness_mean", "Learner version minus the mean version behind batch data.",
       false, [](const MetricsSnapshot& s) { return s.staleness_mean; }},
      {"staleness_max", "Learner version minus the oldest version in recent batches.",
       false, [](const MetricsSnapshot& s) { return s.staleness_max; }},
      {"eval_policy_version", "Policy version of the latest evaluation.", false,
       [](const MetricsSnapshot& s) { return double(s.eval_policy_version); }},
      {"eval_reports", "Evaluation reports received.", true,
       [](const MetricsSnapshot& s) { return double(s.eval_reports); }},
      {"episodes", "Episodes reported by the actors.", true,
       [](const MetricsSnapshot& s) { return double(s.episodes); }},
      {"train_success_rate", "Mean training success rate over actors.", false,
       [](const MetricsSnapshot& s) { return s.train_success_rate; }},
      {"env_steps_per_second", "Environment steps per second over actors.", false,
       [](const MetricsSnapshot& s) { return s.env_steps_per_second; }},
      {"actors", "Actors that reported in the last minute.", false,
       [](const MetricsSnapshot& s) { return double(s.actors); }},
      {"actor_version_lag", "Learner version minus the mean version actors use.",
       false, [](const MetricsSnapshot& s) { return s.actor_version_lag; }},
      {"live_shards", "Replay shards currently streaming batches.", false,
       [](const MetricsSnapshot& s) { return double(s.live_shards); }},
      {"uptime_seconds", "Seconds since the learner started.", false,
       [](const MetricsSnapshot& s) { return s.uptime_seconds; }},
  };
  return *columns;
}

}  // namespace

LearnerMetrics::LearnerMetrics() : start_(absl::Now()) {
  absl::MutexLock lock(&mu_);
  interval_start_ = start_;
  current_.loss = current_.entropy = current_.sigma = kNaN;
  current_.actor_loss = current_.mean_q = kNaN;
  current_.eval_success_rate = current_.train_success_rate = kNaN;
}

void LearnerMetrics::RecordUpdate(int64_t batch_size, absl::Duration wait,
                                  absl::Duration step) {
  absl::MutexLock lock(&mu_);
  ++current_.updates;
  current_.samples += batch_size;
  ++interval_updates_;
  interval_samples_ += batch_size;
  interval_wait_ += wait;
  interval_step_ += step;
}

void LearnerMetrics::RecordWait(absl::Duration wait) {
  absl::MutexLock lock(&mu_);
  interval_wait_ += wait;
}

void LearnerMetrics::RecordFit(double loss, double entropy, double sigma) {
  absl::MutexLock lock(&mu_);
  current_.loss = loss;
  current_.entropy = entropy;
  current_.sigma = sigma;
}

void LearnerMetrics::RecordValueFit(double actor_loss, double mean_q) {
  absl::MutexLock lock(&mu_);
  current_.actor_loss = actor_loss;
  current_.mean_q = mean_q;
}

void LearnerMetrics::RecordStaleness(double mean, double max) {
  absl::MutexLock lock(&mu_);
  current_.staleness_mean = mean;
  current_.staleness_max = max;
}

void LearnerMetrics::SetVersion(int64_t version) {
  absl::MutexLock lock(&mu_);
  current_.version = version;
}

void LearnerMetrics::SetUpdates(int64_t updates) {
  absl::MutexLock lock(&mu_);
  current_.updates = updates;
}

void LearnerMetrics::SetLiveShards(int64_t shards) {
  absl::MutexLock lock(&mu_);
  current_.live_shards = shards;
}

void LearnerMetrics::RecordEvaluation(const hem::v1::EvaluationReport& report) {
  absl::MutexLock lock(&mu_);
  current_.eval_success_rate = report.success_rate();
  current_.eval_policy_version = report.policy_version();
  ++current_.eval_reports;
}

bool LearnerMetrics::RecordActor(const hem::v1::ActorReport& report) {
  absl::MutexLock lock(&mu_);
  if (actors_.size() >= kMaxActors && actors_.count(report.actor_id()) == 0) {
    return false;
  }
  ActorState& actor = actors_[report.actor_id()];
  if (report.env_steps() < actor.report.env_steps() ||
      report.episodes() < actor.report.episodes()) {  // A new life.
    actor.earlier_env_steps += actor.report.env_steps();
    actor.earlier_episodes += actor.report.episodes();
  }
  actor.report = report;
  actor.received = absl::Now();
  return true;
}

void LearnerMetrics::Tick() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  const double seconds = absl::ToDoubleSeconds(now - interval_start_);
  if (seconds > 0) {
    current_.updates_per_second = interval_updates_ / seconds;
    current_.samples_per_second = interval_samples_ / seconds;
    current_.wait_fraction =
        std::min(1.0, absl::ToDoubleSeconds(interval_wait_) / seconds);
  }
  if (interval_updates_ > 0) {
    current_.batch_latency_ms =
        absl::ToDoubleMilliseconds(interval_wait_) / interval_updates_;
    current_.step_ms = absl::ToDoubleMilliseconds(interval_step_) / interval_updates_;
  }
  interval_start_ = now;
  interval_updates_ = interval_samples_ = 0;
  interval_wait_ = interval_step_ = absl::ZeroDuration();
}

MetricsSnapshot LearnerMetrics::Snapshot() const {
  absl::MutexLock lock(&mu_);
  MetricsSnapshot s = current_;
  const absl::Time now = absl::Now();
  s.wall_time = absl::ToDoubleSeconds(now - absl::UnixEpoch());
  s.uptime_seconds = absl::ToDoubleSeconds(now - start_);
  // Cumulative counters sum over every actor ever heard from; rates and
  // the version lag only over live ones.
  double success_sum = 0, version_sum = 0;
  int live = 0;
  s.env_steps = s.episodes = 0;
  s.env_steps_per_second = 0;
  for (const auto& [id, actor] : actors_) {
    s.env_steps += actor.earlier_env_steps + actor.report.env_steps();
    s.episodes += actor.earlier_episodes + actor.report.episodes();
    if (now - actor.received > kActorTimeout) continue;
    ++live;
    success_sum += actor.report.train_success_rate();
    version_sum += actor.report.policy_version();
    s.env_steps_per_second += actor.report.env_steps_per_second();
  }
  s.actors = live;
  s.train_success_rate = live > 0 ? success_sum / live : kNaN;
  s.actor_version_lag = live > 0 ? s.version - version_sum / live : 0;
  return s;
}

namespace {

void WriteColumns(const MetricsSnapshot& snapshot, PrometheusWriter* text) {
  for (const Column& column : Columns()) {
    const std::string name =
        absl::StrCat("hem_learner_", column.name, column.counter ? "_total" : "");
    if (column.counter) {
      text->Counter(name, column.help, column.get(snapshot));
    } else {
      text->Gauge(name, column.help, column.get(snapshot));
    }
  }
}

}  // namespace

std::string PrometheusText(const MetricsSnapshot& snapshot) {
  PrometheusWriter text;
  WriteColumns(snapshot, &text);
  return text.Release();
}

std::string LearnerMetricsPage(const LearnerMetrics& metrics) {
  PrometheusWriter text;
  WriteColumns(metrics.Snapshot(), &text);
  const LearnerMetrics::UpdatePhases& p = metrics.phases();
  text.HistogramFamily(
      "hem_learner_update_phase_seconds",
      "Training thread time per update by phase: waiting for a batch, host-to-device copy, "
      "forward+backward, optimizer step; publish: per publication of weights.",
      "phase",
      {{"wait", &p.wait},
       {"to_device", &p.to_device},
       {"forward_backward", &p.forward_backward},
       {"optimizer", &p.optimizer},
       {"publish", &p.publish}});
  return text.Release();
}

std::string MetricsCsvHeader() {
  std::vector<std::string> names;
  for (const Column& column : Columns()) names.push_back(column.name);
  return absl::StrJoin(names, ",");
}

std::string MetricsCsvRow(const MetricsSnapshot& snapshot) {
  std::vector<std::string> values;
  for (const Column& column : Columns()) {
    values.push_back(CsvValue(column.get(snapshot)));
  }
  return absl::StrJoin(values, ",");
}

std::vector<std::pair<std::string, double>> MetricsByName(const MetricsSnapshot& snapshot) {
  std::vector<std::pair<std::string, double>> metrics;
  for (const Column& column : Columns()) metrics.emplace_back(column.name, column.get(snapshot));
  return metrics;
}

std::string MetricsConsoleLine(const MetricsSnapshot& s) {
  // The one fit figure beside the loss: HER's mean Q, else sigma or entropy.
  const bool her = !std::isnan(s.mean_q);
  const char* fit_name = her ? "mean_q" : std::isnan(s.sigma) ? "entropy" : "sigma";
  const double fit = her ? s.mean_q : std::isnan(s.sigma) ? s.entropy : s.sigma;
  return absl::StrFormat(
      "updates %d (%.1f/s) samples/s %.0f wait %.0f%% (%.2f ms/batch) step %.2f ms loss %.4f %s %.4f "
      "version %d staleness %.1f | env_steps %d (%.0f/s) actors %d "
      "train_success %.3f eval_success %.3f (v%d) shards %d",
      s.updates, s.updates_per_second, s.samples_per_second, 100 * s.wait_fraction,
      s.batch_latency_ms, s.step_ms,
      s.loss, fit_name, fit, s.version, s.staleness_mean,
      s.env_steps, s.env_steps_per_second, s.actors, s.train_success_rate,
      s.eval_success_rate, s.eval_policy_version, s.live_shards);
}

}  // namespace hem
