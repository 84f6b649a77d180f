#include "common/task_presets.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "common/env_catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(TaskPresets, FlagsForATaskAndRole) {
  EXPECT_THAT(PresetFlags("nav:k=20", "learner"),
              ElementsAre("--learn_sigma=false", "--sigma=0.05", "--lr=0.0003"));
  EXPECT_THAT(PresetFlags("nav:k=20", "actor"), ElementsAre("--action_noise=0"));
  EXPECT_THAT(PresetFlags("nav:k=40", "learner"),
              ElementsAre("--learn_sigma=false", "--sigma=0.05", "--lr=0.0003"));
  EXPECT_THAT(PresetFlags("flip_bit:k=40", "learner"), IsEmpty());
  EXPECT_THAT(PresetFlags("nav:k=2", "actor"), IsEmpty());
  EXPECT_THAT(PresetFlags("four_rooms", "actor"), IsEmpty());
  EXPECT_THAT(PresetFlags("reacher", "learner"),
              ElementsAre("--future_window=10", "--censored_likelihood=true"));
  EXPECT_THAT(PresetFlags("nav:k=80", "learner"),
              ElementsAre("--learn_sigma=false", "--sigma=0.05", "--lr=0.0001",
                          "--future_window=5"));
  EXPECT_THAT(PresetFlags("reacher:image=48", "learner"),
              ElementsAre("--future_window=10", "--lr=0.0003"));
  EXPECT_THAT(PresetFlags("reacher:image=84", "launch"),
              ElementsAre("--batch_size=1024", "--envs_per_actor=40"));
  EXPECT_THAT(PresetFlags("fetch_reach:image=84", "launch"),
              ElementsAre("--batch_size=64", "--envs_per_actor=40"));
  EXPECT_THAT(PresetFlags("sawyer_reach:image=48,image_goal=1", "launch"),
              ElementsAre("--batch_size=64", "--envs_per_actor=10"));
  EXPECT_THAT(PresetFlags("reacher", "launch"), IsEmpty());
  EXPECT_THAT(PresetFlags("point_mass:image=84", "learner"),
              ElementsAre("--future_window=10", "--lr=0.0003"));
  EXPECT_THAT(PresetFlags("point_mass", "learner"), IsEmpty());
}

TEST(TaskPresets, EveryPresetNamesACatalogueTaskAndCarriesItsEvidence) {
  for (const TaskPreset& preset : TaskPresets()) {
    EXPECT_TRUE(MakeEnvSpec(preset.task).ok()) << preset.task;
    const std::string role = preset.role;
    EXPECT_TRUE(role == "learner" || role == "actor" || role == "launch") << role;
    EXPECT_FALSE(std::string(preset.evidence).empty()) << preset.task;
    for (const std::string& flag : PresetFlags(preset.task, preset.role)) {
      EXPECT_TRUE(absl::StartsWith(flag, "--") && absl::StrContains(flag, "=")) << flag;
    }
  }
}

}  // namespace
}  // namespace hem
