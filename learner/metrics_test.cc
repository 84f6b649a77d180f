// LearnerMetrics, its Prometheus/CSV formats and /metrics page.
#include "learner/metrics.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "common/metrics_endpoint.h"
#include "learner/learner_flags.h"

namespace hem {
namespace {

// A strict reader of the Prometheus text format (0.0.4) for what we emit:
// HELP/TYPE comments, then unlabelled samples "name value". Returns
// name -> value, or fails the test.
std::map<std::string, double> ParsePrometheus(const std::string& text) {
  static const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
  std::map<std::string, double> values;
  std::map<std::string, std::string> types;
  std::set<std::string> helped;
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    if (line[0] == '#') {
      EXPECT_GE(parts.size(), 3u) << line;
      EXPECT_TRUE(parts[1] == "HELP" || parts[1] == "TYPE") << line;
      EXPECT_TRUE(std::regex_match(parts[2], kName)) << line;
      if (parts[1] == "TYPE") {
        EXPECT_EQ(parts.size(), 4u) << line;
        EXPECT_TRUE(parts[3] == "gauge" || parts[3] == "counter") << line;
        EXPECT_TRUE(types.emplace(parts[2], parts[3]).second) << "TYPE twice: " << line;
      } else {
        EXPECT_TRUE(helped.insert(parts[2]).second) << "HELP twice: " << line;
      }
      continue;
    }
    EXPECT_EQ(parts.size(), 2u) << line;
    if (parts.size() != 2) continue;
    EXPECT_TRUE(std::regex_match(parts[0], kName)) << line;
    EXPECT_EQ(types.count(parts[0]), 1u) << "sample before its TYPE: " << line;
    if (types[parts[0]] == "counter") {
      EXPECT_TRUE(absl::EndsWith(parts[0], "_total")) << line;
    }
    char* end = nullptr;
    const double v = std::strtod(parts[1].c_str(), &end);
    EXPECT_EQ(*end, '\0') << "bad value: " << line;
    EXPECT_TRUE(values.emplace(parts[0], v).second) << "sample twice: " << line;
  }
  return values;
}

MetricsSnapshot BusySnapshot(LearnerMetrics& metrics) {
  for (int i = 0; i < 10; ++i) {
    metrics.RecordUpdate(256, absl::Milliseconds(1), absl::Milliseconds(3));
  }
  metrics.RecordFit(0.25, 1.5, 0.3);
  metrics.RecordStaleness(2.5, 7);
  metrics.SetVersion(12);
  hem::v1::ActorReport actor;
  actor.set_actor_id(3);
  actor.set_env_steps(5000);
  actor.set_episodes(100);
  actor.set_policy_version(10);
  metrics.RecordActor(actor);
  absl::SleepFor(absl::Milliseconds(20));
  metrics.Tick();
  return metrics.Snapshot();
}

// An actor restarted under its actor_id reports from zero again (issue 11):
// the cluster's sums keep what its earlier life counted.
TEST(LearnerMetrics, ActorSumsNeverGoBackwardsWhenAnActorRestarts) {
  LearnerMetrics metrics;
  auto report = [&](uint64_t id, int64_t steps, int64_t episodes) {
    hem::v1::ActorReport actor;
    actor.set_actor_id(id);
    actor.set_env_steps(steps);
    actor.set_episodes(episodes);
    metrics.RecordActor(actor);
    return metrics.Snapshot();
  };
  report(0, 1000, 10);
  EXPECT_EQ(report(1, 4000, 40).env_steps, 5000);
  MetricsSnapshot restarted = report(1, 100, 1);  // Actor 1's second life.
  EXPECT_EQ(restarted.env_steps, 5100);
  EXPECT_EQ(restarted.episodes, 51);
  EXPECT_EQ(report(1, 300, 3).env_steps, 5300);
  EXPECT_EQ(report(0, 1500, 15).env_steps, 5800);
  MetricsSnapshot third = report(1, 50, 0);  // And a third.
  EXPECT_EQ(third.env_steps, 1500 + 4000 + 300 + 50);
  EXPECT_EQ(third.episodes, 15 + 40 + 3);
}

TEST(LearnerMetrics, CountsAndRatesOverTheInterval) {
  LearnerMetrics metrics;
  MetricsSnapshot s = BusySnapshot(metrics);
  EXPECT_EQ(s.updates, 10);
  EXPECT_EQ(s.samples, 2560);
  EXPECT_GT(s.samples_per_second, 0);
  EXPECT_NEAR(s.samples_per_second / s.updates_per_second, 256, 1e-6);
  EXPECT_NEAR(s.batch_latency_ms, 1.0, 1e-9);
  EXPECT_NEAR(s.step_ms, 3.0, 1e-9);
  EXPECT_GT(s.wait_fraction, 0);
  EXPECT_LE(s.wait_fraction, 1);
  EXPECT_EQ(s.env_steps, 5000);
  EXPECT_DOUBLE_EQ(s.actor_version_lag, 2);
  EXPECT_TRUE(std::isnan(s.eval_success_rate));  // Nothing reported yet.
  // The next interval starts empty.
  metrics.Tick();
  EXPECT_EQ(metrics.Snapshot().updates_per_second, 0);
  EXPECT_EQ(metrics.Snapshot().updates, 10);
}

TEST(LearnerMetrics, PrometheusTextIsValid) {
  LearnerMetrics metrics;
  MetricsSnapshot s = BusySnapshot(metrics);
  const std::string text = PrometheusText(s);
  std::map<std::string, double> values = ParsePrometheus(text);
  EXPECT_EQ(values["hem_learner_updates_total"], 10);
  EXPECT_EQ(values["hem_learner_version"], 12);
  EXPECT_DOUBLE_EQ(values["hem_learner_loss"], 0.25);
  EXPECT_TRUE(std::isnan(values["hem_learner_eval_success_rate"]));
  EXPECT_EQ(values["hem_learner_env_steps_total"], 5000);

  // Debian's promtool, when installed, is the reference checker.
  const char* promtool = "/usr/bin/promtool";
  if (access(promtool, X_OK) != 0) {
    GTEST_SKIP() << "promtool not installed; checked with our own parser only";
  }
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(tmp ? tmp : "/tmp") + "/metrics.prom";
  std::ofstream(path) << text;
  const std::string command =
      std::string(promtool) + " check metrics < " + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[256];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int rc = pclose(pipe);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_EQ(output, "") << output;
}

TEST(LearnerMetrics, CsvRowMatchesHeader) {
  LearnerMetrics metrics;
  MetricsSnapshot s = BusySnapshot(metrics);
  std::vector<std::string> header = absl::StrSplit(MetricsCsvHeader(), ',');
  std::vector<std::string> row = absl::StrSplit(MetricsCsvRow(s), ',');
  ASSERT_EQ(header.size(), row.size());
  const std::vector<std::string> leading = {"wall_time", "updates", "samples",
                                            "env_steps", "eval_success_rate",
                                            "loss", "version"};
  for (size_t i = 0; i < leading.size(); ++i) EXPECT_EQ(header[i], leading[i]);
  EXPECT_EQ(row[1], "10");
  EXPECT_EQ(row[4], "");  // No evaluation yet: empty cell, not "nan".
  EXPECT_EQ(row[6], "12");
  EXPECT_FALSE(MetricsConsoleLine(s).empty());
}

TEST(LearnerMetrics, ByNameHasEveryCsvColumnWithItsValue) {
  LearnerMetrics metrics;
  MetricsSnapshot s = BusySnapshot(metrics);
  std::vector<std::string> header = absl::StrSplit(MetricsCsvHeader(), ',');
  std::vector<std::pair<std::string, double>> by_name = MetricsByName(s);
  ASSERT_EQ(by_name.size(), header.size());
  std::map<std::string, double> values;
  for (size_t i = 0; i < header.size(); ++i) {
    EXPECT_EQ(by_name[i].first, header[i]);
    values[by_name[i].first] = by_name[i].second;
  }
  // What deploy/cluster_status reads from the learner's StatusService.
  EXPECT_EQ(values["updates"], 10);
  EXPECT_EQ(values["version"], 12);
  EXPECT_TRUE(std::isnan(values["eval_success_rate"]));
  for (const char* name : {"samples", "updates_per_second", "samples_per_second",
                           "wait_fraction", "loss", "env_steps", "staleness_mean",
                           "live_shards"}) {
    EXPECT_EQ(values.count(name), 1u) << name;
  }
}

// The /metrics page adds where the training thread's time goes, as one
// histogram family with a label per phase.
TEST(LearnerMetrics, PageHasTheUpdatePhasesAsHistograms) {
  LearnerMetrics metrics;
  BusySnapshot(metrics);
  metrics.phases().wait.Observe(absl::Milliseconds(2));
  metrics.phases().forward_backward.Observe(absl::Milliseconds(3));
  const std::string page = LearnerMetricsPage(metrics);
  EXPECT_EQ(page.rfind(PrometheusText(metrics.Snapshot()).substr(0, 40), 0), 0u);
  EXPECT_NE(page.find("# TYPE hem_learner_update_phase_seconds histogram\n"), std::string::npos);
  for (const char* phase : {"wait", "to_device", "forward_backward", "optimizer", "publish"}) {
    EXPECT_NE(page.find(absl::StrCat("hem_learner_update_phase_seconds_count{phase=\"", phase,
                                     "\"}")),
              std::string::npos)
        << phase;
  }
  EXPECT_NE(page.find("hem_learner_update_phase_seconds_count{phase=\"wait\"} 1\n"),
            std::string::npos);
}

// The endpoint itself is common/metrics_endpoint.h (tested in
// common/http_server_test.cc, which also carries the request/response
// assertions this file made on the old hand-written server). An unusable
// port is an error naming the field, which the learner's flags layer turns
// into its flag.
TEST(MetricsHttpServer, BusyPortIsAClearError) {
  auto first = StartMetricsEndpoint(0, NetConfig(), nullptr, "learner", 0,
                                    [](std::string*) {}, nullptr)
                   .value();
  auto second = StartMetricsEndpoint(first->port(), NetConfig(), nullptr, "learner", 0,
                                     [](std::string*) {}, nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(ToFlagError(second.status()).message().find("--metrics_port"),
            absl::string_view::npos);
  EXPECT_EQ(StartMetricsEndpoint(70000, NetConfig(), nullptr, "learner", 0,
                                 [](std::string*) {}, nullptr)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hem
