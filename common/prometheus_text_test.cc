// PrometheusWriter writes what Prometheus's own checker accepts, and
// DurationHistogram counts into the right buckets.
#include "common/prometheus_text.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "common/duration_histogram.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

TEST(DurationHistogram, CountsIntoCumulativeBucketsInSeconds) {
  DurationHistogram h;
  h.Observe(absl::Microseconds(5));     // <= 1e-5
  h.Observe(absl::Microseconds(10));    // <= 1e-5 (bounds are inclusive)
  h.Observe(absl::Milliseconds(3));     // <= 0.005
  h.Observe(absl::Seconds(60));         // +Inf only
  const DurationHistogram::Snapshot s = h.Read();
  EXPECT_EQ(s.count, 4u);
  EXPECT_EQ(s.cumulative[0], 2u);
  EXPECT_EQ(s.cumulative[8], 3u);  // Bound 5e-3.
  EXPECT_EQ(s.cumulative[DurationHistogram::kBuckets - 1], 3u);
  EXPECT_EQ(s.cumulative[DurationHistogram::kBuckets], 4u);
  EXPECT_NEAR(s.sum_seconds, 60.003015, 1e-9);
}

TEST(PrometheusWriter, WritesFamiliesPromtoolAccepts) {
  DurationHistogram wait, step;
  wait.Observe(absl::Milliseconds(2));
  step.Observe(absl::Milliseconds(20));
  PrometheusWriter text;
  text.Counter("hem_test_events_total", "Events.", 12);
  text.Gauge("hem_test_ratio", "A ratio with a \\ and\na newline.", 0.5);
  text.Gauge("hem_test_unknown", "Not measured yet.", std::nan(""));
  text.Histogram("hem_test_wait_seconds", "Waits.", wait);
  text.CounterFamily("hem_test_rejected_total", "Refusals by reason.", "reason",
                     {{"invalid", 2}, {"say \"no\"", 1}});
  text.HistogramFamily("hem_test_phase_seconds", "Phases.", "phase",
                       {{"wait", &wait}, {"step", &step}});
  const std::string page = text.Release();
  EXPECT_TRUE(absl::StrContains(page, "hem_test_events_total 12\n")) << page;
  EXPECT_TRUE(absl::StrContains(page, "hem_test_unknown NaN\n"));
  EXPECT_TRUE(absl::StrContains(page, "hem_test_wait_seconds_bucket{le=\"0.0025\"} 1\n"));
  EXPECT_TRUE(absl::StrContains(page, "hem_test_wait_seconds_bucket{le=\"+Inf\"} 1\n"));
  EXPECT_TRUE(absl::StrContains(page, "hem_test_wait_seconds_count 1\n"));
  EXPECT_TRUE(absl::StrContains(page, "hem_test_rejected_total{reason=\"say \\\"no\\\"\"} 1\n"));
  EXPECT_TRUE(
      absl::StrContains(page, "hem_test_phase_seconds_bucket{phase=\"step\",le=\"0.025\"} 1\n"));
  EXPECT_TRUE(absl::StrContains(page, "hem_test_phase_seconds_sum{phase=\"step\"} 0.02"));

  const char* promtool = "/usr/bin/promtool";
  if (access(promtool, X_OK) != 0) GTEST_SKIP() << "promtool not installed";
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(tmp ? tmp : "/tmp") + "/page.prom";
  std::ofstream(path) << page;
  const std::string command = std::string(promtool) + " check metrics < " + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[256];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  EXPECT_EQ(pclose(pipe), 0) << output;
  EXPECT_EQ(output, "") << output;
}

}  // namespace
}  // namespace hem
