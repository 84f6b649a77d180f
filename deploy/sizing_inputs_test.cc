#include "deploy/sizing_inputs.h"

#include <cstdio>
#include <string>

#include "deploy/cluster_progress.h"
#include "deploy/run_description.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

TEST(SizingRunFromDescription, TakesCountsRateLimitAndLearnerFlags) {
  hem::v1::RunDescription description = DefaultRunDescription();
  description.set_env("point_mass");
  description.mutable_actors()->mutable_role()->set_count(4);
  description.mutable_actors()->set_envs_per_actor(16);
  description.mutable_replay()->mutable_role()->set_count(2);
  description.mutable_replay()->set_samples_per_insert(0);
  description.mutable_learner()->set_batch_size(512);
  description.mutable_learner()->mutable_role()->add_extra_flags("--hidden_sizes=64,64");
  description.mutable_learner()->mutable_role()->add_extra_flags("--publish_every=5");
  absl::StatusOr<SizingRun> run = SizingRunFromDescription(description);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->task, "point_mass");
  EXPECT_EQ(run->actors, 4);
  EXPECT_EQ(run->envs_per_actor, 16);
  EXPECT_EQ(run->shards, 2);
  EXPECT_EQ(run->samples_per_insert, 0);
  EXPECT_EQ(run->batch_size, 512);
  EXPECT_EQ(run->publish_every, 5);
  // 6 -> 64 -> 64 -> 2, plus sigma.
  EXPECT_DOUBLE_EQ(run->weight_bytes, 4.0 * (6 * 64 + 64 + 64 * 64 + 64 + 64 * 2 + 2 + 1));

  description.mutable_learner()->mutable_role()->add_extra_flags("--hidden_sizes=64,x");
  EXPECT_FALSE(SizingRunFromDescription(description).ok());
}

TEST(MeasureProgressCsv, RatesFromTheChosenRowOn) {
  const std::string path = std::string(::testing::TempDir()) + "/progress.csv";
  std::remove(path.c_str());
  // Rows at 1, 2, 3, 4 s; from row 1: env steps (7000 - 1000) / 2 s, updates
  // the mean of rows 2 and 3.
  const double steps[] = {0, 1000, 4000, 7000};
  const double updates[] = {0, 100, 200, 300};
  for (int i = 0; i < 4; ++i) {
    ClusterProgress row;
    row.elapsed_seconds = 1 + i;
    row.env_steps = steps[i];
    row.updates_per_second = updates[i];
    row.samples_per_second = 256 * updates[i];
    ASSERT_TRUE(AppendProgressCsv(path, row).ok());
  }
  absl::StatusOr<MeasuredThroughput> m = MeasureProgressCsv(path, 1);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->rows, 2);
  EXPECT_DOUBLE_EQ(m->seconds, 2);
  EXPECT_DOUBLE_EQ(m->env_steps_per_second, 3000);
  EXPECT_DOUBLE_EQ(m->updates_per_second, 250);
  EXPECT_DOUBLE_EQ(m->samples_per_second, 256 * 250);

  m = MeasureProgressCsv(path, 0);
  ASSERT_TRUE(m.ok());
  EXPECT_DOUBLE_EQ(m->env_steps_per_second, 7000.0 / 3);
  EXPECT_DOUBLE_EQ(m->updates_per_second, 200);

  EXPECT_EQ(MeasureProgressCsv(path, 3).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(MeasureProgressCsv(path + ".missing", 0).ok());
}

}  // namespace
}  // namespace hem
