// render_png: the PNG holds exactly the observation; bad options name the flag.
#include "actor/envs/render_png.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "actor/envs/env.h"
#include "actor/envs/env_test_util.h"
#include "actor/envs/png_writer.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

TEST(RenderPng, WritesTheObservationAndTheGoalImage) {
  RenderPngOptions options;
  options.env = "sawyer_reach:image=48,image_goal=1";
  options.out = TempPath("obs.png");
  options.goal_out = TempPath("goal.png");
  options.seed = 6;
  ASSERT_TRUE(RenderEnvToPng(options).ok());
  absl::StatusOr<RgbImage> obs = ReadPng(options.out);
  absl::StatusOr<RgbImage> goal = ReadPng(options.goal_out);
  ASSERT_TRUE(obs.ok()) << obs.status();
  ASSERT_TRUE(goal.ok()) << goal.status();
  EXPECT_EQ(obs->width, 48);
  EXPECT_EQ(obs->height, 48);
  // Same pixels as the env's own observation for that seed.
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv(options.env);
  ASSERT_TRUE(env.ok());
  testing::ObservationBuffers buffers((*env)->spec());
  (*env)->Reset(6, buffers.Slot());
  EXPECT_EQ(obs->rgb, buffers.image);
  EXPECT_EQ(goal->rgb, buffers.goal_image);
}

TEST(RenderPng, UpscaleRepeatsPixels) {
  RenderPngOptions options;
  options.env = "point_mass:image=48";
  options.out = TempPath("big.png");
  options.upscale = 3;
  ASSERT_TRUE(RenderEnvToPng(options).ok());
  absl::StatusOr<RgbImage> image = ReadPng(options.out);
  ASSERT_TRUE(image.ok());
  ASSERT_EQ(image->width, 144);
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(image->rgb[(10 * 144 + 30) * 3 + c], image->rgb[(11 * 144 + 32) * 3 + c]);
  }
}

TEST(RenderPng, BadOptionsNameTheFlag) {
  RenderPngOptions options;
  options.out = TempPath("x.png");
  options.env = "point_mass";
  EXPECT_NE(RenderEnvToPng(options).message().find("--env: 'point_mass' has no image"),
            std::string::npos);
  options.env = "point_mass:image=50";
  EXPECT_NE(RenderEnvToPng(options).message().find("--env: env 'point_mass': image=50"),
            std::string::npos)
      << RenderEnvToPng(options);
  options.env = "point_mass:image=48";
  options.goal_out = TempPath("g.png");
  EXPECT_NE(RenderEnvToPng(options).message().find("--goal_out"), std::string::npos);
  options.out = "";
  EXPECT_NE(RenderEnvToPng(options).message().find("--out"), std::string::npos);
}

}  // namespace
}  // namespace hem
