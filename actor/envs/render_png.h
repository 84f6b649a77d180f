// The work of the render_png tool: reset an image task, optionally take a few
// scripted-free random steps, and save the observation (and the goal image of
// image-goal tasks) as PNG files.
#ifndef HEM_ACTOR_ENVS_RENDER_PNG_H_
#define HEM_ACTOR_ENVS_RENDER_PNG_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace hem {

struct RenderPngOptions {
  std::string env;        // An image task, e.g. "fetch_reach:image=84". Required.
  std::string out;        // PNG path for the observation. Required.
  std::string goal_out;   // PNG path for the goal image ("" = not written).
  uint64_t seed = 1;      // Reset seed.
  int random_steps = 0;   // Uniform random actions before the capture.
  int upscale = 1;        // Nearest-neighbour enlargement for viewing.
};

// Errors name the offending option ("--env: ..."), e.g. a task without images.
absl::Status RenderEnvToPng(const RenderPngOptions& options);

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_RENDER_PNG_H_
