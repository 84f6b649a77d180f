// The dashboard's server: the page and uPlot from deploy/dashboard, and the
// progress rows and process table as JSON, incrementally.
#include "deploy/dashboard_server.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace hem {
namespace {

std::unique_ptr<Dashboard> StartDashboard() {
  DashboardOptions options;
  options.static_dir = "deploy/dashboard";  // In the test's runfiles.
  options.env = "flip_bit:k=10";
  options.run_dir = "/runs/r";
  auto dashboard = Dashboard::Start(options);
  EXPECT_TRUE(dashboard.ok()) << dashboard.status();
  return dashboard.ok() ? *std::move(dashboard) : nullptr;
}

TEST(Dashboard, ServesThePageAndUPlotFromTheInstalledPackage) {
  auto dashboard = StartDashboard();
  ASSERT_NE(dashboard, nullptr);
  EXPECT_EQ(dashboard->url("127.0.0.1"),
            "http://127.0.0.1:" + std::to_string(dashboard->port()) + "/");
  httplib::Client client("127.0.0.1", dashboard->port());
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(page->body, "<script src=\"uplot.js\">")) << page->body;
  auto uplot = client.Get("/uplot.js");
  ASSERT_TRUE(uplot);
  EXPECT_EQ(uplot->status, 200);
  EXPECT_TRUE(absl::StrContains(uplot->body, "uPlot")) << uplot->body.substr(0, 200);
  for (const char* path : {"/uplot.css", "/dashboard.js", "/dashboard.css"}) {
    auto file = client.Get(path);
    ASSERT_TRUE(file) << path;
    EXPECT_EQ(file->status, 200) << path;
    EXPECT_FALSE(file->body.empty()) << path;
  }
  EXPECT_EQ(client.Get("/missing")->status, 404);
}

TEST(Dashboard, ProgressRowsAndProcessesAsJson) {
  auto dashboard = StartDashboard();
  ASSERT_NE(dashboard, nullptr);
  ClusterProgress p;
  p.env_steps = 1000;
  p.eval_success_rate = 0.25;
  dashboard->AddProgress(p, 640, 5120);
  p.env_steps = 2000;
  dashboard->AddProgress(p, 650, 5200);
  DashboardProcess learner;
  learner.name = "learner";
  learner.role = "learner";
  learner.address = "127.0.0.1:30050";
  learner.metrics_address = "127.0.0.1:30051";
  learner.pid = 42;
  learner.state = "running";
  learner.version = 7;
  learner.ready = true;
  dashboard->SetProcesses({learner});
  dashboard->SetState("running");

  httplib::Client client("127.0.0.1", dashboard->port());
  auto all = client.Get("/api/progress");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->get_header_value("Content-Type"), "application/json");
  const std::string& json = all->body;
  EXPECT_TRUE(absl::StrContains(json, "\"env\":\"flip_bit:k=10\"")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"state\":\"running\"")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"columns\":[\"elapsed_seconds\",\"env_steps\",")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"replay_inserts_per_second\",\"replay_samples_per_second\"]"))
      << json;
  EXPECT_TRUE(absl::StrContains(json, "[1,0,1000,")) << json;  // seq, elapsed, env_steps.
  EXPECT_TRUE(absl::StrContains(json, "[2,0,2000,")) << json;
  EXPECT_TRUE(absl::StrContains(json, ",650,5200]")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"last_seq\":2")) << json;
  EXPECT_TRUE(absl::StrContains(
      json, "{\"name\":\"learner\",\"role\":\"learner\",\"index\":0,\"address\":"
            "\"127.0.0.1:30050\",\"metrics_address\":\"127.0.0.1:30051\",\"pid\":42,"
            "\"state\":\"running\",\"restarts\":0,\"version\":7,\"ready\":true}"))
      << json;
  // Only what is new since a row the page has.
  auto since = client.Get("/api/progress?since=1");
  ASSERT_TRUE(since);
  EXPECT_FALSE(absl::StrContains(since->body, "[1,0,1000,")) << since->body;
  EXPECT_TRUE(absl::StrContains(since->body, "[2,0,2000,")) << since->body;
}

TEST(Dashboard, WithoutUPlotInstalledSaysHowToInstallIt) {
  DashboardOptions options;
  options.static_dir = "/nonexistent";
  auto dashboard = Dashboard::Start(options);
  ASSERT_FALSE(dashboard.ok());
  EXPECT_EQ(dashboard.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(dashboard.status().message(), "deploy/install_deps.sh"));
}

}  // namespace
}  // namespace hem
