// A run's prometheus.yml: one target per process with its role, index and
// name, HTTPS with the run's CA and token file under TLS, and a file
// Prometheus's own checker accepts.
#include "deploy/prometheus_config.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "deploy/process_plan.h"
#include "deploy/run_description.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

hem::v1::RunDescription TestRun(const std::string& name) {
  hem::v1::RunDescription run = DefaultRunDescription();
  run.set_run_dir(absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name));
  std::system(absl::StrCat("mkdir -p ", run.run_dir()).c_str());
  run.mutable_replay()->mutable_role()->set_count(2);
  return run;
}

// promtool's verdict on the file, "" when it is not installed.
std::string Check(const std::string& path, int* rc) {
  *rc = 0;
  if (access("/usr/bin/promtool", X_OK) != 0) return "";
  const std::string command = absl::StrCat("/usr/bin/promtool check config ", path, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[256];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  *rc = pclose(pipe);
  return output;
}

TEST(PrometheusConfig, OneLabelledTargetPerProcess) {
  const hem::v1::RunDescription run = TestRun("plain");
  const std::vector<PlannedProcess> plan = PlanProcesses(run, 30000, "/bin");
  ASSERT_TRUE(WritePrometheusConfig(run, plan).ok());
  const std::string yaml = PrometheusConfig(run, plan);
  EXPECT_TRUE(absl::StrContains(yaml, "scrape_interval: 2s\n")) << yaml;
  EXPECT_FALSE(absl::StrContains(yaml, "https")) << yaml;
  // Learner at +51; the rest after the 2 actors (+102): shards, evaluator, actors.
  for (const char* target :
       {"- targets: [\"127.0.0.1:30051\"]\n        labels: {role: \"learner\", index: \"0\", "
        "process: \"learner\"}",
        "- targets: [\"127.0.0.1:30103\"]\n        labels: {role: \"replay\", index: \"1\", "
        "process: \"replay-1\"}",
        "- targets: [\"127.0.0.1:30152\"]\n        labels: {role: \"evaluator\", index: \"0\"",
        "- targets: [\"127.0.0.1:30154\"]\n        labels: {role: \"actor\", index: \"1\""}) {
    EXPECT_TRUE(absl::StrContains(yaml, target)) << target << "\nnot in\n" << yaml;
  }
  EXPECT_EQ(plan.size(), 6u);  // 2 shards, learner, 2 actors, evaluator.
  int rc = 0;
  const std::string checked = Check(run.run_dir() + "/prometheus.yml", &rc);
  EXPECT_EQ(rc, 0) << checked;
}

TEST(PrometheusConfig, HttpsWithTheRunsCaAndTokenUnderTls) {
  hem::v1::RunDescription run = TestRun("tls");
  run.mutable_network()->set_tls(true);
  const std::string credentials = run.run_dir() + "/credentials";
  std::system(absl::StrCat("mkdir -p ", credentials, " && touch ", credentials, "/ca.crt ",
                           credentials, "/token")
                  .c_str());
  const std::vector<PlannedProcess> plan = PlanProcesses(run, 30000, "/bin");
  ASSERT_TRUE(WritePrometheusConfig(run, plan).ok());
  const std::string yaml = PrometheusConfig(run, plan);
  EXPECT_TRUE(absl::StrContains(
      yaml, absl::StrCat("    scheme: https\n    tls_config:\n      ca_file: \"", credentials,
                         "/ca.crt\"\n      server_name: hem-node\n    authorization:\n"
                         "      type: Bearer\n      credentials_file: \"",
                         credentials, "/token\"\n")))
      << yaml;
  int rc = 0;
  const std::string checked = Check(run.run_dir() + "/prometheus.yml", &rc);
  EXPECT_EQ(rc, 0) << checked;
}

}  // namespace
}  // namespace hem
