// cluster_status: watches a running hem cluster through every process's
// StatusService, for deploy/launch.sh and for people. One mode a call:
//
//   cluster_status --targets=replay=127.0.0.1:7001,learner=127.0.0.1:7100
//       one progress line (and --csv row, --json snapshot) now.
//   cluster_status --wait_ready --targets=... --pids=learner:123,...
//       waits until every target is ready; returns at once (exit 3) when a
//       watched process has exited, naming it.
//   cluster_status --monitor --targets=... --pids=... --csv=progress.csv
//       --target_success=0.9 --max_env_steps=N --time_limit_seconds=T
//       samples every --sample_seconds into the CSV, prints a line every
//       --print_seconds, and returns when a stop rule fires (exit 0) or a
//       watched process exited (exit 3), writing why to --stop_reason_file.
//   cluster_status --summary=run/summary.json --targets=... --csv=...
//       env=flip_bit:k=40 actors=2 stop_reason="time limit 900s reached"
//       writes summary.json: the key=value words, the best test success in
//       the CSV and the cluster's final numbers.
//   cluster_status --check_env=NAME
//       exits 2 with "--env: <why>" unless NAME is a known task; prints
//       "horizon <T>", its episode length (deploy/ablation.sh reads it).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/atomic_file.h"
#include "common/env_catalog.h"
#include "common/net_flags.h"
#include "common/process.h"
#include "deploy/cluster_progress.h"
#include "deploy/process_watch.h"
#include "deploy/run_summary.h"
#include "deploy/stop_rules.h"

ABSL_FLAG(std::string, targets, "",
          "Processes to watch as role=host:port,... (roles: replay, learner, actor, evaluator); "
          "an address may be rdzv:<role>/<index> (with --rendezvous_dir)");
ABSL_FLAG(std::string, pids, "",
          "--wait_ready/--monitor: processes that must stay alive, as name:pid,...");
ABSL_FLAG(bool, wait_ready, false, "Wait until every target reports ready, then exit");
ABSL_FLAG(double, timeout_seconds, 60, "--wait_ready: give up after this long (exit 1)");
ABSL_FLAG(double, elapsed_seconds, -1,
          "Seconds since the run started (--monitor: at its start), for the line and CSV");
ABSL_FLAG(std::string, csv, "",
          "Append cluster progress rows to this CSV (--summary: read it for the best test "
          "success)");
ABSL_FLAG(std::string, json, "", "Write the cluster's numbers as a JSON object to this file");
ABSL_FLAG(bool, print, true, "Print one progress line");
ABSL_FLAG(bool, monitor, false, "Sample, print and apply the stop rules until one fires");
ABSL_FLAG(double, sample_seconds, 1, "--monitor: seconds between samples (CSV rows)");
ABSL_FLAG(double, print_seconds, 3, "--monitor: seconds between progress lines");
ABSL_FLAG(double, target_success, hem::StopRules().target_success,
          "--monitor: stop once test success >= this (above 1 = never)");
ABSL_FLAG(double, max_env_steps, hem::StopRules().max_env_steps,
          "--monitor: stop after this many env steps (0 = no budget)");
ABSL_FLAG(double, time_limit_seconds, hem::StopRules().time_limit_seconds,
          "--monitor: stop after this many seconds of the run (0 = no limit)");
ABSL_FLAG(std::string, stop_reason_file, "", "--monitor: write why it stopped here");
ABSL_FLAG(std::string, summary, "",
          "Write a run summary JSON here from the key=value arguments, --csv and --targets");
ABSL_FLAG(std::string, check_env, "",
          "Only check that this task name is valid and print its horizon");

