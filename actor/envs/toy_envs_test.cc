// flip_bit, nav and four_rooms: spec, determinism, success agreement, a
// scripted controller that must solve >= 95% of goals, and a random policy
// that must not.
#include <cmath>
#include <cstdio>
#include <deque>
#include <memory>

#include "actor/envs/env.h"
#include "actor/envs/env_test_util.h"
#include "actor/envs/four_rooms_env.h"
#include "common/env_spec_util.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using ::hem::testing::Controller;
using ::hem::testing::ExpectScriptedSolvesAndRandomDoesNot;
using ::hem::testing::ExpectSeededDeterminism;
using ::hem::testing::ExpectSpecMatchesCatalog;
using ::hem::testing::ObservationBuffers;
using ::hem::testing::RunEpisode;

std::unique_ptr<Env> MustCreate(absl::string_view name) {
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv(name);
  EXPECT_TRUE(env.ok()) << env.status();
  return env.ok() ? *std::move(env) : nullptr;
}

// Flips the first bit that differs from the goal.
void FlipDifferingBit(const ObservationBuffers& obs, absl::Span<float> action) {
  action[0] = 0;
  for (size_t i = 0; i < obs.state.size(); ++i) {
    if (obs.state[i] != obs.desired_goal[i]) {
      action[0] = static_cast<float>(i);
      return;
    }
  }
}

// Moves straight toward the goal at full speed per coordinate.
void MoveTowardGoal(const ObservationBuffers& obs, absl::Span<float> action) {
  for (size_t i = 0; i < action.size(); ++i) {
    action[i] = std::fmin(0.2f, std::fmax(-0.2f, obs.desired_goal[i] - obs.state[i]));
  }
}

// First action of a shortest path found by breadth-first search.
void FourRoomsShortestPath(const ObservationBuffers& obs, absl::Span<float> action) {
  const int n = kFourRoomsSize;
  const int row = static_cast<int>(std::lround(obs.state[0] * (n - 1)));
  const int col = static_cast<int>(std::lround(obs.state[1] * (n - 1)));
  const int goal_row = static_cast<int>(std::lround(obs.desired_goal[0] * (n - 1)));
  const int goal_col = static_cast<int>(std::lround(obs.desired_goal[1] * (n - 1)));
  // BFS from the goal; then take the move that lowers the distance.
  std::vector<int> dist(n * n, -1);
  std::deque<std::pair<int, int>> queue = {{goal_row, goal_col}};
  dist[goal_row * n + goal_col] = 0;
  while (!queue.empty()) {
    auto [r, c] = queue.front();
    queue.pop_front();
    for (int a = 0; a < 4; ++a) {
      int nr = r, nc = c;
      FourRoomsMove(a, &nr, &nc);  // Moves are symmetric.
      if (dist[nr * n + nc] < 0) {
        dist[nr * n + nc] = dist[r * n + c] + 1;
        queue.emplace_back(nr, nc);
      }
    }
  }
  action[0] = 0;
  for (int a = 0; a < 4; ++a) {
    int nr = row, nc = col;
    FourRoomsMove(a, &nr, &nc);
    if (dist[nr * n + nc] >= 0 && dist[nr * n + nc] < dist[row * n + col]) {
      action[0] = static_cast<float>(a);
      return;
    }
  }
}

TEST(FlipBit, ScriptedSolvesRandomDoesNot) {
  ExpectScriptedSolvesAndRandomDoesNot("flip_bit:k=10", FlipDifferingBit, 0.3, /*random_seed=*/9);
  ExpectScriptedSolvesAndRandomDoesNot("flip_bit:k=50", FlipDifferingBit, 0.3, /*random_seed=*/9);
}

TEST(FlipBit, SeededDeterminism) { ExpectSeededDeterminism("flip_bit:k=20"); }

TEST(FlipBit, ActionFlipsExactlyThatBit) {
  std::unique_ptr<Env> env = MustCreate("flip_bit:k=8");
  ObservationBuffers obs(env->spec());
  env->Reset(5, obs.Slot());
  const std::vector<float> before = obs.state;
  for (float bad : {-3.0f, 100.0f, std::nanf("")}) {  // Clamped, never out of range.
    const float action[1] = {bad};
    env->Step(action, obs.Slot());
    env->Step(action, obs.Slot());
    EXPECT_EQ(obs.state, before);
  }
  const float action[1] = {3};
  env->Step(action, obs.Slot());
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(obs.state[i], i == 3 ? 1 - before[i] : before[i]);
    EXPECT_TRUE(obs.state[i] == 0 || obs.state[i] == 1);
  }
  EXPECT_EQ(obs.achieved_goal, obs.state);
}

