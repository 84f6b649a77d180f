// The local supervisor's loop (see supervisor.h): start in groups, wait for
// readiness, sample and restart, stop in order, report.
#include "deploy/supervisor.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/atomic_file.h"
#include "common/net_config.h"
#include "deploy/cluster_progress.h"
#include "deploy/dashboard_server.h"
#include "deploy/local_processes.h"
#include "deploy/process_plan.h"
#include "deploy/prometheus_config.h"
#include "deploy/restart_policy.h"
#include "deploy/run_summary.h"
#include "deploy/slurm_steps.h"
#include "deploy/stop_rules.h"

namespace hem {
namespace {

using hem::v1::RunDescription;

// How often exits are collected and due restarts started.
constexpr absl::Duration kTick = absl::Milliseconds(100);
// Lines of a dead process's log shown with the news.
constexpr int kTailLines = 20;

struct Process {
  PlannedProcess plan;
  pid_t pid = 0;  // 0 = not running.
  absl::Time started;
  absl::Time restart_at = absl::InfiniteFuture();
  int lives = 0;
};

class Supervisor {
 public:
  Supervisor(const RunDescription& run, const SupervisorOptions& options,
             const std::atomic<bool>& stop)
      : run_(run), options_(options), stop_(stop), start_(absl::Now()) {}

  int Run();

 private:
  std::string LogPath(const Process& p) const {
    return absl::StrCat(run_.run_dir(), "/logs/", p.plan.name, ".log");
  }
  void Event(const std::string& line);
  absl::Status Spawn(Process& p);
  absl::Status WriteProcessTable() const;
  absl::Status PrepareCredentials();
  // Starts a group and waits until everything started so far is ready.
  bool StartAndWait(StartGroup group, const char* what, absl::Duration timeout);
  // Collects exits; false (reason_ set) when one ends the run.
  bool HandleExits(bool starting);
  void StartDueRestarts();
  int Monitor();
  int Finish(int code);
  void StopAll();
  // SIGTERM to the process (Slurm: to its step's tasks).
  void AskToStop(const Process& p);
  void Plot();
  // prometheus.yml and the dashboard; neither failing stops the run.
  void StartMonitoring();
  // The dashboard's process table, and `progress` (when given) as a row.
  void ShowOnDashboard(const ClusterProgress* progress);
  double Elapsed() const { return absl::ToDoubleSeconds(absl::Now() - start_); }
  int TotalRestarts() const;

