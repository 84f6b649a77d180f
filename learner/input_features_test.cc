// InputFeatures: the encoder sees every pixel of every supported width, and
// the width its rows report is the width it produces.
#include "learner/input_features.h"

#include <string>

#include "common/env_catalog.h"
#include "common/env_spec_util.h"
#include "gtest/gtest.h"
#include "learner/networks.h"

namespace hem {
namespace {

hem::v1::PolicyConfig CompleteConfigFor(const std::string& env) {
  hem::v1::PolicyConfig config;
  *config.mutable_spec() = MakeEnvSpec(env).value();
  config.add_hidden_sizes(16);
  return CompletePolicyConfig(config).value();
}

struct Owner : torch::nn::Module {};

// A pixel is seen when lighting it alone changes the features. With every
// weight positive and no bias, a seen pixel can only raise them.
void ExpectEveryPixelSeen(const std::string& env) {
  SCOPED_TRACE(env);
  const hem::v1::PolicyConfig config = CompleteConfigFor(env);
  const int width = static_cast<int>(config.spec().observation().shape(0));
  Owner owner;
  InputFeatures features(owner, config);
  torch::NoGradGuard no_grad;
  for (auto& p : owner.named_parameters()) {
    if (p.key().find("weight") != std::string::npos) p.value().fill_(0.01);
    if (p.key().find("bias") != std::string::npos) p.value().zero_();
  }
  const int goal_dim = config.spec().goal_dim();
  const int pixels = width * width;
  constexpr int kChunk = 256;
  int unseen = 0, first_unseen = -1;
  for (int start = 0; start < pixels; start += kChunk) {
    const int n = std::min(kChunk, pixels - start);
    torch::Tensor images = torch::zeros({n, width, width, 3}, torch::kUInt8);
    for (int i = 0; i < n; ++i) {
      const int pixel = start + i;
      images[i][pixel / width][pixel % width].fill_(255);
    }
    // Image goals stay black: they add nothing with zero biases.
    NetworkInputs inputs{images, torch::zeros({n, goal_dim}),
                         config.spec().has_goal_observation()
                             ? torch::zeros({n, width, width, 3}, torch::kUInt8)
                             : torch::Tensor()};
    torch::Tensor rows = features.Forward(inputs);
    ASSERT_EQ(rows.size(1), features.size());
    torch::Tensor seen = rows.sum(1) > 0;
    for (int i = 0; i < n; ++i) {
      if (seen[i].item<bool>()) continue;
      ++unseen;
      if (first_unseen < 0) first_unseen = start + i;
    }
  }
  EXPECT_EQ(unseen, 0) << "of " << pixels << " pixels; first unseen at row "
                       << first_unseen / width << ", column " << first_unseen % width;
}

TEST(InputFeaturesTest, EncoderSeesEveryPixelAt48) {
  ExpectEveryPixelSeen("point_mass:image=48");
}

TEST(InputFeaturesTest, EncoderSeesEveryPixelAt84) {
  ExpectEveryPixelSeen("reacher:image=84");
}

TEST(InputFeaturesTest, EncoderSeesEveryPixelWithImageGoals) {
  ExpectEveryPixelSeen("sawyer_reach:image=48,image_goal=1");
}

// The map sizes the padding gives: 48 px ends at 2x2 (unpadded: 1x1 seeing
// pixels 0-35 only), 84 px keeps its unpadded 4x4.
TEST(InputFeaturesTest, FeatureWidths) {
  for (const auto& [env, expected] :
       std::vector<std::pair<std::string, int64_t>>{{"point_mass:image=48", 64 * 2 * 2 + 2},
                                                    {"point_mass:image=84", 64 * 4 * 4 + 2}}) {
    Owner owner;
    InputFeatures features(owner, CompleteConfigFor(env));
    EXPECT_EQ(features.size(), expected) << env;
  }
}

TEST(InputFeaturesTest, GoalImageOfAnotherWidthIsRejected) {
  hem::v1::PolicyConfig config;
  *config.mutable_spec() = MakeEnvSpec("sawyer_reach:image=48,image_goal=1").value();
  config.mutable_spec()->mutable_goal_observation()->set_shape(0, 84);
  config.mutable_spec()->mutable_goal_observation()->set_shape(1, 84);
  AssignSpecId(config.mutable_spec());
  absl::StatusOr<hem::v1::PolicyConfig> completed = CompletePolicyConfig(config);
  ASSERT_FALSE(completed.ok());
  EXPECT_EQ(completed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(completed.status().message().find("goal_observation"), std::string::npos)
      << completed.status();
}

}  // namespace
}  // namespace hem
