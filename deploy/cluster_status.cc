// Watches a running hem cluster through every process's StatusService:
// waits for readiness, prints one progress line, appends a CSV row, writes a
// JSON summary. deploy/launch.sh drives it; it is also handy by hand:
//
//   cluster_status --targets=replay=127.0.0.1:7001,learner=127.0.0.1:7100
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/grpc_util.h"
#include "common/logging.h"
#include "common/process.h"
#include "grpcpp/client_context.h"
#include "proto/process_status.grpc.pb.h"

ABSL_FLAG(std::string, targets, "",
          "Processes to watch as role=host:port,... (roles: replay, learner, actor, evaluator)");
ABSL_FLAG(bool, wait_ready, false, "Wait until every target reports ready, then exit");
ABSL_FLAG(double, timeout_seconds, 60, "--wait_ready: give up after this long (exit 1)");
ABSL_FLAG(double, elapsed_seconds, -1, "Seconds since the run started, for the line and CSV");
ABSL_FLAG(std::string, csv, "", "Append one row of cluster progress to this CSV file");
ABSL_FLAG(std::string, json, "", "Write the cluster's numbers as a JSON object to this file");
ABSL_FLAG(bool, print, true, "Print one progress line");

namespace hem {
namespace {

struct Target {
  std::string role;
  std::string address;
  std::unique_ptr<hem::v1::StatusService::Stub> stub;
};

// What the launcher reports, summed or picked over the processes.
struct ClusterNumbers {
  int reachable = 0;
  int ready = 0;
  double env_steps = 0;
  double env_steps_per_second = 0;
  double episodes = 0;
  double train_success_rate = 0;
  int actors = 0;
  double eval_success_rate = -1;
  double eval_version = -1;
  double learner_updates = 0;
  double updates_per_second = 0;
  double samples_per_second = 0;
  double version = -1;
  double staleness = 0;
  double loss = 0;
  double replay_transitions = 0;
  std::vector<std::string> unreachable;
};

double Metric(const hem::v1::ProcessStatus& status, const std::string& key,
              double fallback = 0) {
  auto it = status.metrics().find(key);
  return it == status.metrics().end() ? fallback : it->second;
}

ClusterNumbers Poll(std::vector<Target>& targets) {
  ClusterNumbers n;
  for (Target& target : targets) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    hem::v1::ProcessStatus status;
    grpc::Status rpc = target.stub->GetStatus(&context, hem::v1::StatusRequest(), &status);
    if (!rpc.ok()) {
      n.unreachable.push_back(absl::StrCat(target.role, "@", target.address));
      continue;
    }
    ++n.reachable;
    n.ready += status.ready();
    if (target.role == "actor") {
      ++n.actors;
      n.env_steps += Metric(status, "env_steps");
      n.env_steps_per_second += Metric(status, "env_steps_per_second");
      n.episodes += Metric(status, "episodes");
      n.train_success_rate += Metric(status, "train_success_rate");
    } else if (target.role == "evaluator") {
      n.eval_success_rate = Metric(status, "eval_success_rate", -1);
      n.eval_version = Metric(status, "policy_version", -1);
    } else if (target.role == "learner") {
      n.learner_updates = Metric(status, "updates");
      n.updates_per_second = Metric(status, "updates_per_second");
      n.samples_per_second = Metric(status, "samples_per_second");
      n.version = Metric(status, "version", -1);
      n.staleness = Metric(status, "staleness_mean");
      n.loss = Metric(status, "loss");
    } else if (target.role == "replay") {
      n.replay_transitions += Metric(status, "transitions");
    }
  }
  if (n.actors > 0) n.train_success_rate /= n.actors;
  return n;
}

std::string ProgressLine(const ClusterNumbers& n, double elapsed) {
  std::string test = n.eval_success_rate < 0
                         ? std::string("  -  ")
                         : absl::StrFormat("%.2f (v%d)", n.eval_success_rate,
                                           static_cast<int>(n.eval_version));
  std::string line = absl::StrFormat(
      "[%5.0fs] env steps %9.0f (%6.0f/s) | episodes %7.0f | train %.2f | test %s | "
      "learner %7.0f samples/s %5.1f upd/s v%d staleness %.1f loss %.3f | replay %.0f",
      elapsed, n.env_steps, n.env_steps_per_second, n.episodes, n.train_success_rate,
      test, n.samples_per_second, n.updates_per_second, static_cast<int>(n.version),
      n.staleness, n.loss, n.replay_transitions);
  for (const std::string& missing : n.unreachable) {
    absl::StrAppend(&line, " | UNREACHABLE ", missing);
  }
  return line;
}

void AppendCsv(const std::string& path, const ClusterNumbers& n, double elapsed) {
  struct stat info;
  const bool exists = stat(path.c_str(), &info) == 0 && info.st_size > 0;
  std::ofstream out(path, std::ios::app);
  if (!exists) {
    out << "elapsed_seconds,env_steps,env_steps_per_second,episodes,train_success_rate,"
           "eval_success_rate,eval_version,learner_updates,updates_per_second,"
           "samples_per_second,version,staleness,loss,replay_transitions\n";
  }
  out << absl::StrFormat("%.1f,%.0f,%.1f,%.0f,%.4f,%.4f,%.0f,%.0f,%.2f,%.1f,%.0f,%.2f,%.5f,%.0f\n",
                         elapsed, n.env_steps, n.env_steps_per_second, n.episodes,
                         n.train_success_rate, n.eval_success_rate, n.eval_version,
                         n.learner_updates, n.updates_per_second, n.samples_per_second,
                         n.version, n.staleness, n.loss, n.replay_transitions);
}

void WriteJson(const std::string& path, const ClusterNumbers& n, double elapsed) {
  std::ofstream out(path + ".tmp");
  out << absl::StrFormat(
      "{\n  \"elapsed_seconds\": %.1f,\n  \"env_steps\": %.0f,\n  \"episodes\": %.0f,\n"
      "  \"train_success_rate\": %.4f,\n  \"eval_success_rate\": %.4f,\n"
      "  \"eval_version\": %.0f,\n  \"learner_updates\": %.0f,\n"
      "  \"samples_per_second\": %.1f,\n  \"updates_per_second\": %.2f,\n"
      "  \"version\": %.0f,\n  \"staleness\": %.2f,\n  \"replay_transitions\": %.0f\n}\n",
      elapsed, n.env_steps, n.episodes, n.train_success_rate, n.eval_success_rate,
      n.eval_version, n.learner_updates, n.samples_per_second, n.updates_per_second,
      n.version, n.staleness, n.replay_transitions);
  out.close();
  std::rename((path + ".tmp").c_str(), path.c_str());
}

int Main() {
  std::vector<Target> targets;
  for (absl::string_view item :
       absl::StrSplit(absl::GetFlag(FLAGS_targets), ',', absl::SkipWhitespace())) {
    std::vector<std::string> parts = absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      HEM_LOG(ERROR) << "--targets: '" << item << "' is not role=host:port";
      return 2;
    }
    targets.push_back({parts[0], parts[1],
                       hem::v1::StatusService::NewStub(CreateHemChannel(parts[1]))});
  }
  if (targets.empty()) {
    HEM_LOG(ERROR) << "--targets: nothing to watch";
    return 2;
  }
  if (absl::GetFlag(FLAGS_wait_ready)) {
    const absl::Time deadline =
        absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_timeout_seconds));
    for (;;) {
      ClusterNumbers n = Poll(targets);
      if (n.ready == static_cast<int>(targets.size())) return 0;
      if (absl::Now() > deadline) {
        std::fprintf(stderr, "not ready after %.0f s:%s\n",
                     absl::GetFlag(FLAGS_timeout_seconds),
                     n.unreachable.empty()
                         ? " (reachable but not ready)"
                         : absl::StrCat(" unreachable ", absl::StrJoin(n.unreachable, ", "))
                               .c_str());
        return 1;
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
  }
  const double elapsed = absl::GetFlag(FLAGS_elapsed_seconds);
  ClusterNumbers n = Poll(targets);
  if (absl::GetFlag(FLAGS_print)) std::printf("%s\n", ProgressLine(n, elapsed).c_str());
  if (!absl::GetFlag(FLAGS_csv).empty()) AppendCsv(absl::GetFlag(FLAGS_csv), n, elapsed);
  if (!absl::GetFlag(FLAGS_json).empty()) WriteJson(absl::GetFlag(FLAGS_json), n, elapsed);
  return 0;
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) {
  hem::InitProcess(argc, argv,
                   "Reports a hem cluster's progress from every process's StatusService.\n"
                   "  cluster_status --targets=replay=127.0.0.1:7001,learner=127.0.0.1:7100");
  return hem::Main();
}
