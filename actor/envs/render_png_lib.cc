#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "actor/envs/env.h"
#include "actor/envs/env_rng.h"
#include "actor/envs/png_writer.h"
#include "actor/envs/render_png.h"
#include "common/env_spec_util.h"
#include "common/status_macros.h"

namespace hem {

absl::Status RenderEnvToPng(const RenderPngOptions& options) {
  if (options.out.empty()) return absl::InvalidArgumentError("--out: is required");
  absl::StatusOr<std::unique_ptr<Env>> created = CreateEnv(options.env);
  if (!created.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--env: ", created.status().message()));
  }
  Env& env = **created;
  const hem::v1::EnvSpec& spec = env.spec();
  if (spec.observation().dtype() != hem::v1::DTYPE_UINT8) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--env: '", options.env, "' has no image observations (add image=48 or image=84)"));
  }
  const int width = static_cast<int>(spec.observation().shape(0));
  std::vector<uint8_t> image(ObservationSize(spec));
  std::vector<uint8_t> goal_image(GoalObservationSize(spec));
  std::vector<float> achieved(spec.goal_dim()), desired(spec.goal_dim());
  ObservationSlot slot;
  slot.image = image.data();
  slot.achieved_goal = achieved.data();
  slot.desired_goal = desired.data();
  slot.goal_image = goal_image.empty() ? nullptr : goal_image.data();
  env.Reset(options.seed, slot);
  EnvRng rng(options.seed ^ 0x5eed);
  std::vector<float> action(ActionDim(spec));
  const auto& box = spec.action_space().box();
  for (int t = 0; t < options.random_steps; ++t) {
    for (int i = 0; i < box.low_size(); ++i) {
      action[i] = static_cast<float>(rng.Uniform(box.low(i), box.high(i)));
    }
    env.Step(action, slot);
  }
  HEM_RETURN_IF_ERROR(WritePng(options.out, image.data(), width, width, options.upscale));
  if (!options.goal_out.empty()) {
    if (goal_image.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--goal_out: '", options.env, "' has no goal images (image_goal=1)"));
    }
    HEM_RETURN_IF_ERROR(
        WritePng(options.goal_out, goal_image.data(), width, width, options.upscale));
  }
  return absl::OkStatus();
}

}  // namespace hem
