// Headless rendering of MuJoCo scenes to small RGB images, on the CPU through
// EGL's surfaceless Mesa platform (or a GPU driver where one exists).
//
// GL state is per thread: each thread that renders gets one EGL context,
// created on first use, and in it one mjrContext per model (textures and the
// offscreen framebuffer), shared by every renderer of that model on that
// thread. A renderer itself holds only the CPU-side scene, so it may be used
// from any thread, one thread at a time. Models must set
// <visual><global offwidth offheight/></visual> to at least the image width
// and <quality shadowsize="0" offsamples="0" numslices="12" numstacks="6"
// numquads="1"/>: software GL is slow otherwise. Mesa's vertex stage runs on
// the CPU, and MuJoCo's default meshes for spheres, capsules and cylinders
// (28 slices x 16 stacks) cost more there than filling a 48 or 84 px image;
// the coarser ones rendered 2-5x faster with no visible change at these
// sizes (docs/PERFORMANCE.md, "The CNN path").
#ifndef HEM_ACTOR_ENVS_OFFSCREEN_RENDERER_H_
#define HEM_ACTOR_ENVS_OFFSCREEN_RENDERER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mujoco/mujoco.h"

namespace hem {

struct RenderOptions {
  int width = 84;              // Square images, width x width x 3.
  const char* camera = "";     // Name of a fixed camera in the model.
  int hidden_geom_group = -1;  // Geoms in this group (0..5) are not drawn; -1 none.
};

class OffscreenRenderer {
 public:
  // Checks the camera exists and that this thread can render `model` (creates
  // the GL context now so failures surface at construction). `model` must
  // outlive the renderer.
  static absl::StatusOr<std::unique_ptr<OffscreenRenderer>> Create(
      const mjModel* model, const RenderOptions& options);

  ~OffscreenRenderer();
  OffscreenRenderer(const OffscreenRenderer&) = delete;
  OffscreenRenderer& operator=(const OffscreenRenderer&) = delete;

  // Draws `data` (REQUIRES: its kinematics are current, e.g. after
  // mj_forward or mj_kinematics) into width*width*3 bytes at `rgb`, rows
  // top-down. Errors only if this thread cannot get a GL context.
  absl::Status Render(mjData* data, uint8_t* rgb);

  int width() const { return options_.width; }

 private:
  OffscreenRenderer(const mjModel* model, const RenderOptions& options, int camera_id);

  const mjModel* const model_;
  const RenderOptions options_;
  mjvScene scene_;
  mjvCamera camera_;
  mjvOption visual_options_;
  std::vector<uint8_t> bottom_up_;  // mjr_readPixels output, rows bottom-up.
};

// Pixel (column, row), rows top-down, where world point `xyz` appears in an
// image of `width` from fixed camera `camera_id` (uses data's cam_xpos/xmat).
// Returns false when the point is behind the camera.
bool ProjectToPixel(const mjModel* model, const mjData* data, int camera_id, int width,
                    const double xyz[3], double* column, double* row);

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_OFFSCREEN_RENDERER_H_
