// Tests of the E-step: each relabeling strategy's goal distribution.
#include "replay_service/hindsight_sampler.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <vector>

#include "common/env_catalog.h"
#include "common/env_spec_util.h"
#include "gtest/gtest.h"
#include "replay_service/replay_testing.h"

namespace hem {
namespace {

// A table filled with tagged episodes; keeps the trajectories for lookups.
class Fixture {
 public:
  explicit Fixture(const std::string& env, bool tagged = true)
      : spec_(*MakeEnvSpec(env)), table_(spec_, ReplayTableOptions{}),
        tagged_(tagged) {}

  void Add(uint64_t episode_id, int steps) {
    testing::TrajectoryOptions options;
    options.num_steps = steps;
    options.tagged = tagged_;
    hem::v1::Trajectory trajectory =
        testing::MakeTrajectory(spec_, 3, episode_id, options);
    trajectories_[episode_id] = trajectory;
    table_.Insert(EpisodeFromTrajectory(&trajectory, spec_));
  }

  const hem::v1::EnvSpec& spec() const { return spec_; }
  const ReplayTable& table() const { return table_; }
  const hem::v1::Trajectory& trajectory(uint64_t id) { return trajectories_.at(id); }
  const float* achieved(uint64_t id, int t) {
    return reinterpret_cast<const float*>(
               trajectories_.at(id).achieved_goals().data().data()) +
           t * spec_.goal_dim();
  }

