#include "common/env_catalog.h"

#include "common/env_spec_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using ::testing::HasSubstr;

TEST(ParseEnvName, SplitsTaskAndParameters) {
  auto parsed = ParseEnvName("nav:k=40,horizon=60");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->task, "nav");
  EXPECT_EQ(parsed->params.at("k"), "40");
  EXPECT_EQ(parsed->params.at("horizon"), "60");
  EXPECT_TRUE(ParseEnvName("fetch_reach")->params.empty());
}

TEST(ParseEnvName, RejectsMalformedNames) {
  EXPECT_THAT(ParseEnvName(":k=1").status().message(), HasSubstr("no task"));
  EXPECT_THAT(ParseEnvName("nav:k").status().message(),
              HasSubstr("'k' is not key=value"));
  EXPECT_THAT(ParseEnvName("nav:k=1,k=2").status().message(),
              HasSubstr("'k' given twice"));
}

TEST(MakeEnvSpec, EveryKnownTaskBuildsAValidSpec) {
  for (const std::string& task : KnownTasks()) {
    auto spec = MakeEnvSpec(task);
    ASSERT_TRUE(spec.ok()) << task << ": " << spec.status();
    EXPECT_TRUE(ValidateEnvSpec(*spec).ok()) << task;
    EXPECT_EQ(spec->env_name(), task);
    EXPECT_TRUE(spec->terminate_on_success());
  }
}

TEST(MakeEnvSpec, MatchesThePapersShapes) {
  struct Expected {
    std::string name;
    int obs, goal, action;
    bool discrete;
    int horizon;
  };
  for (const Expected& e : std::vector<Expected>{
           {"flip_bit:k=50", 50, 50, 50, true, 50},
           {"nav:k=40", 40, 40, 40, false, 50},
           {"four_rooms", 2, 2, 4, true, 50},
           {"point_mass", 4, 2, 2, false, 50},
           {"reacher", 11, 2, 2, false, 50},
           {"fetch_reach", 10, 3, 3, false, 50},
           {"sawyer_reach", 3, 3, 3, false, 50}}) {
    auto spec = MakeEnvSpec(e.name);
    ASSERT_TRUE(spec.ok()) << spec.status();
    EXPECT_EQ(ObservationSize(*spec), e.obs) << e.name;
    EXPECT_EQ(spec->goal_dim(), e.goal) << e.name;
    EXPECT_EQ(e.discrete ? NumDiscreteActions(*spec) : ActionDim(*spec), e.action)
        << e.name;
    EXPECT_EQ(spec->horizon(), e.horizon) << e.name;
  }
  EXPECT_EQ(MakeEnvSpec("nav:k=2")->action_space().box().high(0), 0.2f);
}

TEST(MakeEnvSpec, ImageParameterSwitchesObservationToUint8) {
  auto spec = MakeEnvSpec("fetch_reach:image=84");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->observation().dtype(), hem::v1::DTYPE_UINT8);
  EXPECT_THAT(spec->observation().shape(), ::testing::ElementsAre(84, 84, 3));
  EXPECT_EQ(spec->goal_dim(), 3);
}

TEST(MakeEnvSpec, CanonicalNamesGiveEqualIds) {
  EXPECT_EQ(MakeEnvSpec("nav:horizon=20,k=3")->spec_id(),
            MakeEnvSpec("nav:k=3,horizon=20")->spec_id());
  EXPECT_NE(MakeEnvSpec("nav:k=3")->spec_id(), MakeEnvSpec("nav:k=4")->spec_id());
}

TEST(MakeEnvSpec, BadParametersGiveClearErrors) {
  EXPECT_THAT(MakeEnvSpec("flip_bit:k=0").status().message(),
              HasSubstr("k=0 is out of range"));
  EXPECT_THAT(MakeEnvSpec("nav:k=x").status().message(),
              HasSubstr("k=x is not an integer"));
  EXPECT_THAT(MakeEnvSpec("cartpole").status().message(),
              HasSubstr("unknown env 'cartpole'"));
  EXPECT_THAT(MakeEnvSpec("fetch_reach:image=50").status().message(),
              HasSubstr("image=50 is not a supported size (48 or 84)"));
  EXPECT_THAT(MakeEnvSpec("nav:depth=3").status().message(),
              HasSubstr("unknown parameter 'depth'"));
  EXPECT_THAT(MakeEnvSpec("sawyer_reach:image_goal=1").status().message(),
              HasSubstr("image_goal=1 needs image"));
  EXPECT_THAT(MakeEnvSpec("reacher:image=48,velocities=0").status().message(),
              HasSubstr("velocities=0 applies to state observations"));
  EXPECT_THAT(MakeEnvSpec("reacher:velocities=2").status().message(),
              HasSubstr("velocities=2 is out of range"));
  EXPECT_TRUE(MakeEnvSpec("reacher:velocities=0").ok());
  EXPECT_THAT(MakeEnvSpec("flip_bit:horizon=0").status().message(),
              HasSubstr("horizon=0 is out of range"));
}

}  // namespace
}  // namespace hem