  const RunDescription& run_;
  const SupervisorOptions& options_;
  const std::atomic<bool>& stop_;
  const absl::Time start_;
  std::vector<Process> processes_;
  std::vector<ClusterTarget> targets_;  // Of the processes started so far, in order.
  std::map<std::string, RoleRestarts> restarts_;
  NetConfig net_;       // How the supervisor reaches the processes' status.
  std::string reason_;  // Why the run stopped.
  std::unique_ptr<Dashboard> dashboard_;  // Null without one.
};

void Supervisor::StartMonitoring() {
  std::vector<PlannedProcess> plan;
  for (const Process& p : processes_) plan.push_back(p.plan);
  if (absl::Status written = WritePrometheusConfig(run_, plan); !written.ok()) {
    Event(absl::StrCat("cannot write prometheus.yml: ", written.ToString()));
  }
  if (options_.dashboard_port < 0 || options_.dashboard_dir.empty()) return;
  DashboardOptions options;
  options.port = options_.dashboard_port;
  options.bind_host = run_.network().bind_host();
  options.static_dir = options_.dashboard_dir;
  options.env = run_.env();
  options.run_dir = run_.run_dir();
  absl::StatusOr<std::shared_ptr<const Credentials>> credentials = LoadNetCredentials(net_);
  if (credentials.ok()) options.credentials = *credentials;
  absl::StatusOr<std::unique_ptr<Dashboard>> dashboard =
      credentials.ok() ? Dashboard::Start(options) : credentials.status();
  if (!dashboard.ok()) {
    Event(absl::StrCat("no dashboard: ", dashboard.status().message()));
    return;
  }
  dashboard_ = *std::move(dashboard);
  Event(absl::StrCat("dashboard ", dashboard_->url(ConnectHost(run_.network())),
                     options.credentials ? " (open it with ?token=<credentials token>)" : ""));
}

void Supervisor::ShowOnDashboard(const ClusterProgress* progress) {
  if (dashboard_ == nullptr) return;
  std::vector<DashboardProcess> rows;
  double inserts = 0, samples = 0;
  for (const Process& p : processes_) {
    DashboardProcess row;
    row.name = p.plan.name;
    row.role = p.plan.role;
    row.index = p.plan.index;
    row.address = p.plan.status_address;
    row.metrics_address = p.plan.metrics_address;
    row.pid = p.pid;
    row.restarts = std::max(0, p.lives - 1);
    row.state = p.pid != 0 ? "running" : p.lives == 0 ? "starting" : "restarting";
    for (const ClusterTarget& t : targets_) {
      if (t.address != p.plan.status_address || t.last_status.pid() == 0) continue;
      const auto& m = t.last_status.metrics();
      auto metric = [&m](const char* key) {
        auto it = m.find(key);
        return it == m.end() ? -1.0 : it->second;
      };
      row.ready = t.answered && t.last_status.ready();
      if (p.pid != 0 && !t.answered) row.state = "unreachable";
      row.version = metric(p.plan.role == "learner" ? "version" : "policy_version");
      if (p.plan.role == "replay") {
        inserts += std::max(0.0, metric("inserts_per_second"));
        samples += std::max(0.0, metric("samples_per_second"));
      }
    }
    rows.push_back(std::move(row));
  }
  dashboard_->SetProcesses(std::move(rows));
  if (progress != nullptr) {
    dashboard_->AddProgress(*progress, inserts, samples);
    dashboard_->SetState("running");
  }
}

void Supervisor::Event(const std::string& line) {
  std::printf("hem: %s\n", line.c_str());
  std::fflush(stdout);
  AppendToFile(absl::StrCat(run_.run_dir(), "/logs/supervisor.log"),
               absl::StrCat(absl::FormatTime("%Y-%m-%d %H:%M:%E3S", absl::Now(),
                                             absl::LocalTimeZone()),
                            " ", line, "\n"));
}

int Supervisor::TotalRestarts() const {
  int total = 0;
  for (const auto& [role, restarts] : restarts_) total += restarts.total();
  return total;
}

absl::Status Supervisor::WriteProcessTable() const {
  std::string table = "name\trole\tindex\tport\tpid\tlives\n";
  for (const Process& p : processes_) {
    if (p.lives == 0) continue;
    absl::StrAppend(&table, p.plan.name, "\t", p.plan.role, "\t", p.plan.index, "\t",
                    p.plan.port, "\t", p.pid, "\t", p.lives, "\n");
  }
  return WriteFileAtomically(absl::StrCat(run_.run_dir(), "/processes.tsv"), table);
}

absl::Status Supervisor::Spawn(Process& p) {
  // Logs are appended to (a run resumed in its directory keeps its history):
  // a line marks where each life begins.
  AppendToFile(LogPath(p),
               absl::StrCat("=== hem supervisor: ", p.plan.name, " life ", p.lives + 1, " at ",
                            absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::Now(),
                                             absl::LocalTimeZone()),
                            " ===\n"));
  absl::StatusOr<pid_t> pid = SpawnLogged(CommandLine(p.plan), LogPath(p));
  if (!pid.ok()) return pid.status();
  p.pid = *pid;
  p.started = absl::Now();
  ++p.lives;
  return WriteProcessTable();
}

absl::Status Supervisor::PrepareCredentials() {
  const std::string dir = CredentialsDir(run_);
  if (dir.empty() || ReadFileToString(absl::StrCat(dir, "/token")).ok()) {
    return absl::OkStatus();
  }
  if (options_.credentials_script.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("network.tls: no credentials in ", dir, " and no script to make them"));
  }
  std::vector<std::string> command = {options_.credentials_script, dir};
  // The hosts processes are placed on, as subjectAltNames (clients verify
  // the shared name hem-node; these are for people and other tools).
  if (const std::vector<std::string> hosts = PlacementHosts(run_); !hosts.empty()) {
    command.push_back(absl::StrCat("--hosts=", absl::StrJoin(hosts, ",")));
  }
  absl::StatusOr<pid_t> pid =
      SpawnLogged(command, absl::StrCat(run_.run_dir(), "/logs/credentials.log"));
  if (!pid.ok()) return pid.status();
  int status = 0;
  if (!WaitForChild(*pid, 60, &status) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::UnavailableError(absl::StrCat(
        options_.credentials_script, " failed: ",
        TailOfFile(absl::StrCat(run_.run_dir(), "/logs/credentials.log"), 5)));
  }
  return absl::OkStatus();
}