 private:
  hem::v1::EnvSpec spec_;
  ReplayTable table_;
  bool tagged_;
  std::map<uint64_t, hem::v1::Trajectory> trajectories_;
};

const float* Floats(const hem::v1::Tensor& tensor) {
  return reinterpret_cast<const float*>(tensor.data().data());
}

HindsightOptions Options(hem::v1::RelabelStrategy strategy, double p = 1.0,
                         bool with_next = false, int batch_size = 256) {
  HindsightOptions options;
  options.strategy = strategy;
  options.relabel_probability = p;
  options.with_next = with_next;
  options.batch_size = batch_size;
  return options;
}

// Upper bound for a chi-square statistic with `df` degrees of freedom that a
// correct sampler exceeds with probability well below 1e-6.
double ChiSquareLimit(double df) { return df + 7.0 * std::sqrt(2.0 * df) + 10; }

TEST(FutureRelabel, GoalComesFromLaterStepOfSameEpisode) {
  Fixture f("fetch_reach");
  for (int e = 0; e < 20; ++e) f.Add(e, 1 + e % 15);
  HindsightSampler sampler(&f.table(),
                           Options(hem::v1::RELABEL_FUTURE, 1.0, true), 7);
  hem::v1::Batch batch;
  for (int round = 0; round < 50; ++round) {
    ASSERT_TRUE(sampler.Sample(&batch).ok());
    ASSERT_EQ(batch.num_relabeled(), 256);
    const float* obs = Floats(batch.observations());
    const float* next = Floats(batch.next_observations());
    const float* goals = Floats(batch.goals());
    for (int i = 0; i < 256; ++i) {
      const int t = static_cast<int>(obs[i * 10]);
      const uint64_t episode = static_cast<uint64_t>(obs[i * 10 + 1]);
      const int steps = f.trajectory(episode).num_steps();
      ASSERT_LT(t, steps);
      EXPECT_EQ(next[i * 10], t + 1);
      EXPECT_EQ(next[i * 10 + 1], episode);
      // Goal = achieved goal (episode, t', actor) of the same episode.
      EXPECT_EQ(goals[i * 3], episode);
      const int t_goal = static_cast<int>(goals[i * 3 + 1]);
      EXPECT_GE(t_goal, t + 1);
      EXPECT_LE(t_goal, steps);
      EXPECT_EQ(goals[i * 3 + 2], 3.0f);
    }
  }
}

TEST(FutureRelabel, LaterStepIsUniformOverRemainingSteps) {
  constexpr int kSteps = 10;
  Fixture f("fetch_reach");
  for (int e = 0; e < 10; ++e) f.Add(e, kSteps);
  HindsightSampler sampler(&f.table(), Options(hem::v1::RELABEL_FUTURE), 11);
  // counts[t][t'] for t' in [t+1, T].
  std::vector<std::vector<int>> counts(kSteps, std::vector<int>(kSteps + 1, 0));
  hem::v1::Batch batch;
  for (int round = 0; round < 400; ++round) {
    ASSERT_TRUE(sampler.Sample(&batch).ok());
    const float* obs = Floats(batch.observations());
    const float* goals = Floats(batch.goals());
    for (int i = 0; i < 256; ++i) {
      ++counts[static_cast<int>(obs[i * 10])][static_cast<int>(goals[i * 3 + 1])];
    }
  }
  double chi2 = 0;
  double df = 0;
  for (int t = 0; t < kSteps; ++t) {
    int n = 0;
    for (int tg = t + 1; tg <= kSteps; ++tg) n += counts[t][tg];
    for (int tg = 0; tg <= t; ++tg) EXPECT_EQ(counts[t][tg], 0);
    const double expected = static_cast<double>(n) / (kSteps - t);
    for (int tg = t + 1; tg <= kSteps; ++tg) {
      const double d = counts[t][tg] - expected;
      chi2 += d * d / expected;
    }
    df += kSteps - t - 1;
  }
  EXPECT_LT(chi2, ChiSquareLimit(df)) << "df " << df;
  // And the test can fail: a biased t' (always T) would be far above it.
  EXPECT_GT(df, 0);
}

TEST(FutureRelabel, AWindowKeepsTheGoalWithinWStepsUniformly) {
  constexpr int kSteps = 12, kWindow = 3;
  Fixture f("fetch_reach");
  for (int e = 0; e < 10; ++e) f.Add(e, kSteps);
  HindsightOptions options = Options(hem::v1::RELABEL_FUTURE);
  options.future_window = kWindow;
  ASSERT_TRUE(ValidateHindsightOptions(options, f.spec()).ok());
  HindsightSampler sampler(&f.table(), options, 13);
  // counts[t][t'] for t' in [t+1, min(T, t+W)].
  std::vector<std::vector<int>> counts(kSteps, std::vector<int>(kSteps + 1, 0));
  hem::v1::Batch batch;
  for (int round = 0; round < 200; ++round) {
    ASSERT_TRUE(sampler.Sample(&batch).ok());
    const float* obs = Floats(batch.observations());
    const float* goals = Floats(batch.goals());
    for (int i = 0; i < 256; ++i) {
      ++counts[static_cast<int>(obs[i * 10])][static_cast<int>(goals[i * 3 + 1])];
    }
  }
  double chi2 = 0, df = 0;
  for (int t = 0; t < kSteps; ++t) {
    const int last = std::min(kSteps, t + kWindow);
    int n = 0;
    for (int tg = 0; tg <= kSteps; ++tg) {
      if (tg <= t || tg > last) {
        EXPECT_EQ(counts[t][tg], 0) << "t " << t << " t' " << tg;
      } else {
        n += counts[t][tg];
      }
    }
    const double expected = static_cast<double>(n) / (last - t);
    for (int tg = t + 1; tg <= last; ++tg) {
      const double d = counts[t][tg] - expected;
      chi2 += d * d / expected;
    }
    df += last - t - 1;
  }
  EXPECT_LT(chi2, ChiSquareLimit(df)) << "df " << df;
}

TEST(HindsightSampler, TransitionsAreUniformOverStoredTransitions) {
  Fixture f("fetch_reach");
  for (int e = 1; e <= 20; ++e) f.Add(e, e);  // 210 transitions.
  HindsightSampler sampler(&f.table(), Options(hem::v1::RELABEL_NONE), 5);
  std::map<int, int> per_episode;
  hem::v1::Batch batch;
  const int rounds = 400;
  for (int round = 0; round < rounds; ++round) {
    ASSERT_TRUE(sampler.Sample(&batch).ok());
    const float* obs = Floats(batch.observations());
    for (int i = 0; i < 256; ++i) ++per_episode[static_cast<int>(obs[i * 10 + 1])];
  }
  double chi2 = 0;
  for (int e = 1; e <= 20; ++e) {
    const double expected = rounds * 256.0 * e / 210.0;
    const double d = per_episode[e] - expected;
    chi2 += d * d / expected;
  }
  EXPECT_LT(chi2, ChiSquareLimit(19));
}

TEST(HindsightSampler, FinalEpisodeAndRandomStrategies) {
  Fixture f("fetch_reach");
  for (int e = 0; e < 12; ++e) f.Add(e, 3 + e);
  hem::v1::Batch batch;
  {
    HindsightSampler sampler(&f.table(), Options(hem::v1::RELABEL_FINAL), 1);
    ASSERT_TRUE(sampler.Sample(&batch).ok());
    const float* obs = Floats(batch.observations());
    const float* goals = Floats(batch.goals());
    for (int i = 0; i < 256; ++i) {
      const uint64_t episode = static_cast<uint64_t>(obs[i * 10 + 1]);
      EXPECT_EQ(goals[i * 3], episode);
      EXPECT_EQ(goals[i * 3 + 1], f.trajectory(episode).num_steps());
    }
  }
  {
    HindsightSampler sampler(&f.table(), Options(hem::v1::RELABEL_EPISODE), 2);
    int at_start = 0, before_t = 0;
    for (int round = 0; round < 20; ++round) {
      ASSERT_TRUE(sampler.Sample(&batch).ok());
      const float* obs = Floats(batch.observations());
      const float* goals = Floats(batch.goals());
      for (int i = 0; i < 256; ++i) {
        const uint64_t episode = static_cast<uint64_t>(obs[i * 10 + 1]);
        EXPECT_EQ(goals[i * 3], episode);
        const int tg = static_cast<int>(goals[i * 3 + 1]);
        EXPECT_GE(tg, 0);
        EXPECT_LE(tg, f.trajectory(episode).num_steps());
        at_start += tg == 0;
        before_t += tg <= static_cast<int>(obs[i * 10]);
      }
    }
    EXPECT_GT(at_start, 0);  // Unlike future, earlier steps are possible.
    EXPECT_GT(before_t, 0);
  }
  {
    HindsightSampler sampler(&f.table(), Options(hem::v1::RELABEL_RANDOM), 3);
    int other_episode = 0;
    for (int round = 0; round < 20; ++round) {
      ASSERT_TRUE(sampler.Sample(&batch).ok());
      const float* obs = Floats(batch.observations());
      const float* goals = Floats(batch.goals());
      for (int i = 0; i < 256; ++i) {
        const uint64_t episode = static_cast<uint64_t>(goals[i * 3]);
        ASSERT_LT(episode, 12u);  // A stored episode...
        const int tg = static_cast<int>(goals[i * 3 + 1]);
        EXPECT_GE(tg, 1);  // ...at a state reached by an action.
        EXPECT_LE(tg, f.trajectory(episode).num_steps());
        other_episode += episode != static_cast<uint64_t>(obs[i * 10 + 1]);
      }
    }
    EXPECT_GT(other_episode, 20 * 256 / 2);
  }
}

TEST(HindsightSampler, NoneAndProbabilityKeepTheActorsGoal) {
  Fixture f("fetch_reach");
  for (int e = 0; e < 10; ++e) f.Add(e, 10);
  hem::v1::Batch batch;
  HindsightSampler none(&f.table(), Options(hem::v1::RELABEL_NONE), 4);
  ASSERT_TRUE(none.Sample(&batch).ok());
  EXPECT_EQ(batch.num_relabeled(), 0);
  const float* obs = Floats(batch.observations());
  for (int i = 0; i < 256; ++i) {
    const uint64_t episode = static_cast<uint64_t>(obs[i * 10 + 1]);
    EXPECT_EQ(std::memcmp(batch.goals().data().data() + i * 12,
                          f.trajectory(episode).desired_goal().data().data(), 12),
              0);
  }
  HindsightSampler some(&f.table(), Options(hem::v1::RELABEL_FUTURE, 0.3), 4);
  int relabeled = 0, total = 0;
  for (int round = 0; round < 40; ++round) {
    ASSERT_TRUE(some.Sample(&batch).ok());
    relabeled += batch.num_relabeled();
    total += 256;
    // Relabeled rows carry a tagged achieved goal; the rest the desired one.
    const float* goals = Floats(batch.goals());
    const float* o = Floats(batch.observations());
    int tagged = 0;
    for (int i = 0; i < 256; ++i) {
      const uint64_t episode = static_cast<uint64_t>(o[i * 10 + 1]);
      const bool is_desired =
          std::memcmp(goals + i * 3,
                      f.trajectory(episode).desired_goal().data().data(), 12) == 0;
      tagged += !is_desired;
    }
    EXPECT_EQ(tagged, batch.num_relabeled());
  }
  const double sigma = std::sqrt(total * 0.3 * 0.7);
  EXPECT_NEAR(relabeled, total * 0.3, 5 * sigma);
}

TEST(HindsightSampler, RecomputedRewardMatchesIsSuccess) {
  Fixture f("nav:k=2", /*tagged=*/false);
  for (int e = 0; e < 30; ++e) f.Add(e, 20);
  hem::v1::Batch batch;
  HindsightSampler sampler(&f.table(),
                           Options(hem::v1::RELABEL_FUTURE, 1.0, true), 9);
  int successes = 0, terminals = 0;
  for (int round = 0; round < 20; ++round) {
    ASSERT_TRUE(sampler.Sample(&batch).ok());
    const float* obs = Floats(batch.observations());
    const float* goals = Floats(batch.goals());
    const float* rewards = Floats(batch.rewards());
    const uint8_t* term =
        reinterpret_cast<const uint8_t*>(batch.terminals().data().data());
    for (int i = 0; i < 256; ++i) {
      const int t = static_cast<int>(obs[i * 2]);
      const uint64_t episode = static_cast<uint64_t>(obs[i * 2 + 1]);
      const bool expected = IsSuccess(
          f.spec().success(), absl::Span<const float>(f.achieved(episode, t + 1), 2),
          absl::Span<const float>(goals + i * 2, 2));
      ASSERT_EQ(rewards[i], expected ? 1.0f : 0.0f) << "row " << i;
      ASSERT_EQ(term[i], (expected || t + 1 == 20) ? 1 : 0);
      successes += expected;
      terminals += term[i];
    }
  }
  // t' = t+1 (probability 1/(T-t)) always succeeds; others rarely.
  EXPECT_GT(successes, 0);
  EXPECT_LT(successes, 20 * 256);

  // Without relabeling the reward is the actor's recorded success.
  HindsightSampler kept(&f.table(), Options(hem::v1::RELABEL_NONE, 1.0, true), 9);
  ASSERT_TRUE(kept.Sample(&batch).ok());
  const float* obs = Floats(batch.observations());
  const float* rewards = Floats(batch.rewards());
  for (int i = 0; i < 256; ++i) {
    const int t = static_cast<int>(obs[i * 2]);
    const uint64_t episode = static_cast<uint64_t>(obs[i * 2 + 1]);
    EXPECT_EQ(rewards[i], f.trajectory(episode).successes()[t] ? 1.0f : 0.0f);
  }
}

TEST(HindsightSampler, ImageGoalIsTheObservationAtTheChosenStep) {
  Fixture f("sawyer_reach:image=48,image_goal=1");
  for (int e = 0; e < 6; ++e) f.Add(e, 5 + e);
  const int64_t image_bytes = 48 * 48 * 3;
  hem::v1::Batch batch;
  HindsightSampler sampler(&f.table(), Options(hem::v1::RELABEL_FUTURE, 0.5, false, 64), 3);
  ASSERT_TRUE(sampler.Sample(&batch).ok());
  ASSERT_EQ(batch.goal_observations().shape_size(), 4);
  EXPECT_EQ(batch.goal_observations().shape(0), 64);
  EXPECT_EQ(batch.goal_observations().shape(1), 48);
  const uint8_t* obs =
      reinterpret_cast<const uint8_t*>(batch.observations().data().data());
  const float* goals = Floats(batch.goals());
  int relabeled = 0;
  for (int i = 0; i < 64; ++i) {
    const uint64_t episode = obs[i * image_bytes + 1];
    const hem::v1::Trajectory& trajectory = f.trajectory(episode);
    const char* image = batch.goal_observations().data().data() + i * image_bytes;
    const bool is_desired =
        std::memcmp(goals + i * 3, trajectory.desired_goal().data().data(), 12) == 0;
    if (is_desired) {
      EXPECT_EQ(std::memcmp(image, trajectory.goal_observation().data().data(),
                            image_bytes),
                0);
    } else {
      ++relabeled;
      const int tg = static_cast<int>(goals[i * 3 + 1]);
      EXPECT_EQ(std::memcmp(image,
                            trajectory.observations().data().data() +
                                tg * image_bytes,
                            image_bytes),
                0);
    }
  }
  EXPECT_EQ(relabeled, batch.num_relabeled());
  EXPECT_GT(relabeled, 0);
  EXPECT_LT(relabeled, 64);
}

TEST(HindsightSampler, SameSeedSameBatchesAndCorrectTypes) {
  Fixture f("flip_bit:k=8", /*tagged=*/false);
  for (int e = 0; e < 10; ++e) f.Add(e, 8);
  HindsightSampler a(&f.table(), Options(hem::v1::RELABEL_FUTURE, 0.8, true, 32), 42);
  HindsightSampler b(&f.table(), Options(hem::v1::RELABEL_FUTURE, 0.8, true, 32), 42);
  HindsightSampler c(&f.table(), Options(hem::v1::RELABEL_FUTURE, 0.8, true, 32), 43);
  hem::v1::Batch x, y, z;
  ASSERT_TRUE(a.Sample(&x).ok());
  ASSERT_TRUE(b.Sample(&y).ok());
  ASSERT_TRUE(c.Sample(&z).ok());
  EXPECT_EQ(x.SerializeAsString(), y.SerializeAsString());
  EXPECT_NE(x.SerializeAsString(), z.SerializeAsString());
  EXPECT_EQ(x.spec_id(), f.spec().spec_id());
  EXPECT_EQ(x.size(), 32);
  EXPECT_EQ(x.actions().dtype(), hem::v1::DTYPE_INT32);
  ASSERT_EQ(x.actions().shape_size(), 1);
  EXPECT_EQ(x.actions().shape(0), 32);
  EXPECT_EQ(x.goals().shape(1), 8);
  EXPECT_EQ(x.observations().shape(1), 8);
  EXPECT_EQ(x.policy_versions().dtype(), hem::v1::DTYPE_INT64);
  EXPECT_EQ(x.terminals().dtype(), hem::v1::DTYPE_UINT8);
  EXPECT_EQ(x.rewards().data().size(), 32u * 4);
  const int32_t* actions = reinterpret_cast<const int32_t*>(x.actions().data().data());
  for (int i = 0; i < 32; ++i) {
    EXPECT_GE(actions[i], 0);
    EXPECT_LT(actions[i], 8);
  }
}

TEST(HindsightSampler, EmptyTableAndBadOptionsAreErrors) {
  Fixture f("fetch_reach");
  HindsightSampler sampler(&f.table(), Options(hem::v1::RELABEL_FUTURE), 1);
  hem::v1::Batch batch;
  EXPECT_EQ(sampler.Sample(&batch).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(ValidateHindsightOptions(Options(hem::v1::RELABEL_FUTURE, 1.5),
                                        f.spec()).ok());
  EXPECT_FALSE(ValidateHindsightOptions(Options(hem::v1::RELABEL_FUTURE, 1, false, 0),
                                        f.spec()).ok());
  EXPECT_FALSE(ValidateHindsightOptions(
                   Options(hem::v1::RELABEL_STRATEGY_UNSPECIFIED), f.spec())
                   .ok());
  HindsightOptions window = Options(hem::v1::RELABEL_FUTURE);
  window.future_window = -1;
  EXPECT_NE(ValidateHindsightOptions(window, f.spec()).message().find("future_window"),
            std::string::npos);
  window = Options(hem::v1::RELABEL_FINAL);
  window.future_window = 5;
  EXPECT_NE(ValidateHindsightOptions(window, f.spec()).message().find("future_window"),
            std::string::npos);
}

}  // namespace
}  // namespace hem
