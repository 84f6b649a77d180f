#include "common/env_spec_util.h"

#include <cmath>

#include "common/env_catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using ::testing::HasSubstr;

hem::v1::EnvSpec Spec(absl::string_view name) {
  auto spec = MakeEnvSpec(name);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return *spec;
}

TEST(SpecId, IsStableAndSensitiveToEveryField) {
  hem::v1::EnvSpec a = Spec("nav:k=3");
  EXPECT_EQ(a.spec_id(), ComputeSpecId(a));
  EXPECT_NE(a.spec_id(), 0u);
  hem::v1::EnvSpec b = a;
  b.set_horizon(a.horizon() + 1);
  EXPECT_NE(ComputeSpecId(a), ComputeSpecId(b));
  b = a;
  b.mutable_success()->set_threshold(0.2f);
  EXPECT_NE(ComputeSpecId(a), ComputeSpecId(b));
  // The id does not depend on the id field itself.
  b = a;
  b.set_spec_id(12345);
  EXPECT_EQ(ComputeSpecId(a), ComputeSpecId(b));
}

TEST(SpecId, MatchesAcrossSerialization) {
  hem::v1::EnvSpec spec = Spec("fetch_reach:image=84");
  hem::v1::EnvSpec parsed;
  ASSERT_TRUE(parsed.ParseFromString(spec.SerializeAsString()));
  EXPECT_EQ(ComputeSpecId(parsed), spec.spec_id());
}

TEST(ValidateEnvSpec, RejectsEachBrokenFieldByName) {
  const hem::v1::EnvSpec good = Spec("nav:k=2");
  ASSERT_TRUE(ValidateEnvSpec(good).ok());
  struct Case {
    std::function<void(hem::v1::EnvSpec*)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](auto* s) { s->set_goal_dim(0); }, "spec.goal_dim"},
      {[](auto* s) { s->set_horizon(0); }, "spec.horizon"},
      {[](auto* s) { s->clear_env_name(); }, "spec.env_name"},
      {[](auto* s) { s->mutable_observation()->clear_shape(); }, "spec.observation"},
      {[](auto* s) { s->mutable_observation()->set_dtype(hem::v1::DTYPE_INT64); },
       "spec.observation"},
      {[](auto* s) { s->mutable_action_space()->mutable_box()->add_low(0); },
       "spec.action_space.box.high"},
      {[](auto* s) { s->mutable_action_space()->mutable_box()->set_low(0, 1.0f); },
       "spec.action_space.box"},
      {[](auto* s) { s->mutable_success()->set_threshold(-1); },
       "spec.success.threshold"},
      {[](auto* s) { s->mutable_success()->set_rule(hem::v1::SUCCESS_RULE_UNSPECIFIED); },
       "spec.success.rule"},
      {[](auto* s) { s->clear_action_space(); }, "spec.action_space"},
  };
  for (const Case& c : cases) {
    hem::v1::EnvSpec broken = good;
    c.mutate(&broken);
    AssignSpecId(&broken);
    absl::Status status = ValidateEnvSpec(broken);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(status.message(), HasSubstr(c.field + ":"));
  }
  hem::v1::EnvSpec stale_id = good;
  stale_id.set_horizon(7);
  EXPECT_THAT(ValidateEnvSpec(stale_id).message(), HasSubstr("spec.spec_id"));
}

TEST(IsSuccess, ExactMatch) {
  hem::v1::SuccessSpec success = Spec("flip_bit:k=4").success();
  EXPECT_TRUE(IsSuccess(success, {1, 0, 1, 1}, {1, 0, 1, 1}));
  EXPECT_FALSE(IsSuccess(success, {1, 0, 1, 1}, {1, 0, 1, 0}));
}

TEST(IsSuccess, EuclideanIsStrictlyBelowThreshold) {
  hem::v1::SuccessSpec success = Spec("nav:k=2").success();  // < 0.1
  EXPECT_TRUE(IsSuccess(success, {0.0f, 0.0f}, {0.06f, 0.06f}));   // 0.0849
  EXPECT_FALSE(IsSuccess(success, {0.0f, 0.0f}, {0.08f, 0.08f}));  // 0.113
  EXPECT_FALSE(IsSuccess(success, {0.0f, 0.0f}, {0.0f, 0.1f}));    // == 0.1
}

TEST(IsSuccess, NormalizedDistanceUsesGoalBounds) {
  // point_mass: bounds [-1, 1] (width 2), threshold 0.02*sqrt(2) normalised,
  // so 0.0566 in world units at most.
  hem::v1::SuccessSpec success = Spec("point_mass").success();
  EXPECT_TRUE(IsSuccess(success, {0.0f, 0.0f}, {0.03f, 0.03f}));   // 0.0212 norm
  EXPECT_FALSE(IsSuccess(success, {0.0f, 0.0f}, {0.05f, 0.05f}));  // 0.0354 norm
  EXPECT_TRUE(IsSuccess(success, {0.5f, -0.5f}, {0.5f, -0.45f}));
}

TEST(GoalDistance, IsWhatEachRuleComparesWithItsThreshold) {
  EXPECT_EQ(GoalDistance(Spec("flip_bit:k=4").success(), {1, 0, 1, 1}, {0, 0, 1, 0}), 2);
  EXPECT_NEAR(GoalDistance(Spec("nav:k=2").success(), {0.0f, 0.0f}, {0.3f, 0.4f}), 0.5,
              1e-6);
  // point_mass normalises by the width 2: 0.04 in world units is 0.02.
  const hem::v1::SuccessSpec point_mass = Spec("point_mass").success();
  EXPECT_NEAR(GoalDistance(point_mass, {0.5f, 0.0f}, {0.5f, 0.04f}), 0.02, 1e-6);
  // Success exactly where the distance meets the threshold.
  for (float dy : {0.03f, 0.05f, 0.0566f, 0.0567f}) {
    const bool near = GoalDistance(point_mass, {0.0f, 0.0f}, {0.0f, dy}) <=
                      point_mass.threshold();
    EXPECT_EQ(near, IsSuccess(point_mass, {0.0f, 0.0f}, {0.0f, dy})) << dy;
  }
}

TEST(SpecSizes, ReportObservationAndActionSizes) {
  hem::v1::EnvSpec image = Spec("sawyer_reach:image=48,image_goal=1");
  EXPECT_EQ(ObservationSize(image), 48 * 48 * 3);
  EXPECT_EQ(GoalObservationSize(image), 48 * 48 * 3);
  EXPECT_EQ(ActionDim(image), 3);
  EXPECT_FALSE(IsDiscrete(image));
  hem::v1::EnvSpec bits = Spec("flip_bit:k=7");
  EXPECT_TRUE(IsDiscrete(bits));
  EXPECT_EQ(ActionDim(bits), 1);
  EXPECT_EQ(NumDiscreteActions(bits), 7);
  EXPECT_EQ(GoalObservationSize(bits), 0);
}

}  // namespace
}  // namespace hem