TEST(FlipBit, EpisodesNeverStartSolved) {
  std::unique_ptr<Env> env = MustCreate("flip_bit:k=1");
  ObservationBuffers obs(env->spec());
  for (uint64_t seed = 0; seed < 50; ++seed) {
    env->Reset(seed, obs.Slot());
    EXPECT_NE(obs.state, obs.desired_goal);
  }
}

TEST(Nav, ScriptedSolvesRandomDoesNot) {
  ExpectScriptedSolvesAndRandomDoesNot("nav:k=2", MoveTowardGoal, 0.3, /*random_seed=*/9);
  ExpectScriptedSolvesAndRandomDoesNot("nav:k=40", MoveTowardGoal, 0.3, /*random_seed=*/9);
}

TEST(Nav, SeededDeterminism) { ExpectSeededDeterminism("nav:k=5"); }

TEST(Nav, ActionsAreClippedAndStateStaysInCube) {
  std::unique_ptr<Env> env = MustCreate("nav:k=3");
  ObservationBuffers obs(env->spec());
  env->Reset(11, obs.Slot());
  const std::vector<float> start = obs.state;
  const float big[3] = {5.0f, -5.0f, 0.1f};
  env->Step(big, obs.Slot());
  EXPECT_NEAR(obs.state[0], std::fmin(1.0f, start[0] + 0.2f), 1e-6);
  EXPECT_NEAR(obs.state[1], std::fmax(-1.0f, start[1] - 0.2f), 1e-6);
  EXPECT_NEAR(obs.state[2], std::fmin(1.0f, start[2] + 0.1f), 1e-6);
  for (int i = 0; i < 20; ++i) env->Step(big, obs.Slot());
  EXPECT_EQ(obs.state[0], 1.0f);
  EXPECT_EQ(obs.state[1], -1.0f);
}

TEST(FourRooms, ScriptedSolvesRandomDoesNot) {
  ExpectScriptedSolvesAndRandomDoesNot("four_rooms", FourRoomsShortestPath, 0.3, /*random_seed=*/9);
}

TEST(FourRooms, SeededDeterminism) { ExpectSeededDeterminism("four_rooms"); }

TEST(FourRooms, LayoutHasFourConnectedRoomsAndWallsBlock) {
  int free_cells = 0;
  for (int r = 0; r < kFourRoomsSize; ++r) {
    for (int c = 0; c < kFourRoomsSize; ++c) free_cells += FourRoomsIsFree(r, c);
  }
  EXPECT_EQ(free_cells, 104);
  // (0,4) is left of the vertical wall: moving right is blocked.
  int row = 0, col = 4;
  FourRoomsMove(1, &row, &col);
  EXPECT_EQ(col, 4);
  // The doorway (2,5) lets the agent through.
  row = 2;
  FourRoomsMove(1, &row, &col);
  EXPECT_EQ(col, 5);
  // Off-grid moves stay put.
  row = 0;
  col = 0;
  FourRoomsMove(0, &row, &col);
  EXPECT_EQ(row, 0);
}

TEST(FourRooms, ObservationsAreScaledCells) {
  std::unique_ptr<Env> env = MustCreate("four_rooms");
  ObservationBuffers obs(env->spec());
  for (uint64_t seed = 0; seed < 30; ++seed) {
    env->Reset(seed, obs.Slot());
    for (float v : {obs.state[0], obs.state[1], obs.desired_goal[0], obs.desired_goal[1]}) {
      EXPECT_GE(v, 0.0f);
      EXPECT_LE(v, 1.0f);
      EXPECT_NEAR(v * 10, std::round(v * 10), 1e-5);
    }
    EXPECT_TRUE(FourRoomsIsFree(std::lround(obs.desired_goal[0] * 10),
                                std::lround(obs.desired_goal[1] * 10)));
    EXPECT_NE(obs.state, obs.desired_goal);
  }
}

TEST(Registry, BadNamesGiveClearErrors) {
  struct Case {
    const char* name;
    const char* needle;
  };
  for (const Case& c : {Case{"flip_bit:k=0", "k=0"}, Case{"nav:k=0", "k=0"},
                        Case{"no_such_env", "unknown env 'no_such_env'"},
                        Case{"point_mass:image=50", "image=50"},
                        Case{"four_rooms:k=3", "unknown parameter 'k'"},
                        Case{"sawyer_reach:image_goal=1", "image_goal=1 needs image"}}) {
    absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv(c.name);
    ASSERT_FALSE(env.ok()) << c.name;
    EXPECT_EQ(env.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_NE(env.status().message().find(c.needle), absl::string_view::npos)
        << c.name << ": " << env.status();
  }
}

}  // namespace
}  // namespace hem
