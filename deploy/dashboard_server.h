// The run's live dashboard, served by the supervisor: one page
// (deploy/dashboard/index.html, its script and style, and uPlot from
// deploy/dashboard/node_modules, installed by deploy/install_deps.sh) that
// polls GET /api/progress every few seconds and draws, from the progress
// rows so far, test and train success against env steps, env steps/s,
// learner samples/s and updates/s, replay size and insert/sample rates,
// weight version and staleness, and a table of every process.
//
// It listens like every other endpoint of the run (common/http_server.h):
// on the run's bind host (loopback by default), and with network.tls over
// HTTPS with the token - which a browser gives once as "?token=<token>"
// (then a cookie carries it).
//
// /api/progress?since=<seq> answers JSON:
//   {"run": {"env", "run_dir", "state", "elapsed_seconds"},
//    "columns": ["elapsed_seconds", ..., "replay_inserts_per_second", ...],
//    "rows": [[seq, v1, v2, ...], ...],   // rows after `since`, oldest first
//    "last_seq": N,
//    "processes": [{"name", "role", "index", "address", "metrics_address",
//                   "pid", "state", "restarts", "version", "ready"}, ...]}
// Unknown numbers are null. Rows are kept in memory; past kMaxRows every
// other old row is dropped, so a long run keeps its whole curve coarser.
#ifndef HEM_DEPLOY_DASHBOARD_SERVER_H_
#define HEM_DEPLOY_DASHBOARD_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/http_server.h"
#include "deploy/cluster_progress.h"

namespace hem {

struct DashboardOptions {
  int port = 0;  // 0 = any free port.
  std::string bind_host = kLoopbackHost;
  std::shared_ptr<const Credentials> credentials;  // Null = plaintext.
  // deploy/dashboard: the page, and uPlot under node_modules/uplot/dist.
  std::string static_dir;
  std::string env;      // Shown in the title.
  std::string run_dir;
};

// One row of the process table.
struct DashboardProcess {
  std::string name;  // "replay-0", "learner", ...
  std::string role;
  int index = 0;
  std::string address;          // gRPC / StatusService.
  std::string metrics_address;  // Prometheus /metrics.
  int pid = 0;                  // 0 = not running.
  std::string state;            // "starting", "running", "restarting", "stopped".
  int restarts = 0;
  double version = -1;  // Policy version it holds (learner: newest published).
  bool ready = false;
};

class Dashboard {
 public:
  static constexpr size_t kMaxRows = 10000;

  // Reads the page and uPlot from options.static_dir (NOT_FOUND naming the
  // file and the fix when uPlot is not installed) and starts serving.
  static absl::StatusOr<std::unique_ptr<Dashboard>> Start(DashboardOptions options);

  // A progress row, and the replay shards' insert and sample rates
  // (transitions/s, summed over shards) polled with it.
  void AddProgress(const ClusterProgress& progress, double replay_inserts_per_second,
                   double replay_samples_per_second) ABSL_LOCKS_EXCLUDED(mu_);
  void SetProcesses(std::vector<DashboardProcess> processes) ABSL_LOCKS_EXCLUDED(mu_);
  // "starting", "running", or why it stopped.
  void SetState(const std::string& state) ABSL_LOCKS_EXCLUDED(mu_);

  int port() const { return server_->port(); }
  // "http(s)://host:port/".
  std::string url(const std::string& host) const;

 private:
  explicit Dashboard(DashboardOptions options) : options_(std::move(options)), start_(absl::Now()) {}
  std::string ProgressJson(int64_t since) const ABSL_LOCKS_EXCLUDED(mu_);

  const DashboardOptions options_;
  const absl::Time start_;
  mutable absl::Mutex mu_;
  std::vector<std::vector<double>> rows_ ABSL_GUARDED_BY(mu_);  // seq, then columns.
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  std::vector<DashboardProcess> processes_ ABSL_GUARDED_BY(mu_);
  std::string state_ ABSL_GUARDED_BY(mu_) = "starting";
  std::unique_ptr<HttpServer> server_;  // Last: stopped first.
};

}  // namespace hem

#endif  // HEM_DEPLOY_DASHBOARD_SERVER_H_
