// VectorEnv: instances step independently and match single-Env stepping.
#include "actor/envs/vector_env.h"

#include <memory>
#include <string>

#include "actor/envs/env_rng.h"
#include "actor/envs/env_test_util.h"
#include "common/env_spec_util.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using ::hem::testing::ObservationBuffers;

// Steps a VectorEnv of M instances and M single Envs with the same seeds and
// actions, resetting instance 1 midway; every buffer must match.
void ExpectVectorMatchesSingle(const std::string& name) {
  constexpr int kM = 3;
  absl::StatusOr<std::unique_ptr<VectorEnv>> vec = VectorEnv::Create(name, kM);
  ASSERT_TRUE(vec.ok()) << vec.status();
  const hem::v1::EnvSpec& spec = (*vec)->spec();
  ASSERT_EQ((*vec)->num_envs(), kM);
  std::vector<std::unique_ptr<Env>> singles;
  std::vector<ObservationBuffers> obs;
  for (int i = 0; i < kM; ++i) {
    absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv(name);
    ASSERT_TRUE(env.ok());
    singles.push_back(*std::move(env));
    obs.emplace_back(spec);
  }
  const int obs_size = ObservationSize(spec);
  const int goal_dim = spec.goal_dim();
  const int goal_obs = GoalObservationSize(spec);
  const bool image = spec.observation().dtype() == hem::v1::DTYPE_UINT8;
  auto expect_equal = [&](int i, const char* when) {
    auto vs = (*vec)->states();
    auto vi = (*vec)->images();
    if (image) {
      EXPECT_TRUE(std::equal(obs[i].image.begin(), obs[i].image.end(),
                             vi.begin() + i * obs_size))
          << name << " image " << i << " " << when;
    } else {
      EXPECT_TRUE(std::equal(obs[i].state.begin(), obs[i].state.end(),
                             vs.begin() + i * obs_size))
          << name << " state " << i << " " << when;
    }
    EXPECT_TRUE(std::equal(obs[i].achieved_goal.begin(), obs[i].achieved_goal.end(),
                           (*vec)->achieved_goals().begin() + i * goal_dim))
        << name << " achieved " << i << " " << when;
    EXPECT_TRUE(std::equal(obs[i].desired_goal.begin(), obs[i].desired_goal.end(),
                           (*vec)->desired_goals().begin() + i * goal_dim))
        << name << " desired " << i << " " << when;
    if (goal_obs > 0) {
      EXPECT_TRUE(std::equal(obs[i].goal_image.begin(), obs[i].goal_image.end(),
                             (*vec)->goal_images().begin() + i * goal_obs))
          << name << " goal image " << i << " " << when;
    }
  };
  for (int i = 0; i < kM; ++i) {
    (*vec)->Reset(i, 100 + i);
    singles[i]->Reset(100 + i, obs[i].Slot());
    expect_equal(i, "after reset");
  }
  // Different seeds give different goals across instances.
  auto desired = (*vec)->desired_goals();
  EXPECT_FALSE(std::equal(desired.begin(), desired.begin() + goal_dim,
                          desired.begin() + goal_dim));
  const int dim = ActionDim(spec);
  auto random = testing::RandomController(spec, 42);
  std::vector<float> actions(kM * dim);
  for (int t = 0; t < 6; ++t) {
    if (t == 3) {
      (*vec)->Reset(1, 555);
      singles[1]->Reset(555, obs[1].Slot());
    }
    for (int i = 0; i < kM; ++i) {
      random(obs[i], absl::MakeSpan(actions).subspan(i * dim, dim));
    }
    (*vec)->Step(actions);
    for (int i = 0; i < kM; ++i) {
      const bool success =
          singles[i]->Step(absl::MakeSpan(actions).subspan(i * dim, dim), obs[i].Slot());
      EXPECT_EQ((*vec)->successes()[i], success ? 1 : 0);
      expect_equal(i, "after step");
    }
  }
}

TEST(VectorEnv, MatchesSingleEnvs) {
  for (const char* name : {"flip_bit:k=6", "nav:k=3", "four_rooms", "point_mass", "reacher",
                           "fetch_reach", "sawyer_reach", "point_mass:image=48",
                           "sawyer_reach:image=48,image_goal=1"}) {
    ExpectVectorMatchesSingle(name);
  }
}

TEST(VectorEnv, RejectsBadArguments) {
  EXPECT_EQ(VectorEnv::Create("nav:k=2", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VectorEnv::Create("nav:k=0", 2).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(VectorEnv, ImageBuffersHaveBatchShapes) {
  absl::StatusOr<std::unique_ptr<VectorEnv>> vec =
      VectorEnv::Create("sawyer_reach:image=48,image_goal=1", 2);
  ASSERT_TRUE(vec.ok()) << vec.status();
  EXPECT_TRUE((*vec)->states().empty());
  EXPECT_EQ((*vec)->images().size(), 2u * 48 * 48 * 3);
  EXPECT_EQ((*vec)->goal_images().size(), 2u * 48 * 48 * 3);
  EXPECT_EQ((*vec)->achieved_goals().size(), 6u);
}

TEST(VectorEnv, BuffersHaveBatchShapes) {
  absl::StatusOr<std::unique_ptr<VectorEnv>> vec = VectorEnv::Create("nav:k=4", 5);
  ASSERT_TRUE(vec.ok());
  EXPECT_EQ((*vec)->states().size(), 20u);
  EXPECT_EQ((*vec)->achieved_goals().size(), 20u);
  EXPECT_EQ((*vec)->desired_goals().size(), 20u);
  EXPECT_EQ((*vec)->successes().size(), 5u);
  EXPECT_TRUE((*vec)->images().empty());
  EXPECT_TRUE((*vec)->goal_images().empty());
}

}  // namespace
}  // namespace hem
