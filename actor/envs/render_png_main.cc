// Saves what an image task's policy sees as a PNG, e.g.
//   bazel run //actor/envs:render_png -- --env=fetch_reach:image=84 --out=/tmp/x.png
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "actor/envs/render_png.h"
#include "common/process.h"

ABSL_FLAG(std::string, env, "", "Image task, e.g. fetch_reach:image=84");
ABSL_FLAG(std::string, out, "", "PNG path for the observation");
ABSL_FLAG(std::string, goal_out, "", "PNG path for the goal image (image_goal=1 tasks)");
ABSL_FLAG(uint64_t, seed, 1, "Reset seed");
ABSL_FLAG(int, random_steps, 0, "Random actions before the capture");
ABSL_FLAG(int, upscale, 1, "Enlarge each pixel to an upscale x upscale block");

int main(int argc, char** argv) {
  hem::InitProcess(argc, argv, "Writes an image task's observation as a PNG.");
  hem::RenderPngOptions options;
  options.env = absl::GetFlag(FLAGS_env);
  options.out = absl::GetFlag(FLAGS_out);
  options.goal_out = absl::GetFlag(FLAGS_goal_out);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.random_steps = absl::GetFlag(FLAGS_random_steps);
  options.upscale = absl::GetFlag(FLAGS_upscale);
  const absl::Status status = hem::RenderEnvToPng(options);
  if (!status.ok()) {
    std::fprintf(stderr, "render_png: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  std::printf("wrote %s\n", options.out.c_str());
  return 0;
}
