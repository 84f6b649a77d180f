// The restart policy: backoff doubles per death in a row up to its cap and
// resets after a long life; a role gets max_restarts per sliding window and
// the next death within it is refused, saying why.
#include "deploy/restart_policy.h"

#include "gtest/gtest.h"

namespace hem {
namespace {

hem::v1::RestartPolicy Policy(int max_restarts) {
  hem::v1::RestartPolicy policy;
  policy.set_max_restarts(max_restarts);
  policy.set_window_seconds(600);
  policy.set_initial_backoff_seconds(1);
  policy.set_max_backoff_seconds(30);
  return policy;
}

TEST(RestartPolicy, BackoffDoublesPerDeathInARowUpToItsCap) {
  RoleRestarts restarts("actor", Policy(100));
  absl::Time now = absl::UnixEpoch();
  std::vector<double> backoffs;
  for (int i = 0; i < 7; ++i) {
    now += absl::Seconds(1);
    RestartDecision d = restarts.OnDeath(0, now, absl::Seconds(2));
    ASSERT_TRUE(d.restart);
    backoffs.push_back(absl::ToDoubleSeconds(d.backoff));
  }
  EXPECT_EQ(backoffs, (std::vector<double>{1, 2, 4, 8, 16, 30, 30}));
  // Another process of the role has its own streak.
  EXPECT_EQ(restarts.OnDeath(1, now, absl::Seconds(2)).backoff, absl::Seconds(1));
  // A life as long as the window starts the streak again.
  EXPECT_EQ(restarts.OnDeath(0, now, absl::Minutes(10)).backoff, absl::Seconds(1));
  EXPECT_EQ(restarts.total(), 9);
}

TEST(RestartPolicy, ALimitPerRolePerSlidingWindow) {
  RoleRestarts restarts("replay", Policy(2));
  const absl::Time t0 = absl::UnixEpoch();
  RestartDecision first = restarts.OnDeath(0, t0, absl::Seconds(5));
  EXPECT_TRUE(first.restart);
  EXPECT_EQ(first.restarts_in_window, 1);
  EXPECT_EQ(restarts.OnDeath(1, t0 + absl::Minutes(5), absl::Seconds(5)).restarts_in_window, 2);
  RestartDecision third = restarts.OnDeath(0, t0 + absl::Minutes(9), absl::Seconds(5));
  EXPECT_FALSE(third.restart);
  EXPECT_EQ(third.refusal, "2 restarts of replay within 600s already (the limit)");
  // Ten minutes after the first, it has left the window.
  EXPECT_TRUE(restarts.OnDeath(0, t0 + absl::Minutes(10), absl::Seconds(5)).restart);
  EXPECT_EQ(restarts.total(), 3);
}

TEST(RestartPolicy, ZeroRestartsMeansTheFirstDeathEndsTheRun) {
  RoleRestarts restarts("learner", Policy(0));
  RestartDecision d = restarts.OnDeath(0, absl::UnixEpoch(), absl::Seconds(5));
  EXPECT_FALSE(d.restart);
  EXPECT_EQ(d.refusal, "restarts are off (max_restarts: 0)");
}

}  // namespace
}  // namespace hem
