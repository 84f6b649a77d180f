// From a run description to the processes that make the run: for each, its
// name (as in logs/<name>.log), role, index, port, the address its
// StatusService answers on, and its command line. Backend-neutral: the local
// backend runs these command lines as they are; a Slurm backend runs the same
// ones under `srun` with each role's resources and placement (the command
// lines then name hosts through the rendezvous instead of fixed ports).
//
// Ports, from base_port: replay shard s at +s (s < 50), the learner at +50
// and its /metrics at +51, the evaluator at +99, actor a at +100+a. The
// other processes' /metrics follow the A actors: shard s's at +100+A+s, the
// evaluator's at +150+A, actor a's at +151+A+a (PlannedMetricsPorts).
//
// Hosts: a process placed on a host (its role's placement) advertises it and
// is addressed by it; the others are reached at ConnectHost. With
// network.rendezvous every process gets --rendezvous_dir and the address
// flags name processes as rdzv:<role>/<index> (common/rendezvous.h) instead.
#ifndef HEM_DEPLOY_PROCESS_PLAN_H_
#define HEM_DEPLOY_PROCESS_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/run.pb.h"

namespace hem {

// Start-up order: each group is started once the ones before it are ready;
// shutdown runs in the order kStopOrder lists.
enum class StartGroup { kReplay = 0, kLearner = 1, kActors = 2 };

struct PlannedProcess {
  std::string name;            // "replay-0", "learner", "actor-3", "evaluator".
  std::string role;            // "replay", "learner", "actor", "evaluator".
  int index = 0;               // Within the role.
  StartGroup group = StartGroup::kReplay;
  int port = 0;                // Its gRPC port (StatusService included).
  std::string status_address;  // "host:port" to poll.
  std::string metrics_address;  // "host:port" of its Prometheus /metrics.
  std::vector<std::string> argv;  // Binary path first.
  // What argv runs under (its role's placement.exec_prefix, "{host}"
  // replaced); empty = argv directly. See CommandLine.
  std::vector<std::string> exec_prefix;
  hem::v1::RestartPolicy restart;
};

// exec_prefix followed by argv: what a local backend executes.
std::vector<std::string> CommandLine(const PlannedProcess& process);

// The host placement puts process `index` on: hosts[index], the last entry
// for a larger index; "" when there is none or it is "any".
std::string PlacementHost(const hem::v1::Placement& placement, int index);

// Every distinct host the run's placements name, in role order.
std::vector<std::string> PlacementHosts(const hem::v1::RunDescription& run);

// <run_dir>/rendezvous with network.rendezvous; "" without.
std::string RendezvousDir(const hem::v1::RunDescription& run);

// The roles in the order they are stopped: actors first (they flush their
// episodes), the evaluator, the learner (final checkpoint), the shards
// (final checkpoints).
inline constexpr const char* kStopOrder[] = {"actor", "evaluator", "learner", "replay"};

// The learner's /metrics port.
int MetricsPort(int base_port);

// Every port the run uses from `base_port`, but for the /metrics ports of
// the shards, actors and evaluator: those are PlannedMetricsPorts.
std::vector<int> PlannedPorts(const hem::v1::RunDescription& run, int base_port);
std::vector<int> PlannedMetricsPorts(const hem::v1::RunDescription& run, int base_port);

// The processes of `run` (validated, run_dir absolute) with ports from
// `base_port` and binaries under `bin_dir` (replay_service/replay_server,
// learner/learner, actor/actor), in start order.
std::vector<PlannedProcess> PlanProcesses(const hem::v1::RunDescription& run, int base_port,
                                          const std::string& bin_dir);

// The host processes give each other: advertise_host, else bind_host unless
// it is a wildcard, else 127.0.0.1.
std::string ConnectHost(const hem::v1::Network& network);

// The credentials directory of a run with TLS: network.credentials_dir, or
// <run_dir>/credentials; "" without TLS.
std::string CredentialsDir(const hem::v1::RunDescription& run);

}  // namespace hem

#endif  // HEM_DEPLOY_PROCESS_PLAN_H_
