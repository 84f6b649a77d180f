// EpisodeRecorder: what a recorded episode packs into its Trajectory.
#include "actor/episode_recorder.h"

#include "common/env_catalog.h"
#include "common/tensor_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using ::testing::ElementsAre;

absl::Span<const uint8_t> Bytes(const std::vector<float>& v) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(v.data()),
                             v.size() * sizeof(float));
}

TEST(EpisodeRecorder, PacksAContinuousEpisodeIntoATrajectory) {
  hem::v1::EnvSpec spec = *MakeEnvSpec("nav:k=2");
  EpisodeRecorder recorder(spec);
  recorder.Begin(/*seed=*/77, /*policy_version=*/5, Bytes({0.0f, 0.0f}),
                 {0.0f, 0.0f}, {0.3f, 0.0f}, {});
  recorder.Append({0.2f, 0.0f}, Bytes({0.2f, 0.0f}), {0.2f, 0.0f}, false);
  EXPECT_FALSE(recorder.Done());
  recorder.Append({0.1f, 0.0f}, Bytes({0.3f, 0.0f}), {0.3f, 0.0f}, true);
  EXPECT_TRUE(recorder.Done());  // nav terminates on success.
  EXPECT_TRUE(recorder.succeeded());

  hem::v1::Trajectory t = recorder.Finish(/*actor_id=*/3, /*episode_id=*/9);
  EXPECT_EQ(t.actor_id(), 3u);
  EXPECT_EQ(t.episode_id(), 9u);
  EXPECT_EQ(t.policy_version(), 5);
  EXPECT_EQ(t.seed(), 77u);
  EXPECT_EQ(t.spec_id(), spec.spec_id());
  EXPECT_EQ(t.env_name(), "nav:k=2");
  EXPECT_EQ(t.num_steps(), 2);
  EXPECT_TRUE(CheckTensor(t.observations(), hem::v1::DTYPE_FLOAT32, {3, 2}, "o").ok());
  EXPECT_THAT(*DecodeTensor<float>(t.observations(), "o"),
              ElementsAre(0.0f, 0.0f, 0.2f, 0.0f, 0.3f, 0.0f));
  EXPECT_THAT(*DecodeTensor<float>(t.achieved_goals(), "g"),
              ElementsAre(0.0f, 0.0f, 0.2f, 0.0f, 0.3f, 0.0f));
  EXPECT_THAT(*DecodeTensor<float>(t.desired_goal(), "d"), ElementsAre(0.3f, 0.0f));
  EXPECT_TRUE(CheckTensor(t.actions(), hem::v1::DTYPE_FLOAT32, {2, 2}, "a").ok());
  EXPECT_EQ(t.successes(), std::string("\x00\x01", 2));
  EXPECT_EQ(recorder.num_steps(), 0);
}

TEST(EpisodeRecorder, DiscreteActionsAreInt32AndHorizonEndsTheEpisode) {
  hem::v1::EnvSpec spec = *MakeEnvSpec("flip_bit:k=2");  // horizon 2
  EpisodeRecorder recorder(spec);
  recorder.Begin(1, -1, Bytes({0, 0}), {0, 0}, {1, 1}, {});
  recorder.Append({1.0f}, Bytes({0, 1}), {0, 1}, false);
  EXPECT_FALSE(recorder.Done());
  recorder.Append({1.0f}, Bytes({0, 0}), {0, 0}, false);
  EXPECT_TRUE(recorder.Done());
  EXPECT_FALSE(recorder.succeeded());
  hem::v1::Trajectory t = recorder.Finish(0, 0);
  EXPECT_TRUE(CheckTensor(t.actions(), hem::v1::DTYPE_INT32, {2}, "a").ok());
  EXPECT_THAT(*DecodeTensor<int32_t>(t.actions(), "a"), ElementsAre(1, 1));
}

TEST(EpisodeRecorder, ImageGoalTasksCarryTheGoalImage) {
  hem::v1::EnvSpec spec = *MakeEnvSpec("sawyer_reach:image=48,image_goal=1");
  EpisodeRecorder recorder(spec);
  std::vector<uint8_t> image(48 * 48 * 3, 7), goal(48 * 48 * 3, 9);
  recorder.Begin(1, 0, image, {0, 0, 0}, {0.1f, 0, 0}, goal);
  recorder.Append({0, 0, 0}, image, {0, 0, 0}, false);
  hem::v1::Trajectory t = recorder.Finish(0, 0);
  EXPECT_TRUE(
      CheckTensor(t.observations(), hem::v1::DTYPE_UINT8, {2, 48, 48, 3}, "o").ok());
  EXPECT_TRUE(
      CheckTensor(t.goal_observation(), hem::v1::DTYPE_UINT8, {48, 48, 3}, "g").ok());
  EXPECT_EQ(static_cast<uint8_t>(t.goal_observation().data()[100]), 9);
}

}  // namespace
}  // namespace hem