bool Supervisor::HandleExits(bool starting) {
  for (const ChildExit& exit : ReapExitedChildren()) {
    auto it = std::find_if(processes_.begin(), processes_.end(),
                           [&](const Process& p) { return p.pid == exit.pid; });
    if (it == processes_.end()) continue;
    Process& p = *it;
    p.pid = 0;
    const std::string how = DescribeWaitStatus(exit.wait_status);
    const std::string tail = TailOfFile(LogPath(p), kTailLines);
    auto show_tail = [&] {
      std::fprintf(stderr, "\nhem: process %s died (%s); last lines of %s:\n", p.plan.name.c_str(),
                   how.c_str(), LogPath(p).c_str());
      for (absl::string_view line : absl::StrSplit(tail, '\n')) {
        std::fprintf(stderr, "    %s\n", std::string(line).c_str());
      }
      std::fflush(stderr);
    };
    if (starting) {
      show_tail();
      reason_ = absl::StrCat(p.plan.name, " exited during start-up (", how, ")");
      return false;
    }
    const absl::Duration lifetime = absl::Now() - p.started;
    auto role = restarts_.try_emplace(p.plan.role, p.plan.role, p.plan.restart).first;
    const RestartDecision decision = role->second.OnDeath(p.plan.index, absl::Now(), lifetime);
    if (!decision.restart) {
      show_tail();
      reason_ = absl::StrCat("role ", p.plan.role, " failed: ", p.plan.name, " died (", how,
                             ") and ", decision.refusal);
      Event(reason_);
      return false;
    }
    p.restart_at = absl::Now() + decision.backoff;
    Event(absl::StrFormat("%s died (%s) after %.1f s; restart %d of %s within %.0f s (limit "
                          "%d) in %s",
                          p.plan.name, how, absl::ToDoubleSeconds(lifetime),
                          decision.restarts_in_window, p.plan.role,
                          p.plan.restart.window_seconds(), p.plan.restart.max_restarts(),
                          absl::FormatDuration(decision.backoff)));
  }
  return true;
}

void Supervisor::StartDueRestarts() {
  for (Process& p : processes_) {
    if (p.pid != 0 || p.restart_at > absl::Now()) continue;
    p.restart_at = absl::InfiniteFuture();
    absl::Status started = Spawn(p);
    if (started.ok()) {
      Event(absl::StrCat("restarted ", p.plan.name, " (pid ", p.pid, ", life ", p.lives, ")"));
    } else {
      // Not a death of the process: tried again after the longest backoff.
      Event(absl::StrCat("cannot restart ", p.plan.name, ": ", started.ToString()));
      p.restart_at = absl::Now() + absl::Seconds(p.plan.restart.max_backoff_seconds());
    }
  }
}

