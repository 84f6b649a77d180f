// The replay server's flags: defaults are ReplayServerConfig's own, and
// library errors that name a field come out naming the flag.
#include "replay_service/replay_server_flags.h"

#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(int, num_shards);
ABSL_DECLARE_FLAG(int64_t, capacity_transitions);
ABSL_DECLARE_FLAG(std::string, relabel_strategy);
ABSL_DECLARE_FLAG(double, relabel_probability);
ABSL_DECLARE_FLAG(double, samples_per_insert_tolerance);
ABSL_DECLARE_FLAG(int, checkpoint_interval_seconds);

namespace hem {
namespace {

class ReplayServerFlagsTest : public ::testing::Test {
 protected:
  absl::FlagSaver saver_;  // Each test starts from the defaults.
};

TEST_F(ReplayServerFlagsTest, DefaultsAreTheConfigDefaults) {
  absl::StatusOr<ReplayServerConfig> config = ReplayServerConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  const ReplayServerConfig defaults;
  EXPECT_EQ(config->port, defaults.port);
  EXPECT_EQ(config->net.bind_host, defaults.net.bind_host);
  EXPECT_EQ(config->checkpoint_dir, defaults.checkpoint_dir);
  EXPECT_EQ(config->checkpoint_interval, defaults.checkpoint_interval);
  EXPECT_EQ(config->keep_checkpoints, defaults.keep_checkpoints);
  EXPECT_EQ(config->checkpoint_on_shutdown, defaults.checkpoint_on_shutdown);
  const ReplayShardConfig& shard = config->shard;
  EXPECT_EQ(shard.shard_index, defaults.shard.shard_index);
  EXPECT_EQ(shard.num_shards, defaults.shard.num_shards);
  EXPECT_EQ(shard.table.capacity_transitions, defaults.shard.table.capacity_transitions);
  EXPECT_EQ(shard.table.capacity_bytes, defaults.shard.table.capacity_bytes);
  EXPECT_EQ(shard.default_strategy, defaults.shard.default_strategy);
  EXPECT_EQ(shard.default_relabel_probability, defaults.shard.default_relabel_probability);
  EXPECT_EQ(shard.rate_limiter.min_size_to_sample,
            defaults.shard.rate_limiter.min_size_to_sample);
  EXPECT_EQ(shard.rate_limiter.samples_per_insert,
            defaults.shard.rate_limiter.samples_per_insert);
  EXPECT_EQ(shard.rate_limiter.tolerance, defaults.shard.rate_limiter.tolerance);
}

TEST_F(ReplayServerFlagsTest, FlagsSetTheirFields) {
  absl::SetFlag(&FLAGS_relabel_strategy, "final");
  absl::SetFlag(&FLAGS_checkpoint_interval_seconds, 30);
  absl::SetFlag(&FLAGS_samples_per_insert_tolerance, 7.5);
  absl::StatusOr<ReplayServerConfig> config = ReplayServerConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->shard.default_strategy, hem::v1::RELABEL_FINAL);
  EXPECT_EQ(config->checkpoint_interval, absl::Seconds(30));
  EXPECT_EQ(config->shard.rate_limiter.tolerance, 7.5);
}

TEST_F(ReplayServerFlagsTest, ErrorsNameTheFlag) {
  absl::SetFlag(&FLAGS_num_shards, 0);
  EXPECT_EQ(ReplayServerConfigFromFlags().status().message(),
            "--num_shards: must be >= 1, got 0");
  absl::SetFlag(&FLAGS_num_shards, 1);

  absl::SetFlag(&FLAGS_capacity_transitions, 0);
  EXPECT_EQ(ReplayServerConfigFromFlags().status().message(),
            "--capacity_transitions: must be >= 1, got 0");
  absl::SetFlag(&FLAGS_capacity_transitions, 10);

  absl::SetFlag(&FLAGS_samples_per_insert_tolerance, -1);
  EXPECT_EQ(ReplayServerConfigFromFlags().status().message(),
            "--samples_per_insert_tolerance: must be >= 0, got -1");
  absl::SetFlag(&FLAGS_samples_per_insert_tolerance, 0);

  absl::SetFlag(&FLAGS_relabel_probability, 2);
  EXPECT_TRUE(absl::StartsWith(ReplayServerConfigFromFlags().status().message(),
                               "--relabel_probability: "));
  absl::SetFlag(&FLAGS_relabel_probability, 1);

  absl::SetFlag(&FLAGS_relabel_strategy, "futur");
  const absl::Status status = ReplayServerConfigFromFlags().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(status.message(), "--relabel_strategy: 'futur' is not one of"))
      << status;
  absl::SetFlag(&FLAGS_relabel_strategy, "default");
  EXPECT_TRUE(absl::StartsWith(ReplayServerConfigFromFlags().status().message(),
                               "--relabel_strategy: "));
}

TEST(ReplayServerFlagError, RewritesOnlyKnownFields) {
  EXPECT_EQ(ReplayServerFlagError(absl::InvalidArgumentError("shard.rate_limiter.tolerance: x"))
                .message(),
            "--samples_per_insert_tolerance: x");
  EXPECT_EQ(ReplayServerFlagError(absl::InvalidArgumentError("keep_checkpoints: x")).message(),
            "keep_checkpoints: x");
  EXPECT_EQ(ReplayServerFlagError(absl::UnavailableError("port: busy")).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(ReplayServerFlagError(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace hem
