// The local backend's supervisor: runs a whole training run described by a
// RunDescription on this machine and keeps it running.
//
//  1. Starts the replay shards, then the learner, then the actors and the
//     evaluator (fork/exec, each with logs/<name>.log, fixed ports chosen at
//     start and written to <run_dir>/processes.tsv), waiting for each group
//     to be ready. A process that exits during start-up fails the launch at
//     once, with the tail of its log.
//  2. Polls every process's StatusService each sample_seconds into
//     progress.csv (counters carried across restarts, cluster_progress.h),
//     prints a line each progress_seconds, and applies the stop rules.
//  3. Restarts a process that dies, after a backoff, within its role's
//     restart policy (restart_policy.h): the learner resumes from its newest
//     checkpoint (--resume; versions keep increasing), a shard from its own,
//     an actor with fresh episode ids. Every restart is printed, logged
//     (logs/supervisor.log and the process's log) and counted (progress.csv
//     `restarts`, summary.json `restarts` per role). When a role exceeds its
//     limit the run fails, naming the role, the exit and the last log lines.
//  Meanwhile it serves the run's live dashboard (dashboard_server.h) and
//  writes <run_dir>/prometheus.yml (prometheus_config.h), which a
//  Prometheus can scrape every process with.
//  4. Stops in order on a stop rule, SIGINT/SIGTERM or failure: actors
//     (they flush), evaluator, learner (final checkpoint), shards (final
//     checkpoints); SIGKILL for what is still there after stop_timeout.
//     Writes summary.json (polled before stopping) and success.png.
//
// Other backends reuse all of this but the fork/exec. The Slurm backend
// (options.slurm set) runs the supervisor inside the allocation (sbatch runs
// `supervisor --run=...` as the batch step, or it runs directly when
// SLURM_JOB_ID is set) and starts each PlannedProcess under
// SlurmStepPrefix (slurm_steps.h):
//   srun --jobid=<job> --nodes=1 --ntasks=1 --cpus-per-task=<cpus> --overlap
//        --job-name=<name> [--gres=<gres>] [--nodelist=<node>] ... <argv...>
// which is itself a local child: a step that dies is an srun that exits, so
// readiness, restarts (RoleRestarts), progress and the orderly stop are
// unchanged, but for how a step is asked to stop: its tasks get SIGTERM
// through `scancel --signal=TERM <job>.<step>` (SIGTERM to srun would
// SIGKILL them). Addresses come from the rendezvous (network.rendezvous:
// --rendezvous_dir=<run_dir>/rendezvous and rdzv:<role>/<index> in the
// plan's address flags), and sbatch --signal=B:TERM@<grace> makes Slurm's
// time limit an orderly stop with final checkpoints.
#ifndef HEM_DEPLOY_SUPERVISOR_H_
#define HEM_DEPLOY_SUPERVISOR_H_

#include <atomic>
#include <string>

#include "absl/time/time.h"
#include "deploy/slurm_steps.h"
#include "proto/run.pb.h"

namespace hem {

struct SupervisorOptions {
  // Where replay_service/replay_server, learner/learner and actor/actor are.
  std::string bin_dir;
  // deploy/plot_run.sh; "" = no success.png.
  std::string plot_script;
  // deploy/make_credentials.sh, run for network.tls when the credentials
  // directory has no token yet.
  std::string credentials_script;
  absl::Duration replay_ready_timeout = absl::Seconds(60);
  absl::Duration learner_ready_timeout = absl::Seconds(120);
  absl::Duration actors_ready_timeout = absl::Seconds(60);
  // Per group at shutdown: SIGTERM, then SIGKILL after this long.
  absl::Duration stop_timeout = absl::Seconds(20);
  // The live dashboard (dashboard_server.h) on the run's bind host: its
  // port (0 = any free one, -1 = none) and deploy/dashboard ("" = none).
  int dashboard_port = 0;
  std::string dashboard_dir;
  // The Slurm backend (slurm_steps.h): the job whose steps the processes
  // run as, `run` placed on its nodes (PlaceOnSlurmNodes). job_id "" = the
  // local backend.
  SlurmAllocation slurm;
};

// Exit codes of Supervise (and of deploy/supervisor, deploy/launch.sh).
inline constexpr int kRunStopped = 0;      // A stop rule fired.
inline constexpr int kRunFailed = 1;       // Start-up failed or a restart limit was hit.
inline constexpr int kRunInterrupted = 130;

// Runs `run` (validated, run_dir absolute and existing) until a stop rule
// fires, `stop` becomes true (main passes ShutdownSignal()) or it fails.
// REQUIRES: called on the main thread (children are tied to it).
int Supervise(const hem::v1::RunDescription& run, const SupervisorOptions& options,
              const std::atomic<bool>& stop);

}  // namespace hem

#endif  // HEM_DEPLOY_SUPERVISOR_H_
