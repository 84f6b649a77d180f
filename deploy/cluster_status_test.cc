// cluster_status's pieces against real StatusService servers on loopback:
// polling sums the roles' metrics, progress.csv is written and read by column
// name, the stop rules fire in order, exited processes are noticed, and the
// summary is valid JSON with the keys scripts read.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/grpc_util.h"
#include "common/status_service.h"
#include "deploy/cluster_progress.h"
#include "deploy/process_watch.h"
#include "deploy/run_summary.h"
#include "deploy/stop_rules.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/server.h"
#include "gtest/gtest.h"

extern char** environ;

namespace hem {
namespace {

// A process's StatusService with fixed metrics.
struct FakeProcess {
  FakeProcess(const std::string& role, std::map<std::string, double> metrics)
      : service(role, role) {
    service.SetReporter([metrics](hem::v1::ProcessStatus* status) {
      for (const auto& [key, value] : metrics) (*status->mutable_metrics())[key] = value;
    });
    service.SetReady(true);
    int port = 0;
    server = *StartServer(ListenAddress(0), {&service}, &port);
    target = absl::StrCat(role, "=127.0.0.1:", port);
  }
  ~FakeProcess() { server->Shutdown(); }

  ProcessStatusService service;
  std::unique_ptr<grpc::Server> server;
  std::string target;
};

std::string TempPath(const std::string& name) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  unlink(path.c_str());
  return path;
}

ClusterProgress Progress(double eval, double steps, double elapsed) {
  ClusterProgress p;
  p.eval_success_rate = eval;
  p.env_steps = steps;
  p.elapsed_seconds = elapsed;
  return p;
}

TEST(PollCluster, SumsActorsAveragesTheirSuccessAndNamesTheUnreachable) {
  FakeProcess replay("replay", {{"transitions", 1000}});
  FakeProcess learner("learner", {{"updates", 50}, {"version", 5}, {"loss", 0.25}});
  FakeProcess actor0("actor", {{"env_steps", 300}, {"train_success_rate", 0.2}});
  FakeProcess actor1("actor", {{"env_steps", 700}, {"train_success_rate", 0.4}});
  FakeProcess evaluator("evaluator", {{"eval_success_rate", 0.75}, {"policy_version", 4}});
  int closed_port = 0;
  {
    ProcessStatusService service("gone", "gone");
    auto server = *StartServer(ListenAddress(0), {&service}, &closed_port);
    server->Shutdown();
  }
  auto targets = ParseTargets(absl::StrCat(
      replay.target, ",", learner.target, ",", actor0.target, ",", actor1.target, ",",
      evaluator.target, ",actor=127.0.0.1:", closed_port));
  ASSERT_TRUE(targets.ok()) << targets.status();
  ClusterProgress p = PollCluster(*targets);
  EXPECT_EQ(p.reachable, 5);
  EXPECT_EQ(p.ready, 5);
  EXPECT_EQ(p.env_steps, 1000);
  EXPECT_DOUBLE_EQ(p.train_success_rate, 0.3);  // Over the actors that answered.
  EXPECT_EQ(p.eval_success_rate, 0.75);
  EXPECT_EQ(p.eval_version, 4);
  EXPECT_EQ(p.learner_updates, 50);
  EXPECT_EQ(p.version, 5);
  EXPECT_EQ(p.replay_transitions, 1000);
  ASSERT_EQ(p.unreachable.size(), 1u);
  EXPECT_EQ(p.unreachable[0], absl::StrCat("actor@127.0.0.1:", closed_port));

  const std::string line = ProgressLine(p);
  EXPECT_NE(line.find("env steps      1000"), std::string::npos) << line;
  EXPECT_NE(line.find("test 0.75 (v4)"), std::string::npos) << line;
  EXPECT_NE(line.find("| UNREACHABLE actor@"), std::string::npos) << line;

  EXPECT_FALSE(ParseTargets("learner").ok());
  EXPECT_FALSE(ParseTargets("=127.0.0.1:1").ok());
}

TEST(ProgressCsv, OneHeaderThenRowsReadBackByName) {
  const std::string path = TempPath("progress.csv");
  ASSERT_TRUE(AppendProgressCsv(path, Progress(-1, 100, 1)).ok());
  ASSERT_TRUE(AppendProgressCsv(path, Progress(0.5, 250, 2)).ok());
  auto text = ReadFileToString(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->rfind(ProgressCsvHeader() + "\n", 0), 0u);
  EXPECT_EQ(text->find("elapsed_seconds", 1), std::string::npos) << "header written twice";

  auto steps = ReadCsvColumn(path, "env_steps");
  ASSERT_TRUE(steps.ok()) << steps.status();
  EXPECT_EQ(*steps, (std::vector<double>{100, 250}));
  auto eval = ReadCsvColumn(path, "eval_success_rate");
  ASSERT_TRUE(eval.ok());
  EXPECT_EQ(*eval, (std::vector<double>{-1, 0.5}));
  EXPECT_TRUE(absl::IsNotFound(ReadCsvColumn(path, "no_such_column").status()));
  EXPECT_TRUE(absl::IsNotFound(ReadCsvColumn(TempPath("missing.csv"), "env_steps").status()));

  // Every column the table lists is in the header, in order, once.
  std::string names;
  for (const ProgressColumn& column : ProgressColumns()) {
    absl::StrAppend(&names, names.empty() ? "" : ",", column.name);
  }
  EXPECT_EQ(names, ProgressCsvHeader());
}

TEST(ProgressCsv, RefusesToAppendUnderAnotherHeader) {
  const std::string path = TempPath("old_progress.csv");
  ASSERT_TRUE(WriteFileAtomically(path, "elapsed_seconds,steps\n1,2\n").ok());
  absl::Status status = AppendProgressCsv(path, ClusterProgress());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

TEST(StopRules, FireInOrderAndOnlyWhenSet) {
  StopRules none;
  EXPECT_EQ(StopReason(none, Progress(1.0, 1e9, 1e9)), "");

  StopRules rules;
  rules.target_success = 0.9;
  rules.max_env_steps = 1000;
  rules.time_limit_seconds = 60;
  EXPECT_EQ(StopReason(rules, Progress(-1, 999, 59)), "");
  EXPECT_EQ(StopReason(rules, Progress(0.95, 5000, 100)), "test success 0.9500 >= target 0.9");
  EXPECT_EQ(StopReason(rules, Progress(0.5, 1000, 100)), "step budget 1000 reached");
  EXPECT_EQ(StopReason(rules, Progress(0.5, 10, 60)), "time limit 60s reached");
}

TEST(StopRules, SettleEvaluationsGoOnForThatManyNewEvaluations) {
  StopRules rules;
  rules.target_success = 0.9;
  rules.settle_evaluations = 3;
  rules.time_limit_seconds = 1000;
  StopJudge judge(rules);
  auto at = [](double success, double version, double seconds) {
    ClusterProgress p = Progress(success, 100, seconds);
    p.eval_version = version;
    return p;
  };
  EXPECT_EQ(judge.Judge(at(0.5, 10, 10)), "");
  EXPECT_EQ(judge.Judge(at(0.92, 20, 20)), "");  // Reached: now settle.
  EXPECT_EQ(judge.Judge(at(0.92, 20, 21)), "");  // The same evaluation again.
  EXPECT_EQ(judge.Judge(at(0.85, 30, 22)), "");  // Dips below: still counted.
  EXPECT_EQ(judge.Judge(at(0.97, 40, 23)), "");
  EXPECT_EQ(judge.Judge(at(0.97, 40, 24)), "");
  EXPECT_EQ(judge.Judge(at(0.95, 50, 25)),
            "test success >= target 0.9 at 20s, then 3 evaluations in [0.8500, 0.9700]");

  // The other rules still apply while settling.
  StopJudge late(rules);
  EXPECT_EQ(late.Judge(at(0.95, 10, 990)), "");
  EXPECT_EQ(late.Judge(at(0.95, 10, 1000)), "time limit 1000s reached");
}

TEST(ProcessWatch, AnExitedChildIsNamedEvenBeforeItIsReaped) {
  auto parsed = ParseWatchedProcesses("self:" + std::to_string(getpid()));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(ExitedProcesses(*parsed).empty());

  pid_t child = 0;
  char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
  ASSERT_EQ(posix_spawn(&child, "/bin/true", nullptr, nullptr, argv, environ), 0);
  std::vector<WatchedProcess> processes = {{"learner", child}};
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (ProcessRunning(child) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(ExitedProcesses(processes),
            std::vector<std::string>{absl::StrCat("learner (pid ", child, ")")});
  int status = 0;
  EXPECT_EQ(waitpid(child, &status, 0), child);  // A zombie until now.
  EXPECT_FALSE(ProcessRunning(child));

  EXPECT_FALSE(ParseWatchedProcesses("learner").ok());
  EXPECT_FALSE(ParseWatchedProcesses("learner:abc").ok());
  EXPECT_FALSE(ParseWatchedProcesses(":12").ok());
}

TEST(RunSummary, IsJsonWithTheKeysScriptsRead) {
  const std::string csv = TempPath("summary_progress.csv");
  ASSERT_TRUE(AppendProgressCsv(csv, Progress(-1, 100, 1)).ok());
  ASSERT_TRUE(AppendProgressCsv(csv, Progress(0.875, 200, 2)).ok());
  ASSERT_TRUE(AppendProgressCsv(csv, Progress(0.5, 300, 3)).ok());
  auto fields = StructFromKeyValues(
      {"env=flip_bit:k=40,horizon=5", "actors=2", "stop_reason=test success 1 >= target 0.9",
       "exit_code=0", "device=cpu", "seed=-3", "odd=1e5", "quoted=a \"<b>\" \\u003e"});
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_FALSE(StructFromKeyValues({"novalue"}).ok());
  EXPECT_FALSE(StructFromKeyValues({"=1"}).ok());

  ClusterProgress final_progress = Progress(0.5, 300, 3);
  final_progress.loss = 0.1234567;
  auto summary = RunSummary(*fields, csv, &final_progress);
  ASSERT_TRUE(summary.ok()) << summary.status();
  const std::string path = TempPath("summary.json");
  ASSERT_TRUE(WriteJsonFile(path, *summary).ok());

  auto text = ReadFileToString(path);
  ASSERT_TRUE(text.ok());
  // tests/e2e_learning_test.sh and run_results.sh read these lines with sed.
  EXPECT_NE(text->find("\"best_eval_success_rate\": 0.875,"), std::string::npos) << *text;
  EXPECT_NE(text->find("\"stop_reason\": \"test success 1 >= target 0.9\""),
            std::string::npos) << *text;
  EXPECT_LT(text->find("\"actors\""), text->find("\"env\"")) << "keys not sorted";

  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*text, &parsed).ok()) << *text;
  const auto& f = parsed.fields();
  EXPECT_EQ(f.at("env").string_value(), "flip_bit:k=40,horizon=5");
  EXPECT_EQ(f.at("actors").number_value(), 2);
  EXPECT_EQ(f.at("seed").number_value(), -3);
  EXPECT_EQ(f.at("odd").string_value(), "1e5");
  EXPECT_EQ(f.at("device").string_value(), "cpu");
  EXPECT_EQ(f.at("quoted").string_value(), "a \"<b>\" \\u003e");
  const auto& final_fields = f.at("final").struct_value().fields();
  EXPECT_EQ(final_fields.at("env_steps").number_value(), 300);
  EXPECT_EQ(final_fields.at("loss").number_value(), 0.12346);  // As in the CSV.
  EXPECT_EQ(final_fields.size(), ProgressColumns().size());

  auto without = RunSummary(google::protobuf::Struct(), TempPath("none.csv"), nullptr);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(without->fields().at("best_eval_success_rate").number_value(), 0);
  EXPECT_TRUE(without->fields().at("final").has_null_value());
}

}  // namespace
}  // namespace hem
