// fetch_reach and sawyer_reach: spec, determinism, success agreement, a
// position controller, a random policy, and that the effector tracks the
// commanded displacement.
#include "actor/envs/reach_envs.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "actor/envs/env.h"
#include "actor/envs/env_test_util.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using ::hem::testing::Controller;
using ::hem::testing::ExpectScriptedSolvesAndRandomDoesNot;
using ::hem::testing::ExpectSeededDeterminism;
using ::hem::testing::ExpectSpecMatchesCatalog;
using ::hem::testing::ObservationBuffers;

// Commands the displacement that closes the remaining error (saturated).
Controller PositionController(double action_scale) {
  return [action_scale](const ObservationBuffers& obs, absl::Span<float> action) {
    for (int i = 0; i < 3; ++i) {
      const double error = obs.desired_goal[i] - obs.achieved_goal[i];
      action[i] = static_cast<float>(std::fmax(-1.0, std::fmin(1.0, error / action_scale)));
    }
  };
}

void ExpectSolvable(const std::string& name, double action_scale) {
  ExpectScriptedSolvesAndRandomDoesNot(name, PositionController(action_scale), 0.3,
                                       /*random_seed=*/3);
}

void ExpectEffectorTracksCommands(const std::string& name, double action_scale,
                                  const double home[3]) {
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv(name);
  ASSERT_TRUE(env.ok()) << env.status();
  ObservationBuffers obs((*env)->spec());
  (*env)->Reset(4, obs.Slot());
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(obs.achieved_goal[i], home[i], 2e-3) << i;
  // Five steps of (+1, -0.5, +0.5), then five of rest: the effector moves the
  // commanded 5 * scale * action.
  const float move[3] = {1.0f, -0.5f, 0.5f};
  const float rest[3] = {0, 0, 0};
  for (int t = 0; t < 5; ++t) (*env)->Step(move, obs.Slot());
  for (int t = 0; t < 5; ++t) (*env)->Step(rest, obs.Slot());
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(obs.achieved_goal[i], home[i] + 5 * action_scale * move[i], 3e-3) << i;
  }
  // The first three state entries are the effector position.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(obs.state[i], obs.achieved_goal[i]);
}

TEST(FetchReach, ScriptedSolvesRandomDoesNot) {
  ExpectSolvable("fetch_reach", kFetchActionScale);
}

TEST(FetchReach, SeededDeterminism) { ExpectSeededDeterminism("fetch_reach"); }

TEST(FetchReach, EffectorTracksCommands) {
  ExpectEffectorTracksCommands("fetch_reach", kFetchActionScale, kFetchHome);
}

TEST(FetchReach, StateHoldsDisplacementAndFingers) {
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv("fetch_reach");
  ASSERT_TRUE(env.ok());
  ObservationBuffers obs((*env)->spec());
  (*env)->Reset(9, obs.Slot());
  std::vector<float> before = obs.state;
  const float move[3] = {0.0f, 1.0f, 0.0f};
  (*env)->Step(move, obs.Slot());
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(obs.state[5 + i], obs.state[i] - before[i], 1e-6) << i;
  }
  EXPECT_GT(obs.state[6], 0.01);  // Moved along +y.
  EXPECT_NEAR(obs.state[3], 0.03, 1e-3);
  EXPECT_NEAR(obs.state[4], 0.03, 1e-3);
}

TEST(FetchReach, WorkspaceIsClipped) {
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv("fetch_reach");
  ASSERT_TRUE(env.ok());
  ObservationBuffers obs((*env)->spec());
  (*env)->Reset(2, obs.Slot());
  const float down[3] = {0, 0, -1};
  for (int t = 0; t < 30; ++t) (*env)->Step(down, obs.Slot());
  EXPECT_NEAR(obs.achieved_goal[2], 0.42, 5e-3);  // Stops above the table top.
}

TEST(SawyerReach, ScriptedSolvesRandomDoesNot) {
  ExpectSolvable("sawyer_reach", kSawyerActionScale);
}

TEST(SawyerReach, SeededDeterminism) { ExpectSeededDeterminism("sawyer_reach"); }

TEST(SawyerReach, EffectorTracksCommands) {
  ExpectEffectorTracksCommands("sawyer_reach", kSawyerActionScale, kSawyerHome);
}

TEST(SawyerReach, GoalsInMultiworldBox) {
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv("sawyer_reach");
  ASSERT_TRUE(env.ok());
  ObservationBuffers obs((*env)->spec());
  for (uint64_t seed = 0; seed < 100; ++seed) {
    (*env)->Reset(seed, obs.Slot());
    EXPECT_GE(obs.desired_goal[0], 0.55f);
    EXPECT_LE(obs.desired_goal[0], 0.75f);
    EXPECT_GE(obs.desired_goal[1], -0.2f);
    EXPECT_LE(obs.desired_goal[1], 0.2f);
    EXPECT_GE(obs.desired_goal[2], 0.05f);
    EXPECT_LE(obs.desired_goal[2], 0.3f);
  }
}

}  // namespace
}  // namespace hem