namespace hem {
namespace {

// Exit codes launch.sh tells apart.
constexpr int kExitStopped = 0;     // A stop rule fired / ready / written.
constexpr int kExitFailed = 1;      // Not ready in time, or a file could not be written.
constexpr int kExitUsage = 2;       // Bad flags.
constexpr int kExitProcessGone = 3;  // A watched process exited.

int Fail(int code, absl::string_view message) {
  std::fprintf(stderr, "cluster_status: %s\n", std::string(message).c_str());
  return code;
}

int CheckEnv(const std::string& name) {
  absl::StatusOr<hem::v1::EnvSpec> spec = MakeEnvSpec(name);
  if (spec.ok()) {
    std::printf("horizon %d\n", static_cast<int>(spec->horizon()));
    return kExitStopped;
  }
  std::fprintf(stderr, "--env: %s\n", std::string(spec.status().message()).c_str());
  return kExitUsage;
}

int WaitReady(std::vector<ClusterTarget>& targets,
              const std::vector<WatchedProcess>& processes) {
  const double timeout = absl::GetFlag(FLAGS_timeout_seconds);
  const absl::Time deadline = absl::Now() + absl::Seconds(timeout);
  for (;;) {
    std::vector<std::string> exited = ExitedProcesses(processes);
    if (!exited.empty()) {
      return Fail(kExitProcessGone,
                  absl::StrCat("exited before the cluster was ready: ",
                               absl::StrJoin(exited, ", ")));
    }
    ClusterProgress p = PollCluster(targets);
    if (p.ready == static_cast<int>(targets.size())) return kExitStopped;
    if (absl::Now() > deadline) {
      return Fail(kExitFailed,
                  absl::StrCat("not ready after ", timeout, " s:",
                               p.unreachable.empty()
                                   ? " (reachable but not ready)"
                                   : absl::StrCat(" unreachable ",
                                                  absl::StrJoin(p.unreachable, ", "))));
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
}

int Monitor(std::vector<ClusterTarget>& targets, const std::vector<WatchedProcess>& processes) {
  StopRules rules;
  rules.target_success = absl::GetFlag(FLAGS_target_success);
  rules.max_env_steps = absl::GetFlag(FLAGS_max_env_steps);
  rules.time_limit_seconds = absl::GetFlag(FLAGS_time_limit_seconds);
  const absl::Duration period = absl::Seconds(absl::GetFlag(FLAGS_sample_seconds));
  if (period <= absl::ZeroDuration()) return Fail(kExitUsage, "--sample_seconds: must be > 0");
  const int print_every = std::max(
      1, static_cast<int>(absl::GetFlag(FLAGS_print_seconds) /
                              absl::GetFlag(FLAGS_sample_seconds) + 0.5));
  const std::string csv = absl::GetFlag(FLAGS_csv);
  const std::string reason_file = absl::GetFlag(FLAGS_stop_reason_file);
  auto stop_with = [&](int code, const std::string& reason) {
    if (!reason_file.empty()) {
      absl::Status written = WriteFileAtomically(reason_file, reason + "\n");
      if (!written.ok()) return Fail(kExitFailed, written.message());
    }
    return code;
  };

  InstallShutdownHandler();
  const absl::Time start = absl::Now();
  const double offset = std::max(0.0, absl::GetFlag(FLAGS_elapsed_seconds));
  for (int64_t sample = 1;; ++sample) {
    // On a fixed schedule, so slow polls do not stretch the period.
    const absl::Duration wait = start + sample * period - absl::Now();
    if (WaitForShutdown(std::max(wait, absl::ZeroDuration()))) {
      return stop_with(130, "interrupted");
    }
    ClusterProgress p = PollCluster(targets);
    p.elapsed_seconds = offset + absl::ToDoubleSeconds(absl::Now() - start);
    if (!csv.empty()) {
      absl::Status appended = AppendProgressCsv(csv, p);
      if (!appended.ok()) return Fail(kExitFailed, appended.message());
    }
    if (sample % print_every == 0) {
      std::printf("%s\n", ProgressLine(p).c_str());
      std::fflush(stdout);
    }
    std::vector<std::string> exited = ExitedProcesses(processes);
    if (!exited.empty()) {
      const std::string reason = absl::StrCat("process exited: ", absl::StrJoin(exited, ", "));
      std::fprintf(stderr, "cluster_status: %s\n", reason.c_str());
      return stop_with(kExitProcessGone, reason);
    }
    const std::string reason = StopReason(rules, p);
    if (!reason.empty()) return stop_with(kExitStopped, reason);
  }
}

int WriteSummary(std::vector<ClusterTarget>& targets, const std::vector<std::string>& words) {
  absl::StatusOr<google::protobuf::Struct> fields = StructFromKeyValues(words);
  if (!fields.ok()) return Fail(kExitUsage, fields.status().message());
  ClusterProgress final_progress;
  if (!targets.empty()) {
    final_progress = PollCluster(targets);
    final_progress.elapsed_seconds = std::max(0.0, absl::GetFlag(FLAGS_elapsed_seconds));
  }
  absl::StatusOr<google::protobuf::Struct> summary =
      RunSummary(*std::move(fields), absl::GetFlag(FLAGS_csv),
                 targets.empty() ? nullptr : &final_progress);
  if (!summary.ok()) return Fail(kExitFailed, summary.status().message());
  absl::Status written = WriteJsonFile(absl::GetFlag(FLAGS_summary), *summary);
  if (!written.ok()) return Fail(kExitFailed, written.message());
  return kExitStopped;
}

// One sample now: the line, a CSV row, a JSON snapshot.
int ReportOnce(std::vector<ClusterTarget>& targets) {
  ClusterProgress p = PollCluster(targets);
  p.elapsed_seconds = absl::GetFlag(FLAGS_elapsed_seconds);
  if (absl::GetFlag(FLAGS_print)) std::printf("%s\n", ProgressLine(p).c_str());
  if (const std::string csv = absl::GetFlag(FLAGS_csv); !csv.empty()) {
    absl::Status appended = AppendProgressCsv(csv, p);
    if (!appended.ok()) return Fail(kExitFailed, appended.message());
  }
  if (const std::string json = absl::GetFlag(FLAGS_json); !json.empty()) {
    absl::Status written = WriteJsonFile(json, ProgressAsStruct(p));
    if (!written.ok()) return Fail(kExitFailed, written.message());
  }
  return kExitStopped;
}

int Main(const std::vector<std::string>& words) {
  if (!absl::GetFlag(FLAGS_check_env).empty()) return CheckEnv(absl::GetFlag(FLAGS_check_env));
  absl::StatusOr<std::vector<ClusterTarget>> targets =
      ParseTargets(absl::GetFlag(FLAGS_targets), NetConfigFromFlags());
  if (!targets.ok()) {
    return Fail(absl::IsInvalidArgument(targets.status()) ? kExitUsage : kExitFailed,
                NetFlagError(targets.status()).message());
  }
  absl::StatusOr<std::vector<WatchedProcess>> processes =
      ParseWatchedProcesses(absl::GetFlag(FLAGS_pids));
  if (!processes.ok()) return Fail(kExitUsage, processes.status().message());
  if (!absl::GetFlag(FLAGS_summary).empty()) return WriteSummary(*targets, words);
  if (!words.empty()) {
    return Fail(kExitUsage, absl::StrCat("'", words[0], "': key=value words need --summary"));
  }
  if (targets->empty()) return Fail(kExitUsage, "--targets: nothing to watch");
  if (absl::GetFlag(FLAGS_wait_ready)) return WaitReady(*targets, *processes);
  if (absl::GetFlag(FLAGS_monitor)) return Monitor(*targets, *processes);
  return ReportOnce(*targets);
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) {
  std::vector<char*> args = hem::InitProcess(
      argc, argv,
      "Reports a hem cluster's progress from every process's StatusService, applies the "
      "launcher's stop rules and writes its summary.\n"
      "  cluster_status --targets=replay=127.0.0.1:7001,learner=127.0.0.1:7100");
  return hem::Main(std::vector<std::string>(args.begin() + 1, args.end()));
}
