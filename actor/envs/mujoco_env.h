// The shared skeleton of the MuJoCo tasks (point_mass, reacher, fetch_reach,
// sawyer_reach): one mjData on a shared, read-only compiled model, a fixed
// frame skip per action, low-dimensional state or rendered images as
// observations, and success from the shared predicate.
//
// A task subclass supplies the hooks below; MujocoEnv owns the order:
//   Reset: mj_resetData -> ResetTask (state, goal, goal marker) -> mj_forward
//          -> observations (+ goal image for image-goal tasks).
//   Step:  clip action -> ApplyAction -> frame_skip x mj_step -> mj_kinematics
//          -> AfterStep -> observations -> IsSuccess(achieved, desired).
// Not thread-safe; one thread at a time may use an instance (any thread: the
// renderer keeps its GL state per thread).
#ifndef HEM_ACTOR_ENVS_MUJOCO_ENV_H_
#define HEM_ACTOR_ENVS_MUJOCO_ENV_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "actor/envs/env.h"
#include "actor/envs/env_rng.h"
#include "actor/envs/offscreen_renderer.h"
#include "mujoco/mujoco.h"
#include "proto/env_spec.pb.h"

namespace hem {

// Geom group of goal markers. Observations never show them: hindsight
// relabeling pairs an observation with goals other than the one the episode
// was given, so an observation that showed that goal would contradict the
// relabeled goal in almost every sample the learner sees.
inline constexpr int kGoalMarkerGroup = 2;

class MujocoEnv : public Env {
 public:
  ~MujocoEnv() override;
  MujocoEnv(const MujocoEnv&) = delete;
  MujocoEnv& operator=(const MujocoEnv&) = delete;

  const hem::v1::EnvSpec& spec() const final { return spec_; }
  void Reset(uint64_t seed, const ObservationSlot& out) final;
  bool Step(absl::Span<const float> action, const ObservationSlot& out) final;

  // For tests, tools and benchmarks: the simulator state behind the env.
  const mjModel* model() const { return model_; }
  mjData* data() { return data_; }
  int frame_skip() const { return frame_skip_; }
  // Null unless the spec has image observations.
  OffscreenRenderer* renderer() { return renderer_.get(); }
  // The fixed camera images are taken from.
  virtual const char* camera_name() const = 0;

  // Sets up the renderer when the spec asks for images; task factories call
  // it once after construction. Geoms in kGoalMarkerGroup are never drawn.
  absl::Status InitRendering();

 protected:
  // REQUIRES: `model` outlives the env (models from LoadEmbeddedModel do).
  MujocoEnv(const hem::v1::EnvSpec& spec, const mjModel* model, int frame_skip);

  // After mj_resetData: sets the initial state and writes goal_dim floats to
  // `goal` (also placing any goal marker), all from `rng` alone.
  virtual void ResetTask(EnvRng& rng, float* goal) = 0;
  // Turns the clipped action into controls or mocap targets.
  virtual void ApplyAction(const float* action) = 0;
  // After the substeps and mj_kinematics (e.g. finite-difference velocities).
  virtual void AfterStep() {}
  virtual void WriteState(float* state) const = 0;
  virtual void WriteAchievedGoal(float* achieved) const = 0;
  // Image-goal tasks render the scene as it looks at the goal. Default: none.
  virtual absl::Status RenderGoalImage(uint8_t* goal_image) { return absl::OkStatus(); }

  const float* goal() const { return goal_.data(); }
  // Renders the current data into `rgb`; aborts with a message if rendering
  // fails after it worked at construction (a broken GL context).
  void RenderOrDie(uint8_t* rgb);

  const mjModel* const model_;
  mjData* const data_;

 private:
  void WriteObservation(const ObservationSlot& out);

  const hem::v1::EnvSpec spec_;
  const int frame_skip_;
  const bool image_observations_;
  std::unique_ptr<OffscreenRenderer> renderer_;
  std::vector<float> goal_;
  std::vector<float> achieved_;
  std::vector<float> action_;
};

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_MUJOCO_ENV_H_
