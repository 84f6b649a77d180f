// Tests of trajectory validation: every malformed field is named.
#include "replay_service/trajectory_validator.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>

#include "absl/time/time.h"
#include "common/env_catalog.h"
#include "gtest/gtest.h"
#include "replay_service/replay_shard.h"
#include "replay_service/replay_testing.h"

namespace hem {
namespace {

hem::v1::EnvSpec Spec(const std::string& name) {
  auto spec = MakeEnvSpec(name);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return *spec;
}

void SetFloat(hem::v1::Tensor* tensor, int index, float value) {
  std::memcpy(&(*tensor->mutable_data())[index * 4], &value, 4);
}

void SetInt(hem::v1::Tensor* tensor, int index, int32_t value) {
  std::memcpy(&(*tensor->mutable_data())[index * 4], &value, 4);
}

TEST(ValidateTrajectory, AcceptsWellFormedTrajectoriesOfEveryKind) {
  for (const char* name : {"fetch_reach", "flip_bit:k=8", "nav:k=2",
                           "sawyer_reach:image=48,image_goal=1",
                           "point_mass:image=48"}) {
    const hem::v1::EnvSpec spec = Spec(name);
    for (int steps : {1, 5, spec.horizon()}) {
      testing::TrajectoryOptions options;
      options.num_steps = steps;
      EXPECT_TRUE(
          ValidateTrajectory(spec, testing::MakeTrajectory(spec, 1, 2, options))
              .ok())
          << name << " T=" << steps;
    }
  }
}

struct BadCase {
  std::string description;
  std::string env;
  std::function<void(hem::v1::Trajectory*)> corrupt;
  std::string expected_field;  // Prefix of the error message.
};

class BadTrajectoryTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadTrajectoryTest, IsRejectedWithFieldAndNothingIsStored) {
  const BadCase& bad = GetParam();
  const hem::v1::EnvSpec spec = Spec(bad.env);
  testing::TrajectoryOptions options;
  options.num_steps = 5;
  hem::v1::Trajectory trajectory = testing::MakeTrajectory(spec, 1, 2, options);
  bad.corrupt(&trajectory);
  const absl::Status status = ValidateTrajectory(spec, trajectory);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
      << bad.description;
  EXPECT_EQ(std::string(status.message()).rfind(bad.expected_field + ": ", 0), 0u)
      << bad.description << ": " << status.message();

  // Through a shard: a rejected outcome, nothing stored, counted.
  ReplayShard shard(ReplayShardConfig{});
  ASSERT_TRUE(shard.RegisterSpec(spec).ok());
  auto outcome = shard.Insert(&trajectory, absl::InfiniteFuture(), nullptr);
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->stored);
  EXPECT_EQ(outcome->error.rfind(bad.expected_field + ": ", 0), 0u)
      << outcome->error;
  const hem::v1::ReplayStats stats = shard.Stats();
  EXPECT_EQ(stats.transitions(), 0);
  EXPECT_EQ(stats.episodes(), 0);
  EXPECT_EQ(stats.bytes(), 0);
  EXPECT_EQ(stats.rejected_trajectories(), 1);
}

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

