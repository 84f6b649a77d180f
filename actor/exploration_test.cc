// Exploration: Gaussian noise in units of the action bounds (clipped), and
// uniformly random actions before a policy exists.
#include "actor/exploration.h"

#include <algorithm>
#include <cmath>

#include "common/env_catalog.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

TEST(Exploration, GaussianNoiseHasSigmaInHalfWidthsAndIsClipped) {
  hem::v1::EnvSpec spec = *MakeEnvSpec("fetch_reach");  // bounds [-1, 1]
  Exploration exploration(spec, ExplorationOptions{0.5f, 0.0f}, 42);
  std::vector<float> actions(3 * 20000, 0.0f);
  exploration.Perturb(absl::MakeSpan(actions));
  double sum = 0, squares = 0;
  for (float a : actions) {
    ASSERT_GE(a, -1.0f);
    ASSERT_LE(a, 1.0f);
    sum += a;
    squares += a * a;
  }
  const double mean = sum / actions.size();
  const double std = std::sqrt(squares / actions.size() - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.02);
  // Clipping at +-2 sigma shrinks the std of N(0, 0.5) slightly below 0.5.
  EXPECT_NEAR(std, 0.47, 0.03);

  std::vector<float> saturated(3000, 1.0f);
  exploration.Perturb(absl::MakeSpan(saturated));
  for (float a : saturated) ASSERT_LE(a, 1.0f);
}

TEST(Exploration, NoiseScalesWithNarrowBounds) {
  hem::v1::EnvSpec spec = *MakeEnvSpec("nav:k=2");  // bounds [-0.2, 0.2]
  Exploration exploration(spec, ExplorationOptions{0.5f, 0.0f}, 1);
  std::vector<float> actions(20000, 0.0f);
  exploration.Perturb(absl::MakeSpan(actions));
  double squares = 0;
  for (float a : actions) {
    ASSERT_LE(std::fabs(a), 0.2f);
    squares += a * a;
  }
  EXPECT_NEAR(std::sqrt(squares / actions.size()), 0.094, 0.01);
}

TEST(Exploration, EpsilonReplacesDiscreteActionsUniformly) {
  hem::v1::EnvSpec spec = *MakeEnvSpec("flip_bit:k=4");
  Exploration none(spec, ExplorationOptions{0.5f, 0.0f}, 3);
  std::vector<float> actions(1000, 2.0f);
  none.Perturb(absl::MakeSpan(actions));
  for (float a : actions) ASSERT_EQ(a, 2.0f);

  Exploration half(spec, ExplorationOptions{0.5f, 0.5f}, 3);
  half.Perturb(absl::MakeSpan(actions));
  int changed = 0;
  for (float a : actions) {
    ASSERT_GE(a, 0.0f);
    ASSERT_LE(a, 3.0f);
    changed += a != 2.0f;
  }
  // Half are redrawn, and a quarter of those land on 2 again: ~37.5%.
  EXPECT_NEAR(changed / 1000.0, 0.375, 0.06);
}

TEST(Exploration, HerPoliciesExploreAsTheirConfigSays) {
  hem::v1::EnvSpec spec = *MakeEnvSpec("fetch_reach");  // bounds [-1, 1]
  Exploration exploration(spec, ExplorationOptions{0.5f, 0.0f}, 4);
  hem::v1::PolicyConfig ddpg;
  ddpg.set_algorithm(hem::v1::ALGORITHM_DDPG_HER);
  ddpg.set_exploration_noise(0.0f);
  ddpg.set_random_action_probability(0.3f);
  exploration.UsePolicy(ddpg);
  const int rows = 10000;
  std::vector<float> actions(3 * rows, 0.5f);
  exploration.Perturb(absl::MakeSpan(actions));
  int random_rows = 0;
  for (int r = 0; r < rows; ++r) {
    // Without noise a row is either untouched or uniform in all of its dims.
    const bool untouched = actions[3 * r] == 0.5f && actions[3 * r + 1] == 0.5f &&
                           actions[3 * r + 2] == 0.5f;
    random_rows += !untouched;
  }
  EXPECT_NEAR(random_rows / double(rows), 0.3, 0.02);

  ddpg.set_exploration_noise(0.2f);
  ddpg.set_random_action_probability(0.0f);
  exploration.UsePolicy(ddpg);
  std::vector<float> noisy(20000, 0.0f);
  exploration.Perturb(absl::MakeSpan(noisy));
  double squares = 0;
  for (float a : noisy) squares += a * a;
  EXPECT_NEAR(std::sqrt(squares / noisy.size()), 0.2, 0.01);

  // Back to an hEM policy: the actor's own sigma_a = 0.5.
  exploration.UsePolicy(hem::v1::PolicyConfig());
  std::fill(noisy.begin(), noisy.end(), 0.0f);
  exploration.Perturb(absl::MakeSpan(noisy));
  squares = 0;
  for (float a : noisy) squares += a * a;
  EXPECT_NEAR(std::sqrt(squares / noisy.size()), 0.47, 0.03);
}

TEST(Exploration, DqnPoliciesAreEpsilonGreedy) {
  hem::v1::EnvSpec spec = *MakeEnvSpec("flip_bit:k=4");
  Exploration exploration(spec, ExplorationOptions{0.5f, 0.0f}, 5);
  hem::v1::PolicyConfig dqn;
  dqn.set_algorithm(hem::v1::ALGORITHM_DQN_HER);
  dqn.set_random_action_probability(0.2f);
  exploration.UsePolicy(dqn);
  std::vector<float> actions(10000, 1.0f);
  exploration.Perturb(absl::MakeSpan(actions));
  int changed = 0;
  for (float a : actions) changed += a != 1.0f;
  // A fifth are redrawn, and a quarter of those land on 1 again: 15%.
  EXPECT_NEAR(changed / 10000.0, 0.15, 0.015);
}

TEST(Exploration, RandomActionsCoverTheSpace) {
  hem::v1::EnvSpec spec = *MakeEnvSpec("four_rooms");
  Exploration exploration(spec, ExplorationOptions(), 9);
  std::vector<float> actions(4000);
  exploration.Random(absl::MakeSpan(actions));
  std::vector<int> counts(4);
  for (float a : actions) ++counts[static_cast<int>(a)];
  for (int c : counts) EXPECT_NEAR(c, 1000, 120);
}

}  // namespace
}  // namespace hem
