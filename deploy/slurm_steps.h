// The Slurm backend's pieces (docs/CLUSTER.md, "Slurm"). A run is one Slurm
// job: from a login node deploy/launch.sh submits it (SbatchCommand), its
// batch step execs the supervisor, and the supervisor starts each planned
// process as a job step of that job, i.e. as a local `srun` child
// (SlurmStepPrefix), so readiness, restarts, progress and the stop work as on
// the local backend: a step that dies is an srun that exits.
//
// Where processes run: PlaceOnSlurmNodes fills each role's placement with
// the allocation's nodes; the plan (process_plan.h) then makes every process
// advertise its node's name, and processes find each other through the
// rendezvous in the run directory (shared storage), listening on every
// interface of their node.
//
// How a step is stopped: SIGTERM to srun makes srun SIGKILL its tasks (no
// final checkpoint), so the supervisor signals the step's tasks themselves
// (SignalSlurmStep: `scancel --signal=TERM <job>.<step>`); srun then exits
// with their status.
#ifndef HEM_DEPLOY_SLURM_STEPS_H_
#define HEM_DEPLOY_SLURM_STEPS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "deploy/process_plan.h"
#include "proto/run.pb.h"

namespace hem {

// Seconds before the job's time limit at which Slurm sends the supervisor
// SIGTERM (sbatch --signal=B:TERM@<this>): time to stop every group in order
// (stop_timeout each) and write final checkpoints, summary.json and the plot.
inline constexpr int kSlurmStopGraceSeconds = 120;

// The job this process runs in.
struct SlurmAllocation {
  std::string job_id;              // SLURM_JOB_ID.
  std::vector<std::string> nodes;  // SLURM_JOB_NODELIST, expanded; never empty.
  std::string srun;                // Absolute path of srun.
};

// The allocation from SLURM_JOB_ID and SLURM_JOB_NODELIST (expanded with
// `scontrol show hostnames`). FAILED_PRECONDITION outside a job (with how to
// get one), UNAVAILABLE when the Slurm commands fail or are missing.
absl::StatusOr<SlurmAllocation> CurrentSlurmAllocation();

// `run` as the Slurm backend runs it on `nodes` (REQUIRES: non-empty): each
// role whose placement names no hosts gets one per process -- shards round
// robin from the first node, the learner on the first node, actors round
// robin from the second node (the learner keeps its node to itself when
// there are several), the evaluator on the last node; hosts a role names
// are kept (they become --nodelist). Every exec_prefix and bind_to_host is
// cleared (srun starts the process on its node); the network listens on
// every interface (0.0.0.0) and uses the rendezvous; tls and insecure are
// left as the description says (ValidateRunDescription wants one of them).
hem::v1::RunDescription PlaceOnSlurmNodes(const hem::v1::RunDescription& run,
                                          const std::vector<std::string>& nodes);

// What `process` (planned from a placed run) runs under as a step of job
// `allocation.job_id`:
//   srun --jobid=<job> --nodes=1 --ntasks=1 --cpus-per-task=<role cpus or 1>
//        --overlap --job-name=<process name> [--gres=<gres>] [--mem=<MB>]
//        [--nodelist=<its host>] --kill-on-bad-exit=1
// --overlap lets steps share the job's cores; gres: slurm.learner_gres for
// the learner, else the role's resources.gres; --mem when the role's
// resources.memory_mb is set.
std::vector<std::string> SlurmStepPrefix(const hem::v1::RunDescription& run,
                                         const PlannedProcess& process,
                                         const SlurmAllocation& allocation);

// The sbatch command that submits `run` as one job whose batch script is
// `batch_command` (the script and its arguments):
//   sbatch --parsable --job-name=hem-<env> --output=<run_dir>/logs/slurm-%j.out
//          --signal=B:TERM@<kSlurmStopGraceSeconds> [--nodes=N] [--partition=P]
//          [--account=A] [--time=T] [--gres=<learner_gres>]
//          [--cpus-per-task=<largest role cpus, when > 1>] <sbatch_flags...>
//          <batch_command...>
// --parsable: sbatch prints the job id (";cluster" appended on multi-cluster
// set-ups).
std::vector<std::string> SbatchCommand(const hem::v1::RunDescription& run,
                                       const std::vector<std::string>& batch_command);

// Sends `signal` ("TERM") to the tasks of the step named `step_name` of job
// `job_id`: its step id from `squeue --steps`, then `scancel --signal`.
// NOT_FOUND when no such step is listed; UNAVAILABLE when a command fails.
absl::Status SignalSlurmStep(const std::string& job_id, const std::string& step_name,
                             const std::string& signal);

// The absolute path of `command` on PATH; NOT_FOUND naming it otherwise.
absl::StatusOr<std::string> FindOnPath(const std::string& command);

// Runs `argv` (argv[0] an absolute path) with stdin from /dev/null and
// returns its stdout and stderr together; UNAVAILABLE (with the output) when
// it exits non-zero or cannot run.
absl::StatusOr<std::string> RunForOutput(const std::vector<std::string>& argv);

}  // namespace hem

#endif  // HEM_DEPLOY_SLURM_STEPS_H_