INSTANTIATE_TEST_SUITE_P(
    EveryKind, BadTrajectoryTest,
    ::testing::Values(
        BadCase{"wrong env name", "fetch_reach",
                [](auto* t) { t->set_env_name("nav:k=2"); },
                "trajectory.env_name"},
        BadCase{"wrong spec id", "fetch_reach",
                [](auto* t) { t->set_spec_id(t->spec_id() + 1); },
                "trajectory.spec_id"},
        BadCase{"zero steps", "fetch_reach",
                [](auto* t) { t->set_num_steps(0); }, "trajectory.num_steps"},
        BadCase{"beyond horizon", "flip_bit:k=8",
                [](auto* t) { t->set_num_steps(9); }, "trajectory.num_steps"},
        BadCase{"num_steps disagrees with tensors", "fetch_reach",
                [](auto* t) { t->set_num_steps(4); },
                "trajectory.observations"},
        BadCase{"observation dtype", "fetch_reach",
                [](auto* t) {
                  t->mutable_observations()->set_dtype(hem::v1::DTYPE_INT32);
                },
                "trajectory.observations"},
        BadCase{"observation shape", "fetch_reach",
                [](auto* t) {
                  t->mutable_observations()->set_shape(1, 5);
                  t->mutable_observations()->mutable_data()->resize(6 * 5 * 4);
                },
                "trajectory.observations"},
        BadCase{"observation bytes", "fetch_reach",
                [](auto* t) {
                  t->mutable_observations()->mutable_data()->push_back('x');
                },
                "trajectory.observations"},
        BadCase{"NaN observation", "fetch_reach",
                [](auto* t) { SetFloat(t->mutable_observations(), 7, kNaN); },
                "trajectory.observations"},
        BadCase{"image observation dtype", "point_mass:image=48",
                [](auto* t) {
                  t->mutable_observations()->set_dtype(hem::v1::DTYPE_FLOAT32);
                },
                "trajectory.observations"},
        BadCase{"achieved goal shape", "nav:k=2",
                [](auto* t) {
                  t->mutable_achieved_goals()->set_shape(0, 5);
                  t->mutable_achieved_goals()->mutable_data()->resize(5 * 2 * 4);
                },
                "trajectory.achieved_goals"},
        BadCase{"Inf achieved goal", "nav:k=2",
                [](auto* t) { SetFloat(t->mutable_achieved_goals(), 3, kInf); },
                "trajectory.achieved_goals"},
        BadCase{"desired goal shape", "nav:k=2",
                [](auto* t) {
                  t->mutable_desired_goal()->set_shape(0, 3);
                  t->mutable_desired_goal()->mutable_data()->resize(12);
                },
                "trajectory.desired_goal"},
        BadCase{"missing desired goal", "nav:k=2",
                [](auto* t) { t->clear_desired_goal(); },
                "trajectory.desired_goal"},
        BadCase{"NaN desired goal", "fetch_reach",
                [](auto* t) { SetFloat(t->mutable_desired_goal(), 0, kNaN); },
                "trajectory.desired_goal"},
        BadCase{"box action dtype", "nav:k=2",
                [](auto* t) {
                  t->mutable_actions()->set_dtype(hem::v1::DTYPE_INT32);
                },
                "trajectory.actions"},
        BadCase{"box action shape", "nav:k=2",
                [](auto* t) {
                  t->mutable_actions()->clear_shape();
                  t->mutable_actions()->add_shape(10);
                },
                "trajectory.actions"},
        BadCase{"box action above bound", "nav:k=2",
                [](auto* t) { SetFloat(t->mutable_actions(), 3, 0.21f); },
                "trajectory.actions"},
        BadCase{"box action below bound", "fetch_reach",
                [](auto* t) { SetFloat(t->mutable_actions(), 0, -1.5f); },
                "trajectory.actions"},
        BadCase{"NaN action", "fetch_reach",
                [](auto* t) { SetFloat(t->mutable_actions(), 2, kNaN); },
                "trajectory.actions"},
        BadCase{"discrete action dtype", "flip_bit:k=8",
                [](auto* t) {
                  t->mutable_actions()->set_dtype(hem::v1::DTYPE_FLOAT32);
                },
                "trajectory.actions"},
        BadCase{"discrete action too large", "flip_bit:k=8",
                [](auto* t) { SetInt(t->mutable_actions(), 1, 8); },
                "trajectory.actions"},
        BadCase{"discrete action negative", "flip_bit:k=8",
                [](auto* t) { SetInt(t->mutable_actions(), 4, -1); },
                "trajectory.actions"},
        BadCase{"successes too short", "fetch_reach",
                [](auto* t) { t->mutable_successes()->pop_back(); },
                "trajectory.successes"},
        BadCase{"success not 0/1", "fetch_reach",
                [](auto* t) { (*t->mutable_successes())[2] = 2; },
                "trajectory.successes"},
        BadCase{"goal image missing", "sawyer_reach:image=48,image_goal=1",
                [](auto* t) { t->clear_goal_observation(); },
                "trajectory.goal_observation"},
        BadCase{"goal image wrong shape", "sawyer_reach:image=48,image_goal=1",
                [](auto* t) {
                  t->mutable_goal_observation()->set_shape(0, 47);
                },
                "trajectory.goal_observation"},
        BadCase{"goal image without image goals", "fetch_reach",
                [](auto* t) {
                  t->mutable_goal_observation()->set_dtype(hem::v1::DTYPE_UINT8);
                },
                "trajectory.goal_observation"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      std::string name;
      for (char c : info.param.description) {
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      }
      return name;
    });

TEST(ShardInsert, UndeclaredSpecIsRejectedNamingSpecId) {
  const hem::v1::EnvSpec spec = Spec("fetch_reach");
  ReplayShard shard(ReplayShardConfig{});
  hem::v1::Trajectory trajectory = testing::MakeTrajectory(spec, 1, 1);
  auto outcome = shard.Insert(&trajectory, absl::InfiniteFuture(), nullptr);
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->stored);
  EXPECT_EQ(outcome->error.rfind("trajectory.spec_id: ", 0), 0u) << outcome->error;
}

TEST(ShardInsert, InvalidSpecIsRefusedNamingTheField) {
  hem::v1::EnvSpec spec = Spec("fetch_reach");
  spec.set_horizon(0);
  ReplayShard shard(ReplayShardConfig{});
  const absl::Status status = shard.RegisterSpec(spec);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(status.message()).rfind("spec.horizon: ", 0), 0u)
      << status.message();
}

}  // namespace
}  // namespace hem
