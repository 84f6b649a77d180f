#include "actor/envs/env_test_util.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "actor/envs/env_rng.h"
#include "actor/envs/reacher_env.h"
#include "common/env_catalog.h"
#include "common/env_spec_util.h"
#include "gtest/gtest.h"

namespace hem {
namespace testing {

ObservationBuffers::ObservationBuffers(const hem::v1::EnvSpec& spec)
    : achieved_goal(spec.goal_dim()),
      desired_goal(spec.goal_dim()),
      goal_image(GoalObservationSize(spec)) {
  if (spec.observation().dtype() == hem::v1::DTYPE_UINT8) {
    image.resize(ObservationSize(spec));
  } else {
    state.resize(ObservationSize(spec));
  }
}

ObservationSlot ObservationBuffers::Slot() {
  ObservationSlot slot;
  slot.state = state.empty() ? nullptr : state.data();
  slot.image = image.empty() ? nullptr : image.data();
  slot.achieved_goal = achieved_goal.data();
  slot.desired_goal = desired_goal.data();
  slot.goal_image = goal_image.empty() ? nullptr : goal_image.data();
  return slot;
}

EpisodeResult RunEpisode(Env& env, uint64_t seed, const Controller& controller) {
  const hem::v1::EnvSpec& spec = env.spec();
  ObservationBuffers obs(spec);
  std::vector<float> action(ActionDim(spec));
  EpisodeResult result;
  auto record = [&] {
    result.trace.insert(result.trace.end(), obs.state.begin(), obs.state.end());
    result.trace.insert(result.trace.end(), obs.achieved_goal.begin(),
                        obs.achieved_goal.end());
    result.image_trace.insert(result.image_trace.end(), obs.image.begin(),
                              obs.image.end());
  };
  env.Reset(seed, obs.Slot());
  result.trace.insert(result.trace.end(), obs.desired_goal.begin(), obs.desired_goal.end());
  record();
  for (int t = 0; t < spec.horizon(); ++t) {
    controller(obs, absl::MakeSpan(action));
    const bool success = env.Step(action, obs.Slot());
    ++result.steps;
    record();
    if (success != IsSuccess(spec.success(), obs.achieved_goal, obs.desired_goal)) {
      ++result.disagreements;
    }
    if (success) {
      result.success = true;
      break;
    }
  }
  return result;
}

SuccessStats MeasureSuccess(Env& env, int episodes, uint64_t first_seed,
                            const Controller& controller) {
  SuccessStats stats;
  for (int i = 0; i < episodes; ++i) {
    const EpisodeResult result = RunEpisode(env, first_seed + i, controller);
    ++stats.episodes;
    stats.successes += result.success ? 1 : 0;
    stats.disagreements += result.disagreements;
  }
  return stats;
}

void ReacherInverseKinematicsPd(absl::Span<const float> state, absl::Span<const float> goal,
                                absl::Span<float> action) {
  constexpr double kPi = 3.14159265358979323846;
  const double l1 = kReacherUpperLength, l2 = kReacherLowerLength;
  const double q0 = std::atan2(state[1], state[0]);
  const double q1 = state[4];
  const double gx = goal[0], gy = goal[1];
  const double r2 = gx * gx + gy * gy;
  const double c = std::clamp((r2 - l1 * l1 - l2 * l2) / (2 * l1 * l2), -1.0, 1.0);
  double target1 = std::acos(c);
  if (q1 < 0) target1 = -target1;
  const double target0 =
      std::atan2(gy, gx) - std::atan2(l2 * std::sin(target1), l1 + l2 * std::cos(target1));
  const double kp = 11.0, kd = 1.2, gear = 2.0;
  const double torque0 = kp * std::remainder(target0 - q0, 2 * kPi) - kd * state[5];
  const double torque1 = kp * (target1 - q1) - kd * state[6];
  action[0] = static_cast<float>(std::clamp(torque0 / gear, -1.0, 1.0));
  action[1] = static_cast<float>(std::clamp(torque1 / gear, -1.0, 1.0));
}

void ExpectScriptedSolvesAndRandomDoesNot(absl::string_view name,
                                          const Controller& scripted,
                                          double max_random_rate,
                                          uint64_t random_seed) {
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv(name);
  ASSERT_TRUE(env.ok()) << env.status();
  ExpectSpecMatchesCatalog(**env, name);
  const SuccessStats good = MeasureSuccess(**env, 100, 1000, scripted);
  const SuccessStats bad =
      MeasureSuccess(**env, 100, 1000, RandomController((*env)->spec(), random_seed));
  std::printf("%-20s scripted success %.2f, random success %.2f\n",
              std::string(name).c_str(), good.rate(), bad.rate());
  EXPECT_GE(good.rate(), 0.95) << name;
  EXPECT_LT(bad.rate(), max_random_rate) << name;
  EXPECT_EQ(good.disagreements, 0) << name;
  EXPECT_EQ(bad.disagreements, 0) << name;
}

Controller RandomController(const hem::v1::EnvSpec& spec, uint64_t seed) {
  auto rng = std::make_shared<EnvRng>(seed);
  if (IsDiscrete(spec)) {
    const int n = NumDiscreteActions(spec);
    return [rng, n](const ObservationBuffers&, absl::Span<float> action) {
      action[0] = static_cast<float>(rng->UniformInt(n));
    };
  }
  const hem::v1::BoxActionSpace box = spec.action_space().box();
  return [rng, box](const ObservationBuffers&, absl::Span<float> action) {
    for (int i = 0; i < box.low_size(); ++i) {
      action[i] = static_cast<float>(rng->Uniform(box.low(i), box.high(i)));
    }
  };
}

void ExpectSpecMatchesCatalog(const Env& env, absl::string_view name) {
  absl::StatusOr<hem::v1::EnvSpec> expected = MakeEnvSpec(name);
  ASSERT_TRUE(expected.ok()) << expected.status();
  EXPECT_EQ(env.spec().SerializeAsString(), expected->SerializeAsString());
  EXPECT_EQ(env.spec().spec_id(), expected->spec_id());
}

void ExpectSeededDeterminism(absl::string_view name) {
  absl::StatusOr<std::unique_ptr<Env>> a = CreateEnv(name);
  absl::StatusOr<std::unique_ptr<Env>> b = CreateEnv(name);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  for (uint64_t seed : {1ull, 77ull}) {
    const EpisodeResult ra = RunEpisode(**a, seed, RandomController((*a)->spec(), seed));
    // Interleave another episode on b first, so leftover state would show.
    RunEpisode(**b, seed + 1000, RandomController((*b)->spec(), 5));
    const EpisodeResult rb = RunEpisode(**b, seed, RandomController((*b)->spec(), seed));
    EXPECT_EQ(ra.steps, rb.steps) << name << " seed " << seed;
    EXPECT_EQ(ra.trace, rb.trace) << name << " seed " << seed;
    EXPECT_EQ(ra.image_trace, rb.image_trace) << name << " seed " << seed;
  }
  ObservationBuffers o1((*a)->spec()), o2((*a)->spec());
  (*a)->Reset(3, o1.Slot());
  (*a)->Reset(4, o2.Slot());
  EXPECT_NE(o1.desired_goal, o2.desired_goal) << name << ": seeds 3 and 4 drew one goal";
}

}  // namespace testing
}  // namespace hem
