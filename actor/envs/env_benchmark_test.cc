// The benchmark runs end to end on tiny budgets and reports sane numbers.
#include "actor/envs/env_benchmark.h"

#include "gtest/gtest.h"

namespace hem {
namespace {

TEST(EnvBenchmark, ReportsEveryColumn) {
  EnvBenchmarkOptions options;
  options.envs = {"flip_bit:k=8", "point_mass"};
  options.batch = 2;
  options.seconds = 0.01;
  options.rounds = 3;
  absl::StatusOr<std::vector<EnvBenchmarkRow>> rows = RunEnvBenchmark(options);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].frame_skip, 0);
  EXPECT_GT((*rows)[0].env_steps_per_s, 0);
  EXPECT_EQ((*rows)[1].frame_skip, 5);
  EXPECT_GT((*rows)[1].bare_steps_per_s, 0);
  EXPECT_GT((*rows)[1].batch_steps_per_s, 0);
  EXPECT_GT((*rows)[1].renders_per_s_48, 0);
  EXPECT_GT((*rows)[1].renders_per_s_84, 0);
  const std::string table = FormatEnvBenchmark(options, *rows);
  EXPECT_NE(table.find("point_mass"), std::string::npos);
  EXPECT_NE(table.find("<=15%"), std::string::npos);
}

TEST(EnvBenchmark, RejectsImageTasks) {
  EnvBenchmarkOptions options;
  options.envs = {"point_mass:image=48"};
  EXPECT_EQ(RunEnvBenchmark(options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hem
