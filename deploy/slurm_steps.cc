// The Slurm backend's command lines and allocation (see slurm_steps.h).
#include "deploy/slurm_steps.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

extern char** environ;

namespace hem {
namespace {

using hem::v1::RunDescription;

// Fills `role`'s placement with `count` hosts: nodes[(first + i) % n].
void PlaceRole(hem::v1::RoleSpec* role, int count, int first,
               const std::vector<std::string>& nodes) {
  hem::v1::Placement& placement = *role->mutable_placement();
  placement.clear_exec_prefix();
  placement.set_bind_to_host(false);
  if (!placement.hosts().empty()) return;  // The description chose.
  const int n = static_cast<int>(nodes.size());
  for (int i = 0; i < count; ++i) placement.add_hosts(nodes[(first + i) % n]);
}

const hem::v1::RoleSpec& RoleOf(const RunDescription& run, absl::string_view role) {
  if (role == "replay") return run.replay().role();
  if (role == "learner") return run.learner().role();
  if (role == "evaluator") return run.evaluator().role();
  return run.actors().role();
}

}  // namespace

RunDescription PlaceOnSlurmNodes(const RunDescription& run,
                                 const std::vector<std::string>& nodes) {
  RunDescription placed = run;
  const int n = static_cast<int>(nodes.size());
  PlaceRole(placed.mutable_replay()->mutable_role(), placed.replay().role().count(), 0, nodes);
  PlaceRole(placed.mutable_learner()->mutable_role(), 1, 0, nodes);
  PlaceRole(placed.mutable_actors()->mutable_role(), placed.actors().role().count(),
            n > 1 ? 1 : 0, nodes);
  PlaceRole(placed.mutable_evaluator()->mutable_role(), placed.evaluator().role().count(),
            n - 1, nodes);
  hem::v1::Network& net = *placed.mutable_network();
  const std::string& bind = net.bind_host();
  if (bind != "0.0.0.0" && bind != "::" && bind != "[::]") net.set_bind_host("0.0.0.0");
  net.clear_advertise_host();  // Each process advertises its node.
  net.set_rendezvous(true);
  return placed;
}

std::vector<std::string> SlurmStepPrefix(const RunDescription& run,
                                         const PlannedProcess& process,
                                         const SlurmAllocation& allocation) {
  const hem::v1::RoleSpec& role = RoleOf(run, process.role);
  const hem::v1::Resources& resources = role.resources();
  std::vector<std::string> prefix = {
      allocation.srun,
      absl::StrCat("--jobid=", allocation.job_id),
      "--nodes=1",
      "--ntasks=1",
      absl::StrCat("--cpus-per-task=", std::max(1, resources.cpus())),
      "--overlap",
      absl::StrCat("--job-name=", process.name)};
  const std::string& gres = process.role == "learner" && !run.slurm().learner_gres().empty()
                                ? run.slurm().learner_gres()
                                : resources.gres();
  if (!gres.empty()) prefix.push_back(absl::StrCat("--gres=", gres));
  if (resources.memory_mb() > 0) prefix.push_back(absl::StrCat("--mem=", resources.memory_mb()));
  const std::string host = PlacementHost(role.placement(), process.index);
  if (!host.empty()) prefix.push_back(absl::StrCat("--nodelist=", host));
  prefix.push_back("--kill-on-bad-exit=1");
  return prefix;
}

std::vector<std::string> SbatchCommand(const RunDescription& run,
                                       const std::vector<std::string>& batch_command) {
  const hem::v1::SlurmOptions& slurm = run.slurm();
  // flip_bit:k=10 -> hem-flip_bit-k10: a name squeue shows whole.
  std::string env = run.env();
  env.erase(std::remove(env.begin(), env.end(), '='), env.end());
  std::replace_if(
      env.begin(), env.end(), [](char c) { return !absl::ascii_isalnum(c) && c != '_'; }, '-');
  std::vector<std::string> command = {
      "sbatch", "--parsable", absl::StrCat("--job-name=hem-", env),
      absl::StrCat("--output=", run.run_dir(), "/logs/slurm-%j.out"),
      absl::StrCat("--signal=B:TERM@", kSlurmStopGraceSeconds)};
  if (slurm.nodes() > 0) command.push_back(absl::StrCat("--nodes=", slurm.nodes()));
  if (!slurm.partition().empty()) command.push_back(absl::StrCat("--partition=", slurm.partition()));
  if (!slurm.account().empty()) command.push_back(absl::StrCat("--account=", slurm.account()));
  if (!slurm.time().empty()) command.push_back(absl::StrCat("--time=", slurm.time()));
  if (!slurm.learner_gres().empty()) {
    command.push_back(absl::StrCat("--gres=", slurm.learner_gres()));
  }
  int cpus = 1;
  for (const hem::v1::RoleSpec* role : {&run.replay().role(), &run.learner().role(),
                                        &run.actors().role(), &run.evaluator().role()}) {
    cpus = std::max(cpus, role->resources().cpus());
  }
  if (cpus > 1) command.push_back(absl::StrCat("--cpus-per-task=", cpus));
  command.insert(command.end(), slurm.sbatch_flags().begin(), slurm.sbatch_flags().end());
  command.insert(command.end(), batch_command.begin(), batch_command.end());
  return command;
}

absl::StatusOr<std::string> FindOnPath(const std::string& command) {
  if (command.find('/') != std::string::npos) return command;
  const char* path = std::getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path != nullptr ? path : "/usr/bin:/bin", ':', absl::SkipEmpty())) {
    const std::string full = absl::StrCat(dir, "/", command);
    if (access(full.c_str(), X_OK) == 0) return full;
  }
  return absl::NotFoundError(absl::StrCat(command, " is not on PATH"));
}

