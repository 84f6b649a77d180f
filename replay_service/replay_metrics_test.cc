// A running shard's /metrics: what it stores and counts, by name, in a page
// Prometheus's own checker accepts.
#include "replay_service/replay_metrics.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/env_catalog.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "replay_service/replay_server.h"
#include "replay_service/replay_testing.h"

namespace hem {
namespace {

TEST(ReplayMetrics, ARunningShardServesItsCountsByName) {
  ReplayServerConfig config;
  config.metrics_port = 0;
  config.shard.shard_index = 1;
  config.shard.num_shards = 2;
  auto server = ReplayServer::Start(config);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->metrics_port(), 0);
  const hem::v1::EnvSpec spec = MakeEnvSpec("flip_bit:k=4").value();
  ReplayShard* shard = (*server)->shard();
  ASSERT_TRUE(shard->RegisterSpec(spec).ok());
  const auto never = [] { return false; };
  testing::TrajectoryOptions four;
  four.num_steps = 4;
  for (uint64_t episode = 0; episode < 3; ++episode) {
    hem::v1::Trajectory t = testing::MakeTrajectory(spec, 7, episode, four);
    ASSERT_TRUE(shard->Insert(&t, absl::InfiniteFuture(), never).ok());
  }
  hem::v1::Trajectory again = testing::MakeTrajectory(spec, 7, 0, four);
  ASSERT_TRUE(shard->Insert(&again, absl::InfiniteFuture(), never).ok());  // Duplicate.
  hem::v1::Trajectory bad = testing::MakeTrajectory(spec, 7, 9, four);
  bad.set_num_steps(5);  // Does not match its tensors.
  ASSERT_TRUE(shard->Insert(&bad, absl::InfiniteFuture(), never).ok());

  httplib::Client client("127.0.0.1", (*server)->metrics_port());
  auto response = client.Get("/metrics");
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  ASSERT_EQ(response->status, 200);
  const std::string& page = response->body;
  for (const char* line :
       {"hem_replay_transitions 12\n", "hem_replay_episodes 3\n",
        "hem_replay_inserted_episodes_total 3\n", "hem_replay_inserted_transitions_total 12\n",
        "hem_replay_rejected_trajectories_total{reason=\"invalid\"} 1\n",
        "hem_replay_rejected_trajectories_total{reason=\"duplicate\"} 1\n",
        "hem_replay_rate_limiter_waits_total{side=\"insert\"} 0\n",
        "hem_replay_checkpoint_age_seconds NaN\n", "# TYPE hem_replay_sampled_transitions_total counter\n",
        "# TYPE hem_unauthenticated_requests_total counter\n"}) {
    EXPECT_TRUE(absl::StrContains(page, line)) << line << " not in\n" << page;
  }

  const char* promtool = "/usr/bin/promtool";
  if (access(promtool, X_OK) != 0) GTEST_SKIP() << "promtool not installed";
  const std::string path = absl::StrCat(std::getenv("TEST_TMPDIR"), "/replay.prom");
  std::ofstream(path) << page;
  EXPECT_EQ(std::system(absl::StrCat(promtool, " check metrics < ", path).c_str()), 0) << page;
}

}  // namespace
}  // namespace hem
