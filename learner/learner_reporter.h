// Reports the learner's progress: every `interval` (on its own thread, via
// PeriodicClosure) one console line and, with a run_dir, one row appended to
// <run_dir>/metrics.csv (the header written once, when the file is new); and,
// on every StatusService call, the headline metrics and the learner's labels.
// Torch-free.
#ifndef HEM_LEARNER_LEARNER_REPORTER_H_
#define HEM_LEARNER_LEARNER_REPORTER_H_

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/periodic_closure.h"
#include "learner/batch_source.h"
#include "learner/metrics.h"
#include "proto/process_status.pb.h"

namespace hem {

class LearnerReporter {
 public:
  // `metrics` and `source` (asked for its live shards) must outlive this
  // object. `labels` go into every ProcessStatus (env, device, ...).
  LearnerReporter(LearnerMetrics* metrics, const BatchSource* source, std::string run_dir,
                  absl::Duration interval, std::map<std::string, std::string> labels);

  // Starts / stops the periodic reports. Stop is idempotent.
  void Start();
  void Stop();

  // Closes the metrics' rate interval and writes one report now (thread-safe;
  // Run's last report after training ends). A report within kMinInterval of
  // the previous one keeps the interval open and reports its rates again:
  // rates over a millisecond would miss a wait still in progress.
  void WriteReport() ABSL_LOCKS_EXCLUDED(csv_mu_);

  // A ProcessStatusService::Reporter (thread-safe).
  void FillStatus(hem::v1::ProcessStatus* status) const;

 private:
  LearnerMetrics* const metrics_;
  const BatchSource* const source_;
  const std::string csv_path_;  // "" without a run_dir.
  const std::map<std::string, std::string> labels_;
  static constexpr absl::Duration kMinInterval = absl::Milliseconds(50);
  absl::Mutex csv_mu_;  // One writer of metrics.csv at a time.
  absl::Time last_tick_ ABSL_GUARDED_BY(csv_mu_) = absl::InfinitePast();
  PeriodicClosure periodic_;
};

}  // namespace hem

#endif  // HEM_LEARNER_LEARNER_REPORTER_H_
