// supervisor: deploy/launch.sh's engine. One mode a call:
//
//   supervisor --write_description [--from=FILE] -- --env=... --actors=4 ...
//       turns launch.sh's flags (launch_flags.h) into a run description, on
//       top of FILE's or the defaults, creates its run directory (a fresh one
//       unless --run_dir is among the flags) and writes
//       <run_dir>/run.textproto; prints that path. Exit 2 with "--flag: why".
//   supervisor --run=<run_dir>/run.textproto --bin_dir=DIR
//       runs it on this machine and supervises it (supervisor.h) until a
//       stop rule (exit 0), Ctrl-C (130) or failure (1).
//   supervisor --launch_help
//       launch.sh's flags with their defaults.
//   supervisor --sbatch_command --run=FILE -- BATCH_SCRIPT ARGS...
//       the sbatch command that submits FILE's run (backend slurm) as one job
//       running BATCH_SCRIPT ARGS (slurm_steps.h), one word a line.
//
// --run of a description whose backend is slurm runs inside a Slurm job
// (SLURM_JOB_ID): the roles are placed on the job's nodes and every process
// is a job step.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/process.h"
#include "deploy/launch_flags.h"
#include "deploy/run_description.h"
#include "deploy/slurm_steps.h"
#include "deploy/supervisor.h"

ABSL_FLAG(bool, write_description, false,
          "Write <run_dir>/run.textproto from launch.sh's flags (after --) and print its path");
ABSL_FLAG(std::string, from, "",
          "--write_description: start from this description instead of the defaults");
ABSL_FLAG(std::string, run, "", "Run and supervise this run description");
ABSL_FLAG(std::string, bin_dir, "",
          "--run: where replay_service/, learner/ and actor/ binaries are (default: two "
          "levels above this binary)");
ABSL_FLAG(std::string, plot_script, "", "--run: deploy/plot_run.sh, for success.png");
ABSL_FLAG(std::string, credentials_script, "",
          "--run: deploy/make_credentials.sh, for runs with network.tls");
ABSL_FLAG(double, stop_timeout_seconds,
          absl::ToDoubleSeconds(hem::SupervisorOptions().stop_timeout),
          "--run: seconds each group of processes gets to stop before SIGKILL");
ABSL_FLAG(int, dashboard_port, hem::SupervisorOptions().dashboard_port,
          "--run: port of the live dashboard on the run's bind host (0 = any free one, "
          "-1 = none)");
ABSL_FLAG(std::string, dashboard_dir, "",
          "--run: deploy/dashboard (the page and uPlot); \"\" = no dashboard");
ABSL_FLAG(bool, launch_help, false, "Print launch.sh's flags and defaults");
ABSL_FLAG(bool, sbatch_command, false,
          "Print the sbatch command (one word a line) that submits --run's description as a "
          "Slurm job running the batch script and arguments after --");

