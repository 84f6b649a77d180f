// reacher: spec, determinism, success agreement, an inverse-kinematics PD
// controller, a random policy, and that the fingertip obeys forward
// kinematics.
#include "actor/envs/reacher_env.h"

#include <cmath>
#include <cstdio>
#include <memory>

#include "actor/envs/env.h"
#include "actor/envs/env_test_util.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using ::hem::testing::ExpectScriptedSolvesAndRandomDoesNot;
using ::hem::testing::ExpectSeededDeterminism;
using ::hem::testing::ExpectSpecMatchesCatalog;
using ::hem::testing::ObservationBuffers;

void InverseKinematicsPd(const ObservationBuffers& obs, absl::Span<float> action) {
  ::hem::testing::ReacherInverseKinematicsPd(obs.state, obs.desired_goal, action);
}

TEST(Reacher, ScriptedSolvesRandomDoesNot) {
  ExpectScriptedSolvesAndRandomDoesNot("reacher", InverseKinematicsPd, 0.3, /*random_seed=*/3);
}

TEST(Reacher, SeededDeterminism) { ExpectSeededDeterminism("reacher"); }

TEST(Reacher, StateIsConsistentWithForwardKinematics) {
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv("reacher");
  ASSERT_TRUE(env.ok());
  ObservationBuffers obs((*env)->spec());
  (*env)->Reset(21, obs.Slot());
  const float action[2] = {0.7f, -0.4f};
  for (int t = 0; t < 10; ++t) {
    (*env)->Step(action, obs.Slot());
    const double q0 = std::atan2(obs.state[1], obs.state[0]);
    const double q1 = obs.state[4];
    EXPECT_NEAR(obs.state[2], std::cos(q1), 1e-6);
    const double ex = kReacherUpperLength * std::cos(q0);
    const double ey = kReacherUpperLength * std::sin(q0);
    EXPECT_NEAR(obs.state[7], ex, 1e-5);
    EXPECT_NEAR(obs.state[8], ey, 1e-5);
    EXPECT_NEAR(obs.state[9], ex + kReacherLowerLength * std::cos(q0 + q1), 1e-5);
    EXPECT_NEAR(obs.state[10], ey + kReacherLowerLength * std::sin(q0 + q1), 1e-5);
    EXPECT_EQ(obs.achieved_goal[0], obs.state[9]);
    EXPECT_EQ(obs.achieved_goal[1], obs.state[10]);
  }
  // Positive torques turned both joints positively.
  EXPECT_GT(obs.state[5], 0.5);
  EXPECT_LT(obs.state[6], -0.5);
}

// The same episode with and without velocities in the state: the same
// positions, the velocities zero.
TEST(Reacher, VelocitiesZeroHidesOnlyTheVelocities) {
  absl::StatusOr<std::unique_ptr<Env>> with = CreateEnv("reacher");
  absl::StatusOr<std::unique_ptr<Env>> without = CreateEnv("reacher:velocities=0");
  ASSERT_TRUE(with.ok());
  ASSERT_TRUE(without.ok()) << without.status();
  ObservationBuffers a((*with)->spec()), b((*without)->spec());
  (*with)->Reset(5, a.Slot());
  (*without)->Reset(5, b.Slot());
  const float action[2] = {0.8f, -0.6f};
  for (int t = 0; t < 5; ++t) {
    (*with)->Step(action, a.Slot());
    (*without)->Step(action, b.Slot());
    for (int i = 0; i < 11; ++i) {
      if (i == 5 || i == 6) {
        EXPECT_NE(a.state[i], 0.0f);
        EXPECT_EQ(b.state[i], 0.0f);
      } else {
        EXPECT_EQ(a.state[i], b.state[i]) << i;
      }
    }
  }
}

TEST(Reacher, GoalsLieInTheReachableRing) {
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv("reacher");
  ASSERT_TRUE(env.ok());
  ObservationBuffers obs((*env)->spec());
  for (uint64_t seed = 0; seed < 200; ++seed) {
    (*env)->Reset(seed, obs.Slot());
    const double r = std::hypot(obs.desired_goal[0], obs.desired_goal[1]);
    EXPECT_GE(r, 0.05);
    EXPECT_LE(r, 0.2);
  }
}

}  // namespace
}  // namespace hem
