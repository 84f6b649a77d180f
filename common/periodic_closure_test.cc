#include "common/periodic_closure.h"

#include <atomic>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

TEST(PeriodicClosure, RunsEveryPeriodUntilStopped) {
  std::atomic<int> calls{0};
  PeriodicClosure closure(absl::Milliseconds(20), [&] { ++calls; });
  closure.Start();
  absl::SleepFor(absl::Milliseconds(210));
  closure.Stop();
  const int at_stop = calls.load();
  // ~10 calls expected; generous bounds for a loaded 2-core machine.
  EXPECT_GE(at_stop, 3);
  EXPECT_LE(at_stop, 11);
  absl::SleepFor(absl::Milliseconds(60));
  EXPECT_EQ(calls.load(), at_stop) << "called after Stop()";
}

TEST(PeriodicClosure, FirstCallIsOnePeriodAfterStart) {
  std::atomic<int> calls{0};
  PeriodicClosure closure(absl::Seconds(60), [&] { ++calls; });
  closure.Start();
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_EQ(calls.load(), 0);
}

TEST(PeriodicClosure, StopWakesALongSleepAtOnce) {
  PeriodicClosure closure(absl::Hours(1), [] {});
  closure.Start();
  const absl::Time start = absl::Now();
  closure.Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_TRUE(closure.stopping());
}

TEST(PeriodicClosure, StopWaitsForTheCallInProgress) {
  std::atomic<bool> inside{false}, finished{false};
  PeriodicClosure closure(absl::Milliseconds(1), [&] {
    inside = true;
    absl::SleepFor(absl::Milliseconds(100));
    finished = true;
  });
  closure.Start();
  while (!inside.load()) absl::SleepFor(absl::Milliseconds(1));
  closure.Stop();
  EXPECT_TRUE(finished.load());
}

TEST(PeriodicClosure, StopWithoutStartAndTwiceIsSafe) {
  PeriodicClosure never(absl::Milliseconds(5), [] {});
  never.Stop();
  never.Stop();
  PeriodicClosure twice(absl::Milliseconds(5), [] {});
  twice.Start();
  twice.Stop();
  twice.Stop();
}

}  // namespace
}  // namespace hem