namespace hem {
namespace {

constexpr int kExitUsage = 2;

int Usage(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return kExitUsage;
}

// mkdir -p.
absl::Status MakeDirectories(const std::string& path) {
  std::string prefix;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    absl::StrAppend(&prefix, part, "/");
    if (part.empty()) continue;
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::UnavailableError(absl::StrCat(prefix, ": ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

std::string Absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return path;
  return absl::StrCat(cwd, "/", path);
}

int WriteDescription(const std::vector<std::string>& launch_flags) {
  hem::v1::RunDescription run = DefaultRunDescription();
  const std::string from = absl::GetFlag(FLAGS_from);
  if (!from.empty()) {
    absl::StatusOr<hem::v1::RunDescription> read = ReadRunDescription(from);
    if (!read.ok()) return Usage(absl::StrCat("--run: ", read.status().message()));
    run = *std::move(read);
  }
  const absl::Status applied = from.empty() ? ApplyLaunchFlagsWithPresets(launch_flags, &run)
                                             : ApplyLaunchFlags(launch_flags, &run);
  if (!applied.ok()) {
    return Usage(std::string(applied.message()));
  }
  // A run again from its description gets a directory of its own.
  if (!LaunchFlagsSetRunDir(launch_flags)) run.set_run_dir(DefaultRunDir(run.env()));
  if (absl::Status valid = ValidateRunDescription(run); !valid.ok()) {
    return Usage(std::string(LaunchFlagError(valid).message()));
  }
  run.set_run_dir(Absolute(run.run_dir()));
  if (absl::Status made = MakeDirectories(absl::StrCat(run.run_dir(), "/logs")); !made.ok()) {
    return Usage(absl::StrCat("--run_dir: cannot create '", run.run_dir(), "': ",
                              made.message()));
  }
  const std::string path = absl::StrCat(run.run_dir(), "/", kRunDescriptionFile);
  if (absl::Status written = WriteRunDescription(path, run); !written.ok()) {
    return Usage(std::string(written.message()));
  }
  std::printf("%s\n", path.c_str());
  return 0;
}

// bin_dir's default: this binary is <bin_dir>/deploy/supervisor.
std::string DefaultBinDir() {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return ".";
  std::string path(self, n);
  for (int i = 0; i < 2; ++i) path = path.substr(0, path.rfind('/'));
  return path;
}

int RunSupervised(const std::string& path) {
  absl::StatusOr<hem::v1::RunDescription> run = ReadRunDescription(path);
  if (!run.ok()) return Usage(absl::StrCat("--run: ", run.status().message()));
  if (run->run_dir().empty()) {
    return Usage(absl::StrCat("--run: ", path,
                              ": run_dir: must be set (launch.sh --run=FILE --run_dir=DIR sets it)"));
  }
  SupervisorOptions options;
  options.bin_dir = absl::GetFlag(FLAGS_bin_dir).empty() ? DefaultBinDir()
                                                          : absl::GetFlag(FLAGS_bin_dir);
  options.plot_script = absl::GetFlag(FLAGS_plot_script);
  options.credentials_script = absl::GetFlag(FLAGS_credentials_script);
  options.stop_timeout = absl::Seconds(absl::GetFlag(FLAGS_stop_timeout_seconds));
  options.dashboard_port = absl::GetFlag(FLAGS_dashboard_port);
  options.dashboard_dir = absl::GetFlag(FLAGS_dashboard_dir);
  if (options.dashboard_port < -1 || options.dashboard_port > 65535) {
    return Usage(absl::StrCat("--dashboard_port: ", options.dashboard_port,
                              " is not -1 (none) or a port in [0, 65535]"));
  }
  if (run->backend() == hem::v1::BACKEND_SLURM) {
    absl::StatusOr<SlurmAllocation> allocation = CurrentSlurmAllocation();
    if (!allocation.ok()) {
      std::fprintf(stderr, "hem: %s\n", std::string(allocation.status().message()).c_str());
      return kRunFailed;
    }
    *run = PlaceOnSlurmNodes(*run, allocation->nodes);
    options.slurm = *std::move(allocation);
    std::printf("hem: slurm job %s on %s: every process runs as a job step (srun)\n",
                options.slurm.job_id.c_str(), absl::StrJoin(options.slurm.nodes, ",").c_str());
    std::fflush(stdout);
  }
  for (const char* binary : {"replay_service/replay_server", "learner/learner", "actor/actor"}) {
    const std::string full = absl::StrCat(options.bin_dir, "/", binary);
    if (access(full.c_str(), X_OK) != 0) return Usage(absl::StrCat("missing binary ", full));
  }
  // One thread per process for OpenMP/BLAS: on a small machine
  // oversubscription makes LibTorch many times slower. Children inherit it.
  for (const char* name : {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}) {
    setenv(name, "1", /*overwrite=*/1);
  }
  InstallShutdownHandler();
  return Supervise(*run, options, ShutdownSignal());
}

int PrintSbatchCommand(const std::vector<std::string>& batch_command) {
  absl::StatusOr<hem::v1::RunDescription> run = ReadRunDescription(absl::GetFlag(FLAGS_run));
  if (!run.ok()) return Usage(absl::StrCat("--run: ", run.status().message()));
  if (run->backend() != hem::v1::BACKEND_SLURM) {
    return Usage("--sbatch_command: the description's backend is not slurm");
  }
  if (batch_command.empty()) return Usage("--sbatch_command: no batch script after --");
  for (const std::string& word : SbatchCommand(*run, batch_command)) {
    if (word.find('\n') != std::string::npos) {
      return Usage(absl::StrCat("--sbatch_command: a word holds a newline: ", word));
    }
    std::printf("%s\n", word.c_str());
  }
  return 0;
}

int Main(const std::vector<std::string>& words) {
  if (absl::GetFlag(FLAGS_launch_help)) {
    std::printf("%s", LaunchFlagsHelp().c_str());
    return 0;
  }
  if (absl::GetFlag(FLAGS_write_description)) return WriteDescription(words);
  if (absl::GetFlag(FLAGS_sbatch_command)) return PrintSbatchCommand(words);
  if (!words.empty()) {
    return Usage(absl::StrCat("'", words[0], "': launch flags need --write_description"));
  }
  if (!absl::GetFlag(FLAGS_run).empty()) return RunSupervised(absl::GetFlag(FLAGS_run));
  return Usage("supervisor: nothing to do (--write_description, --run or --launch_help)");
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) {
  std::vector<char*> args = hem::InitProcess(
      argc, argv,
      "Runs and supervises a hem training run from its description (deploy/launch.sh's "
      "engine).\n  supervisor --write_description -- --env=flip_bit:k=10 --actors=4\n"
      "  supervisor --run=runs/x/run.textproto");
  return hem::Main(std::vector<std::string>(args.begin() + 1, args.end()));
}