absl::StatusOr<std::string> RunForOutput(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::UnavailableError("pipe failed");
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // posix_spawn: nothing but exec in the child, which matters in a process
  // with gRPC threads.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawned != 0) {
    close(pipe_fds[0]);
    return absl::UnavailableError(absl::StrCat("cannot run ", argv[0]));
  }
  std::string output;
  char buffer[4096];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof(buffer))) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    output.append(buffer, n);
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::UnavailableError(
        absl::StrCat(argv[0], " failed: ", absl::StripAsciiWhitespace(output)));
  }
  return output;
}

absl::StatusOr<SlurmAllocation> CurrentSlurmAllocation() {
  const char* job = std::getenv("SLURM_JOB_ID");
  const char* nodelist = std::getenv("SLURM_JOB_NODELIST");
  if (job == nullptr || *job == '\0') {
    return absl::FailedPreconditionError(
        "the slurm backend's supervisor runs inside a Slurm job (SLURM_JOB_ID is not set): "
        "submit the run with deploy/launch.sh --backend=slurm, or run it inside salloc");
  }
  SlurmAllocation allocation;
  allocation.job_id = job;
  absl::StatusOr<std::string> srun = FindOnPath("srun");
  if (!srun.ok()) return absl::UnavailableError(srun.status().message());
  allocation.srun = *srun;
  if (nodelist == nullptr || *nodelist == '\0') {
    return absl::FailedPreconditionError("SLURM_JOB_NODELIST is not set");
  }
  absl::StatusOr<std::string> scontrol = FindOnPath("scontrol");
  if (!scontrol.ok()) return absl::UnavailableError(scontrol.status().message());
  absl::StatusOr<std::string> hostnames =
      RunForOutput({*scontrol, "show", "hostnames", nodelist});
  if (!hostnames.ok()) return hostnames.status();
  for (absl::string_view line : absl::StrSplit(*hostnames, '\n', absl::SkipWhitespace())) {
    allocation.nodes.push_back(std::string(absl::StripAsciiWhitespace(line)));
  }
  if (allocation.nodes.empty()) {
    return absl::UnavailableError(absl::StrCat("no nodes in SLURM_JOB_NODELIST=", nodelist));
  }
  return allocation;
}

absl::Status SignalSlurmStep(const std::string& job_id, const std::string& step_name,
                             const std::string& signal) {
  absl::StatusOr<std::string> squeue = FindOnPath("squeue");
  if (!squeue.ok()) return absl::UnavailableError(squeue.status().message());
  absl::StatusOr<std::string> scancel = FindOnPath("scancel");
  if (!scancel.ok()) return absl::UnavailableError(scancel.status().message());
  // One line per step: "<job>.<step> <name>".
  absl::StatusOr<std::string> steps = RunForOutput(
      {*squeue, "--noheader", "--steps", absl::StrCat("--jobs=", job_id), "--format=%i %j"});
  if (!steps.ok()) return steps.status();
  for (absl::string_view line : absl::StrSplit(*steps, '\n', absl::SkipWhitespace())) {
    std::vector<absl::string_view> fields =
        absl::StrSplit(absl::StripAsciiWhitespace(line), ' ', absl::SkipEmpty());
    if (fields.size() != 2 || fields[1] != step_name) continue;
    absl::StatusOr<std::string> sent = RunForOutput(
        {*scancel, absl::StrCat("--signal=", signal), std::string(fields[0])});
    return sent.ok() ? absl::OkStatus() : sent.status();
  }
  return absl::NotFoundError(
      absl::StrCat("no step named ", step_name, " in job ", job_id, " (squeue --steps)"));
}

}  // namespace hem
