// prometheus.yml for a run: the supervisor writes <run_dir>/prometheus.yml
// at start, so that
//   prometheus --config.file=<run_dir>/prometheus.yml --storage.tsdb.path=/tmp/hem-prom
// watches the live run. One scrape job, "hem", with one static target per
// process (its metrics_address) labelled role, index and process (the
// process's name), the labels that tell the processes' samples apart
// (common/prometheus_text.h). With network.tls it scrapes over HTTPS,
// verifying the run's CA under the node certificate's name (hem-node), and
// sends the run's token from its file.
#ifndef HEM_DEPLOY_PROMETHEUS_CONFIG_H_
#define HEM_DEPLOY_PROMETHEUS_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "deploy/process_plan.h"
#include "proto/run.pb.h"

namespace hem {

// The file every run directory holds.
inline constexpr char kPrometheusConfigFile[] = "prometheus.yml";

// The configuration's text for `run` and its planned processes; scrapes
// every max(1 s, 2 x sample_seconds).
std::string PrometheusConfig(const hem::v1::RunDescription& run,
                             const std::vector<PlannedProcess>& processes);

// Writes it to <run_dir>/prometheus.yml atomically.
absl::Status WritePrometheusConfig(const hem::v1::RunDescription& run,
                                   const std::vector<PlannedProcess>& processes);

}  // namespace hem

#endif  // HEM_DEPLOY_PROMETHEUS_CONFIG_H_
