// Counters across restarts, alone and as PollCluster applies them to real
// StatusService servers: when a process restarts (a new StatusService, its
// uptime from zero, its counters from zero), the cluster's env steps,
// episodes and updates never go backwards, not even while it is down.
#include "deploy/lifetime_counters.h"

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/grpc_util.h"
#include "common/status_service.h"
#include "deploy/cluster_progress.h"
#include "grpcpp/server.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

TEST(LifetimeCounters, CumulativeCountersAddUpOverLives) {
  LifetimeCounters counters;
  counters.Observe(100, 1);
  EXPECT_EQ(counters.Cumulative("steps", 500), 500);
  counters.Observe(100, 2);
  EXPECT_EQ(counters.Cumulative("steps", 900), 900);
  counters.Observe(101, 0.5);  // A new pid: a new life.
  EXPECT_EQ(counters.lives(), 2);
  EXPECT_EQ(counters.Cumulative("steps", 40), 940);
  counters.Observe(101, 3);
  EXPECT_EQ(counters.Cumulative("steps", 100), 1000);
  counters.Observe(101, 4);
  EXPECT_EQ(counters.Cumulative("steps", 20), 1020);  // A drop alone is a new life too.
  EXPECT_EQ(counters.Last("steps"), 1020);
  EXPECT_EQ(counters.Last("never"), 0);
}

TEST(LifetimeCounters, RestoredCountersPauseInsteadOfDropping) {
  LifetimeCounters counters;
  counters.Observe(1, 1);
  EXPECT_EQ(counters.Restored("updates", 700), 700);
  counters.Observe(2, 0.1);  // Restarted from a checkpoint at 500.
  EXPECT_EQ(counters.Restored("updates", 500), 700);
  EXPECT_EQ(counters.Restored("updates", 800), 800);
}

// A process's StatusService with settable metrics, restartable on its port.
class FakeActor {
 public:
  explicit FakeActor(int port = 0) : service_("actor", "actor-0") {
    service_.SetReporter([this](hem::v1::ProcessStatus* status) {
      (*status->mutable_metrics())["env_steps"] = steps_.load();
      (*status->mutable_metrics())["episodes"] = steps_.load() / 10;
    });
    service_.SetReady(true);
    server_ = *StartServer(ListenAddress(port), {&service_}, &port_);
  }
  ~FakeActor() { server_->Shutdown(); }
  void set_steps(double steps) { steps_ = steps; }
  int port() const { return port_; }

 private:
  ProcessStatusService service_;
  std::atomic<double> steps_{0};
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST(PollCluster, EnvStepsNeverGoBackwardsAcrossAnActorRestart) {
  auto actor = std::make_unique<FakeActor>();
  const int port = actor->port();
  auto targets = ParseTargets(absl::StrCat("actor=127.0.0.1:", port));
  ASSERT_TRUE(targets.ok()) << targets.status();
  actor->set_steps(5000);
  EXPECT_EQ(PollCluster(*targets).env_steps, 5000);
  EXPECT_EQ(PollCluster(*targets).episodes, 500);

  actor.reset();  // Killed: while it is down its steps still count.
  ClusterProgress down = PollCluster(*targets);
  EXPECT_EQ(down.unreachable.size(), 1u);
  EXPECT_EQ(down.env_steps, 5000);
  EXPECT_EQ(down.episodes, 500);

  absl::SleepFor(absl::Milliseconds(50));
  actor = std::make_unique<FakeActor>(port);  // Restarted: counts from zero.
  actor->set_steps(300);
  ClusterProgress after = PollCluster(*targets);
  // The channel reconnects with its own backoff; until then the old counts.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!after.unreachable.empty() && absl::Now() < deadline) {
    EXPECT_EQ(after.env_steps, 5000);
    absl::SleepFor(absl::Milliseconds(100));
    after = PollCluster(*targets);
  }
  EXPECT_TRUE(after.unreachable.empty());
  EXPECT_EQ(after.env_steps, 5300);
  EXPECT_EQ(after.episodes, 530);
  actor->set_steps(1000);
  EXPECT_EQ(PollCluster(*targets).env_steps, 6000);
}

}  // namespace
}  // namespace hem
