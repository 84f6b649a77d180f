#include "actor/envs/offscreen_renderer.h"

#include <EGL/egl.h>
#include <EGL/eglext.h>

#include <cmath>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace hem {
namespace {

constexpr double kPi = 3.14159265358979323846;

// The process-wide EGL display (surfaceless Mesa), initialised once.
struct Display {
  EGLDisplay display = EGL_NO_DISPLAY;
  EGLConfig config = nullptr;
  absl::Status status;
};

const Display& GetDisplay() {
  static Display* result = [] {
    auto* d = new Display;
    auto get_platform_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(
        eglGetProcAddress("eglGetPlatformDisplayEXT"));
    if (get_platform_display != nullptr) {
      d->display =
          get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
    }
    if (d->display == EGL_NO_DISPLAY) d->display = eglGetDisplay(EGL_DEFAULT_DISPLAY);
    EGLint major = 0, minor = 0;
    if (d->display == EGL_NO_DISPLAY || !eglInitialize(d->display, &major, &minor)) {
      d->status = absl::UnavailableError(absl::StrCat(
          "EGL: no usable display (surfaceless Mesa), error 0x", absl::Hex(eglGetError())));
      return d;
    }
    const EGLint attributes[] = {EGL_RED_SIZE,     8, EGL_GREEN_SIZE,      8,
                                 EGL_BLUE_SIZE,    8, EGL_ALPHA_SIZE,      8,
                                 EGL_DEPTH_SIZE,   24, EGL_SURFACE_TYPE,   EGL_PBUFFER_BIT,
                                 EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE};
    EGLint count = 0;
    if (!eglChooseConfig(d->display, attributes, &d->config, 1, &count) || count < 1) {
      d->status = absl::UnavailableError(absl::StrCat(
          "EGL: no RGBA8/depth24 OpenGL config, error 0x", absl::Hex(eglGetError())));
    }
    return d;
  }();
  return *result;
}

// One EGL context per thread plus that context's mjrContexts, one per model.
class ThreadGl {
 public:
  ~ThreadGl() {
    if (context_ == EGL_NO_CONTEXT) return;
    const Display& d = GetDisplay();
    eglMakeCurrent(d.display, EGL_NO_SURFACE, EGL_NO_SURFACE, context_);
    for (auto& [model, con] : contexts_) mjr_freeContext(con.get());
    eglMakeCurrent(d.display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(d.display, context_);
  }

  // Makes this thread's context current and returns the mjrContext for
  // `model`, creating either as needed.
  absl::StatusOr<mjrContext*> Acquire(const mjModel* model) {
    const Display& d = GetDisplay();
    if (!d.status.ok()) return d.status;
    if (context_ == EGL_NO_CONTEXT) {
      if (!eglBindAPI(EGL_OPENGL_API)) {
        return absl::UnavailableError("EGL: cannot bind the OpenGL API");
      }
      // mjr needs the compatibility profile (fixed-function calls).
      const EGLint attributes[] = {EGL_CONTEXT_OPENGL_PROFILE_MASK,
                                   EGL_CONTEXT_OPENGL_COMPATIBILITY_PROFILE_BIT, EGL_NONE};
      context_ = eglCreateContext(d.display, d.config, EGL_NO_CONTEXT, attributes);
      if (context_ == EGL_NO_CONTEXT) {
        return absl::UnavailableError(absl::StrCat("EGL: cannot create a context, error 0x",
                                                   absl::Hex(eglGetError())));
      }
    }
    if (eglGetCurrentContext() != context_ &&
        !eglMakeCurrent(d.display, EGL_NO_SURFACE, EGL_NO_SURFACE, context_)) {
      return absl::UnavailableError(absl::StrCat("EGL: cannot make the context current, error 0x",
                                                 absl::Hex(eglGetError())));
    }
    auto it = contexts_.find(model);
    if (it != contexts_.end()) return it->second.get();
    auto con = std::make_unique<mjrContext>();
    mjr_defaultContext(con.get());
    mjr_makeContext(model, con.get(), mjFONTSCALE_50);
    if (con->offFBO == 0) {
      mjr_freeContext(con.get());
      return absl::UnavailableError("MuJoCo: no offscreen framebuffer in the GL context");
    }
    mjrContext* raw = con.get();
    contexts_.emplace(model, std::move(con));
    return raw;
  }

 private:
  EGLContext context_ = EGL_NO_CONTEXT;
  std::unordered_map<const mjModel*, std::unique_ptr<mjrContext>> contexts_;
};

ThreadGl& CurrentThreadGl() {
  thread_local ThreadGl gl;
  return gl;
}

}  // namespace

absl::StatusOr<std::unique_ptr<OffscreenRenderer>> OffscreenRenderer::Create(
    const mjModel* model, const RenderOptions& options) {
  if (options.width < 1 || options.width > model->vis.global.offwidth ||
      options.width > model->vis.global.offheight) {
    return absl::InvalidArgumentError(
        absl::StrCat("render width ", options.width, " exceeds the model's offscreen buffer ",
                     model->vis.global.offwidth, "x", model->vis.global.offheight));
  }
  const int camera_id = mj_name2id(model, mjOBJ_CAMERA, options.camera);
  if (camera_id < 0) {
    return absl::InternalError(absl::StrCat("model has no camera '", options.camera, "'"));
  }
  absl::StatusOr<mjrContext*> con = CurrentThreadGl().Acquire(model);
  if (!con.ok()) return con.status();
  return std::unique_ptr<OffscreenRenderer>(new OffscreenRenderer(model, options, camera_id));
}

OffscreenRenderer::OffscreenRenderer(const mjModel* model, const RenderOptions& options,
                                     int camera_id)
    : model_(model),
      options_(options),
      bottom_up_(static_cast<size_t>(options.width) * options.width * 3) {
  mjv_defaultScene(&scene_);
  mjv_makeScene(model, &scene_, 200);
  mjv_defaultCamera(&camera_);
  camera_.type = mjCAMERA_FIXED;
  camera_.fixedcamid = camera_id;
  mjv_defaultOption(&visual_options_);
  if (options.hidden_geom_group >= 0 && options.hidden_geom_group < mjNGROUP) {
    visual_options_.geomgroup[options.hidden_geom_group] = 0;
  }
}

OffscreenRenderer::~OffscreenRenderer() { mjv_freeScene(&scene_); }

absl::Status OffscreenRenderer::Render(mjData* data, uint8_t* rgb) {
  absl::StatusOr<mjrContext*> con = CurrentThreadGl().Acquire(model_);
  if (!con.ok()) return con.status();
  mjv_updateScene(model_, data, &visual_options_, nullptr, &camera_, mjCAT_ALL, &scene_);
  const int w = options_.width;
  const mjrRect viewport = {0, 0, w, w};
  // Every model's mjrContext has its own framebuffer and the thread's GL
  // context binds only one at a time: bind ours before each render.
  mjr_setBuffer(mjFB_OFFSCREEN, *con);
  mjr_render(viewport, &scene_, *con);
  mjr_readPixels(bottom_up_.data(), nullptr, viewport, *con);
  const size_t row_bytes = static_cast<size_t>(w) * 3;
  for (int r = 0; r < w; ++r) {
    std::memcpy(rgb + r * row_bytes, bottom_up_.data() + (w - 1 - r) * row_bytes, row_bytes);
  }
  return absl::OkStatus();
}

bool ProjectToPixel(const mjModel* model, const mjData* data, int camera_id, int width,
                    const double xyz[3], double* column, double* row) {
  // Camera frame: x right, y up, looking along -z.
  const double* pos = data->cam_xpos + 3 * camera_id;
  const double* mat = data->cam_xmat + 9 * camera_id;  // Columns are the axes.
  double rel[3] = {xyz[0] - pos[0], xyz[1] - pos[1], xyz[2] - pos[2]};
  double cam[3];
  for (int i = 0; i < 3; ++i) {
    cam[i] = mat[0 + i] * rel[0] + mat[3 + i] * rel[1] + mat[6 + i] * rel[2];
  }
  if (cam[2] >= 0) return false;
  const double half = std::tan(model->cam_fovy[camera_id] * kPi / 360.0);
  const double x = cam[0] / (-cam[2] * half);  // In [-1, 1] across the image.
  const double y = cam[1] / (-cam[2] * half);
  *column = (x + 1) * 0.5 * width;
  *row = (1 - y) * 0.5 * width;
  return true;
}

}  // namespace hem
