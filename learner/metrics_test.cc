// LearnerMetrics, its Prometheus/CSV formats, and the /metrics HTTP endpoint.
#include "learner/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "learner/metrics_http_server.h"

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

// Sends `request` to 127.0.0.1:port and returns the whole response.
std::string HttpExchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  EXPECT_EQ(send(fd, request.data(), request.size(), 0),
            static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) response.append(buffer, n);
  close(fd);
  return response;
}

TEST(MetricsHttpServer, ServesMetricsAndRejectsEverythingElse) {
  LearnerMetrics metrics;
  BusySnapshot(metrics);
  auto server = MetricsHttpServer::Start(
                    0, false, [&] { return PrometheusText(metrics.Snapshot()); })
                    .value();
  ASSERT_GT(server->port(), 0);
  std::string response =
      HttpExchange(server->port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(absl::StartsWith(response, "HTTP/1.0 200 OK\r\n")) << response;
  EXPECT_NE(response.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  const std::string body = response.substr(response.find("\r\n\r\n") + 4);
  EXPECT_EQ(ParsePrometheus(body)["hem_learner_updates_total"], 10);
  EXPECT_NE(response.find("Content-Length: " + std::to_string(body.size())),
            std::string::npos);

  EXPECT_TRUE(absl::StartsWith(
      HttpExchange(server->port(), "GET / HTTP/1.1\r\n\r\n"), "HTTP/1.0 404"));
  EXPECT_TRUE(absl::StartsWith(
      HttpExchange(server->port(), "POST /metrics HTTP/1.1\r\n\r\n"), "HTTP/1.0 405"));
  EXPECT_TRUE(absl::StartsWith(HttpExchange(server->port(), "garbage\r\n\r\n"),
                               "HTTP/1.0 400"));
}

TEST(MetricsHttpServer, BusyPortIsAClearError) {
  auto first = MetricsHttpServer::Start(0, false, [] { return std::string(); }).value();
  auto second = MetricsHttpServer::Start(first->port(), false,
                                         [] { return std::string(); });
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("--metrics_port"), absl::string_view::npos);
  EXPECT_EQ(MetricsHttpServer::Start(70000, false, [] { return std::string(); })
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hem
