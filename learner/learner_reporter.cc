// Console, metrics.csv and StatusService reports (see learner_reporter.h).
#include "learner/learner_reporter.h"

#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/time/clock.h"
#include "common/logging.h"

namespace hem {

LearnerReporter::LearnerReporter(LearnerMetrics* metrics, const BatchSource* source,
                                 std::string run_dir, absl::Duration interval,
                                 std::map<std::string, std::string> labels)
    : metrics_(metrics),
      source_(source),
      csv_path_(run_dir.empty()
                    ? std::string()
                    : (std::filesystem::path(run_dir) / "metrics.csv").string()),
      labels_(std::move(labels)),
      periodic_(interval, [this] { WriteReport(); }, "learner-report") {}

void LearnerReporter::Start() { periodic_.Start(); }

void LearnerReporter::Stop() { periodic_.Stop(); }

void LearnerReporter::WriteReport() {
  absl::MutexLock lock(&csv_mu_);
  metrics_->SetLiveShards(source_->live_shards());
  const absl::Time now = absl::Now();
  if (now - last_tick_ >= kMinInterval) {
    metrics_->Tick();
    last_tick_ = now;
  }
  const MetricsSnapshot snapshot = metrics_->Snapshot();
  HEM_LOG(INFO) << MetricsConsoleLine(snapshot);
  if (csv_path_.empty()) return;
  std::error_code error;
  const bool fresh = !std::filesystem::exists(csv_path_, error) ||
                     std::filesystem::file_size(csv_path_, error) == 0;
  std::ofstream csv(csv_path_, std::ios::app);
  if (!csv) {
    HEM_LOG(WARNING) << "cannot append to " << csv_path_;
    return;
  }
  if (fresh) csv << MetricsCsvHeader() << "\n";
  csv << MetricsCsvRow(snapshot) << "\n";
}

void LearnerReporter::FillStatus(hem::v1::ProcessStatus* status) const {
  for (auto& [name, value] : MetricsByName(metrics_->Snapshot())) {
    (*status->mutable_metrics())[name] = value;
  }
  for (const auto& [key, value] : labels_) (*status->mutable_labels())[key] = value;
}

}  // namespace hem
