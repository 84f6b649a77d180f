// A hem cluster's progress as one row of named numbers, polled from every
// process's StatusService, and the one definition of progress.csv: its
// columns (name, format, meaning) are listed here and nowhere else, and
// scripts read them by name (deploy/csv.sh).
#ifndef HEM_DEPLOY_CLUSTER_PROGRESS_H_
#define HEM_DEPLOY_CLUSTER_PROGRESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/net_config.h"
#include "deploy/lifetime_counters.h"
#include "proto/process_status.grpc.pb.h"

namespace hem {

// One process to poll.
struct ClusterTarget {
  std::string role;     // replay, learner, actor or evaluator.
  std::string address;  // host:port of its StatusService.
  std::unique_ptr<hem::v1::StatusService::Stub> stub;
  // Its cumulative counters across restarts: the cluster's env steps,
  // episodes and updates never go backwards when a process restarts.
  LifetimeCounters counters;
  // What the last poll got (the dashboard's process table): whether it
  // answered, and its answer then (kept from earlier polls otherwise).
  bool answered = false;
  hem::v1::ProcessStatus last_status;
};

// Parses "role=host:port,...". An address may be "rdzv:<role>/<index>",
// resolved through net.rendezvous_dir (waiting up to net.rendezvous_timeout);
// stubs use TLS and the token when net has credentials. Errors name
// --targets (or "net.credentials_dir").
absl::StatusOr<std::vector<ClusterTarget>> ParseTargets(absl::string_view list,
                                                        const NetConfig& net = NetConfig());

// What the launcher reports, summed or picked over the processes. Every
// double is a progress.csv column (see ProgressColumns).
struct ClusterProgress {
  double elapsed_seconds = 0;       // Since the run started (set by the caller).
  double env_steps = 0;             // All actors.
  double env_steps_per_second = 0;  // All actors.
  double episodes = 0;              // All actors.
  double train_success_rate = 0;    // Mean over actors, with exploration noise.
  double eval_success_rate = -1;    // The evaluator's last measure; -1 before it.
  double eval_version = -1;         // Policy version it measured.
  double learner_updates = 0;
  double updates_per_second = 0;
  double samples_per_second = 0;
  double version = -1;              // Newest published policy version.
  double staleness = 0;             // Mean policy lag of sampled transitions.
  double loss = 0;
  double replay_transitions = 0;    // All shards.
  double restarts = 0;              // Processes restarted so far (set by the supervisor).

  int reachable = 0;
  int ready = 0;
  std::vector<std::string> unreachable;  // "role@address".
};

// Asks every target for its status (2 s deadline each). Cumulative numbers
// (env steps, episodes, learner updates) go through each target's
// LifetimeCounters.
ClusterProgress PollCluster(std::vector<ClusterTarget>& targets);

// A progress.csv column: its header name, its precision, and the field.
struct ProgressColumn {
  const char* name;
  int decimals;  // Digits after the point, in the CSV and in summary.json.
  double ClusterProgress::*value;
};
absl::Span<const ProgressColumn> ProgressColumns();

std::string ProgressCsvHeader();  // "elapsed_seconds,env_steps,...", no newline.
std::string ProgressCsvRow(const ClusterProgress& progress);

// Appends a row to `path`, writing the header first into an empty or new
// file. FAILED_PRECONDITION when the file's header is not ProgressCsvHeader()
// (a run directory from another version): rows must match their header.
absl::Status AppendProgressCsv(const std::string& path, const ClusterProgress& progress);

// Every value of column `name` in a progress CSV, top to bottom. NOT_FOUND
// for a missing file or column.
absl::StatusOr<std::vector<double>> ReadCsvColumn(const std::string& path,
                                                  absl::string_view name);

// The line people watch during a run.
std::string ProgressLine(const ClusterProgress& progress);

}  // namespace hem

#endif  // HEM_DEPLOY_CLUSTER_PROGRESS_H_
