// point_mass: spec, determinism, success agreement, a scripted controller
// that steers around the pillars, a random policy, walls that hold.
#include "actor/envs/point_mass_env.h"

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

// Heads for the goal; when a pillar blocks the straight line, heads for a
// point beside the pillar instead. Speed tapers near the goal so the ball
// (velocity-tracking with a short lag) stops inside the success radius.
void SteerToGoal(const ObservationBuffers& obs, absl::Span<float> action) {
  double x = obs.state[0], y = obs.state[1];
  double tx = obs.desired_goal[0], ty = obs.desired_goal[1];
  for (const PointMassPillar& p : kPointMassPillars) {
    const double dx = tx - x, dy = ty - y;
    const double length = std::hypot(dx, dy);
    if (length < 1e-9) break;
    // Closest approach of the segment to the pillar centre.
    const double s = ((p.x - x) * dx + (p.y - y) * dy) / (length * length);
    if (s <= 0 || s >= 1) continue;
    const double cx = x + s * dx - p.x, cy = y + s * dy - p.y;
    const double clearance = p.radius + kPointMassBallRadius + 0.05;
    const double miss = std::hypot(cx, cy);
    if (miss >= clearance) continue;
    // Aim at the tangent-side waypoint on the side the line already passes.
    double nx = cx, ny = cy;
    if (miss < 1e-6) {
      nx = -dy;
      ny = dx;
    }
    const double norm = std::hypot(nx, ny);
    tx = p.x + nx / norm * (clearance + 0.05);
    ty = p.y + ny / norm * (clearance + 0.05);
    break;
  }
  const double gain = 1.0 / (2.0 * 0.05);  // Reach the waypoint in ~2 actions.
  for (int i = 0; i < 2; ++i) {
    const double error = (i == 0 ? tx - x : ty - y);
    action[i] = static_cast<float>(std::fmax(-1.0, std::fmin(1.0, gain * error / 2.0)));
  }
}

TEST(PointMass, ScriptedSolvesRandomDoesNot) {
  ExpectScriptedSolvesAndRandomDoesNot("point_mass", SteerToGoal, 0.3, /*random_seed=*/3);
}

TEST(PointMass, SeededDeterminism) { ExpectSeededDeterminism("point_mass"); }

TEST(PointMass, WallsAndPillarsHold) {
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv("point_mass");
  ASSERT_TRUE(env.ok());
  ObservationBuffers obs((*env)->spec());
  for (uint64_t seed = 0; seed < 5; ++seed) {
    (*env)->Reset(seed, obs.Slot());
    const float push[2] = {seed % 2 ? 1.0f : -1.0f, seed % 3 ? 1.0f : -1.0f};
    for (int t = 0; t < 60; ++t) {
      (*env)->Step(push, obs.Slot());
      EXPECT_LT(std::fabs(obs.state[0]), 1.0 - 0.5 * kPointMassBallRadius);
      EXPECT_LT(std::fabs(obs.state[1]), 1.0 - 0.5 * kPointMassBallRadius);
      for (const PointMassPillar& p : kPointMassPillars) {
        EXPECT_GT(std::hypot(obs.state[0] - p.x, obs.state[1] - p.y),
                  p.radius + 0.5 * kPointMassBallRadius);
      }
    }
    // Pushed into a corner region: it got there.
    EXPECT_GT(std::fabs(obs.state[0]), 0.8);
  }
}

TEST(PointMass, VelocityFollowsAction) {
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv("point_mass");
  ASSERT_TRUE(env.ok());
  ObservationBuffers obs((*env)->spec());
  (*env)->Reset(8, obs.Slot());
  EXPECT_EQ(obs.state[2], 0.0f);
  const float action[2] = {0.25f, -0.25f};
  (*env)->Step(action, obs.Slot());
  (*env)->Step(action, obs.Slot());
  EXPECT_NEAR(obs.state[2], 0.5, 0.05);
  EXPECT_NEAR(obs.state[3], -0.5, 0.05);
  EXPECT_EQ(obs.achieved_goal[0], obs.state[0]);
}

}  // namespace
}  // namespace hem