bool Supervisor::StartAndWait(StartGroup group, const char* what, absl::Duration timeout) {
  for (Process& p : processes_) {
    if (p.plan.group != group) continue;
    if (absl::Status started = Spawn(p); !started.ok()) {
      reason_ = absl::StrCat("cannot start ", p.plan.name, ": ", started.message());
      return false;
    }
    absl::StatusOr<std::vector<ClusterTarget>> target =
        ParseTargets(absl::StrCat(p.plan.role, "=", p.plan.status_address), net_);
    if (!target.ok()) {
      reason_ = std::string(target.status().message());
      return false;
    }
    targets_.push_back(std::move((*target)[0]));
  }
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    if (stop_.load()) {
      std::printf("\nhem: stopping (Ctrl-C)\n");
      reason_ = "interrupted";
      return false;
    }
    if (!HandleExits(/*starting=*/true)) return false;
    ClusterProgress p = PollCluster(targets_);
    ShowOnDashboard(nullptr);
    if (p.ready == static_cast<int>(targets_.size())) return true;
    if (absl::Now() > deadline) {
      std::fprintf(stderr, "hem: %s did not become ready in %.0f s%s\n", what,
                   absl::ToDoubleSeconds(timeout),
                   p.unreachable.empty()
                       ? " (reachable but not ready)"
                       : absl::StrCat(" (unreachable: ", absl::StrJoin(p.unreachable, ", "), ")")
                             .c_str());
      reason_ = absl::StrCat(what, " not ready");
      return false;
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
}

int Supervisor::Monitor() {
  StopRules rules;
  rules.target_success = run_.stop().target_success();
  rules.max_env_steps = run_.stop().max_env_steps();
  rules.time_limit_seconds = run_.stop().time_limit_seconds();
  rules.settle_evaluations = run_.stop().settle_evaluations();
  StopJudge judge(rules);
  const absl::Duration period = absl::Seconds(run_.sample_seconds());
  const int print_every =
      std::max(1, static_cast<int>(run_.progress_seconds() / run_.sample_seconds() + 0.5));
  const std::string csv = absl::StrCat(run_.run_dir(), "/progress.csv");
  const absl::Time first = absl::Now();
  for (int64_t sample = 1;;) {
    if (stop_.load()) {
      std::printf("\nhem: stopping (Ctrl-C)\n");
      reason_ = "interrupted";
      return kRunInterrupted;
    }
    if (!HandleExits(/*starting=*/false)) return kRunFailed;
    StartDueRestarts();
    // On a fixed schedule, so slow polls do not stretch the period.
    if (absl::Now() >= first + sample * period) {
      ClusterProgress p = PollCluster(targets_);
      p.elapsed_seconds = Elapsed();
      p.restarts = TotalRestarts();
      if (absl::Status appended = AppendProgressCsv(csv, p); !appended.ok()) {
        reason_ = std::string(appended.message());
        return kRunFailed;
      }
      ShowOnDashboard(&p);
      if (sample % print_every == 0) {
        std::printf("%s\n", ProgressLine(p).c_str());
        std::fflush(stdout);
      }
      reason_ = judge.Judge(p);
      if (!reason_.empty()) return kRunStopped;
      ++sample;
    }
    absl::SleepFor(kTick);
  }
}

void Supervisor::StopAll() {
  for (const char* role : kStopOrder) {
    std::vector<Process*> group;
    for (Process& p : processes_) {
      p.restart_at = absl::InfiniteFuture();
      if (p.plan.role == role && p.pid != 0) group.push_back(&p);
    }
    for (Process* p : group) AskToStop(*p);
    const absl::Time deadline = absl::Now() + options_.stop_timeout;
    for (Process* p : group) {
      int status = 0;
      const double left = std::max(0.0, absl::ToDoubleSeconds(deadline - absl::Now()));
      if (!WaitForChild(p->pid, left, &status)) {
        Event(absl::StrCat(p->plan.name, " did not stop within ",
                           absl::FormatDuration(options_.stop_timeout), "; killing it"));
        kill(p->pid, SIGKILL);
        WaitForChild(p->pid, 10, &status);
      }
      p->pid = 0;
    }
  }
}

void Supervisor::AskToStop(const Process& p) {
  if (!options_.slurm.job_id.empty()) {
    // SIGTERM to srun would SIGKILL the step's tasks: no final checkpoint.
    const absl::Status sent = SignalSlurmStep(options_.slurm.job_id, p.plan.name, "TERM");
    if (sent.ok()) return;
    Event(absl::StrCat("cannot signal step ", p.plan.name, " (", sent.message(),
                       "); ending its srun"));
  }
  kill(p.pid, SIGTERM);
}

void Supervisor::Plot() {
  if (options_.plot_script.empty()) return;
  const std::string title = absl::StrFormat(
      "%s on %s: %d actors x %d envs, %d shard(s), seed %d",
      run_.learner().algo() == "her" ? "HER" : "hEM", run_.env(),
      run_.actors().role().count(), run_.actors().envs_per_actor(),
      run_.replay().role().count(), run_.seed());
  absl::StatusOr<pid_t> pid = SpawnLogged({options_.plot_script, run_.run_dir(), title},
                                          absl::StrCat(run_.run_dir(), "/logs/launch.log"));
  int status = 0;
  if (pid.ok() && !WaitForChild(*pid, 60, &status)) kill(*pid, SIGKILL);
}

int Supervisor::Finish(int code) {
  const double elapsed = Elapsed();
  // Polled before stopping, so "final" holds the cluster's last numbers.
  ClusterProgress final_progress;
  if (!targets_.empty()) {
    final_progress = PollCluster(targets_);
    final_progress.elapsed_seconds = elapsed;
    final_progress.restarts = TotalRestarts();
  }
  google::protobuf::Struct fields;
  auto& f = *fields.mutable_fields();
  f["env"].set_string_value(run_.env());
  f["actors"].set_number_value(run_.actors().role().count());
  f["envs_per_actor"].set_number_value(run_.actors().envs_per_actor());
  f["shards"].set_number_value(run_.replay().role().count());
  f["seed"].set_number_value(static_cast<double>(run_.seed()));
  f["device"].set_string_value(run_.learner().device());
  f["batch_size"].set_number_value(run_.learner().batch_size());
  f["stop_reason"].set_string_value(reason_);
  f["exit_code"].set_number_value(code);
  f["wall_seconds"].set_number_value(static_cast<int64_t>(elapsed));
  f["run_description"].set_string_value(absl::StrCat(run_.run_dir(), "/run.textproto"));
  auto& per_role = *f["restarts"].mutable_struct_value()->mutable_fields();
  for (const char* role : kStopOrder) {
    auto it = restarts_.find(role);
    per_role[role].set_number_value(it == restarts_.end() ? 0 : it->second.total());
  }
  const std::string csv = absl::StrCat(run_.run_dir(), "/progress.csv");
  absl::StatusOr<google::protobuf::Struct> summary =
      RunSummary(std::move(fields), csv, targets_.empty() ? nullptr : &final_progress);
  absl::Status written = summary.ok()
                             ? WriteJsonFile(absl::StrCat(run_.run_dir(), "/summary.json"), *summary)
                             : summary.status();
  if (!written.ok()) Event(absl::StrCat("cannot write summary.json: ", written.ToString()));
  if (dashboard_ != nullptr) {
    dashboard_->SetState(absl::StrCat(code == kRunFailed ? "failed: " : "stopped: ", reason_));
  }
  StopAll();
  ShowOnDashboard(nullptr);
  Plot();
  std::printf("hem: run directory %s (%s)\n", run_.run_dir().c_str(), reason_.c_str());
  std::fflush(stdout);
  return code;
}

int Supervisor::Run() {
  std::vector<int> offsets = PlannedPorts(run_, 0);
  for (int port : PlannedMetricsPorts(run_, 0)) offsets.push_back(port);
  int base_port = run_.base_port();
  if (base_port == 0) {
    absl::StatusOr<int> found = FindFreeBasePort(run_.network().bind_host(), offsets);
    if (!found.ok()) {
      std::fprintf(stderr, "hem: %s; pass --base_port\n", found.status().ToString().c_str());
      return kRunFailed;
    }
    base_port = *found;
  }
  for (PlannedProcess& planned : PlanProcesses(run_, base_port, options_.bin_dir)) {
    Process p;
    p.plan = std::move(planned);
    // Slurm: every process a job step of the run's job, on its node.
    if (!options_.slurm.job_id.empty()) {
      p.plan.exec_prefix = SlurmStepPrefix(run_, p.plan, options_.slurm);
    }
    processes_.push_back(std::move(p));
  }
  mkdir(absl::StrCat(run_.run_dir(), "/logs").c_str(), 0755);
  std::printf("hem: run directory %s; ports %d..%d\n", run_.run_dir().c_str(), base_port,
              base_port + *std::max_element(offsets.begin(), offsets.end()));
  std::fflush(stdout);
  net_.credentials_dir = CredentialsDir(run_);
  // Entries of an earlier life of this run directory would point the
  // processes at addresses before theirs are published.
  if (const std::string rendezvous = RendezvousDir(run_); !rendezvous.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(rendezvous, ignored);
  }
  if (absl::Status ready = PrepareCredentials(); !ready.ok()) {
    reason_ = std::string(ready.message());
    std::fprintf(stderr, "hem: %s\n", reason_.c_str());
    return Finish(kRunFailed);
  }
  StartMonitoring();
  if (!StartAndWait(StartGroup::kReplay, "replay shards", options_.replay_ready_timeout) ||
      !StartAndWait(StartGroup::kLearner, "learner", options_.learner_ready_timeout) ||
      !StartAndWait(StartGroup::kActors, "actors", options_.actors_ready_timeout)) {
    return Finish(reason_ == "interrupted" ? kRunInterrupted : kRunFailed);
  }
  // The learner's /metrics where it runs (placed: its host, e.g. a Slurm node).
  std::string learner_metrics = absl::StrCat(ConnectHost(run_.network()), ":",
                                             MetricsPort(base_port));
  for (const Process& p : processes_) {
    if (p.plan.role == "learner") learner_metrics = p.plan.metrics_address;
  }
  std::printf(
      "hem: cluster up: %d shard(s), learner, %d actors%s; every process serves /metrics "
      "(learner: %s://%s/metrics), Prometheus: %s/%s\n",
      run_.replay().role().count(), run_.actors().role().count(),
      run_.evaluator().role().count() > 0 ? ", evaluator" : "",
      run_.network().tls() ? "https" : "http", learner_metrics.c_str(), run_.run_dir().c_str(),
      kPrometheusConfigFile);
  std::fflush(stdout);
  return Finish(Monitor());
}

}  // namespace

int Supervise(const RunDescription& run, const SupervisorOptions& options,
              const std::atomic<bool>& stop) {
  Supervisor supervisor(run, options, stop);
  return supervisor.Run();
}

}  // namespace hem
