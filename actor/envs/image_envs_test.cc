// Image observations rendered headless with EGL: the pixels show the
// effector where the simulator state says it is and never the goal marker
// (relabeling gives an observation other goals), goal images show the arm at
// the goal, rendering is deterministic and works from any thread.
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "actor/envs/env.h"
#include "actor/envs/env_test_util.h"
#include "actor/envs/mujoco_env.h"
#include "actor/envs/offscreen_renderer.h"
#include "actor/envs/reach_envs.h"
#include "common/env_spec_util.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using ::hem::testing::ExpectSeededDeterminism;
using ::hem::testing::ExpectSpecMatchesCatalog;
using ::hem::testing::ObservationBuffers;

using PixelClass = std::function<bool(const uint8_t* rgb)>;

bool IsRed(const uint8_t* p) { return p[0] > 140 && p[1] < 80 && p[2] < 80; }
bool IsGreen(const uint8_t* p) { return p[1] > 120 && p[0] < 90 && p[2] < 90; }
bool IsStrongBlue(const uint8_t* p) { return p[2] > 150 && p[2] > p[0] + 80; }

struct Blob {
  int count = 0;
  double column = 0, row = 0;  // Centroid.
};

Blob FindBlob(const std::vector<uint8_t>& image, int width, const PixelClass& is_member) {
  Blob blob;
  for (int r = 0; r < width; ++r) {
    for (int c = 0; c < width; ++c) {
      if (!is_member(&image[(r * width + c) * 3])) continue;
      ++blob.count;
      blob.column += c + 0.5;
      blob.row += r + 0.5;
    }
  }
  if (blob.count > 0) {
    blob.column /= blob.count;
    blob.row /= blob.count;
  }
  return blob;
}

struct Created {
  std::unique_ptr<Env> env;
  MujocoEnv* mujoco = nullptr;
  int camera = -1;
  int width = 0;
};

Created Create(const std::string& name) {
  Created c;
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv(name);
  EXPECT_TRUE(env.ok()) << env.status();
  if (!env.ok()) return c;
  c.env = *std::move(env);
  c.mujoco = dynamic_cast<MujocoEnv*>(c.env.get());
  EXPECT_NE(c.mujoco, nullptr);
  c.camera = mj_name2id(c.mujoco->model(), mjOBJ_CAMERA, c.mujoco->camera_name());
  c.width = static_cast<int>(c.env->spec().observation().shape(0));
  return c;
}

// World position of a body or geom, from the env's current data.
const double* BodyPos(Created& c, const char* body) {
  const int id = mj_name2id(c.mujoco->model(), mjOBJ_BODY, body);
  EXPECT_GE(id, 0) << body;
  return c.mujoco->data()->xpos + 3 * id;
}
const double* GeomPos(Created& c, const char* geom) {
  const int id = mj_name2id(c.mujoco->model(), mjOBJ_GEOM, geom);
  EXPECT_GE(id, 0) << geom;
  return c.mujoco->data()->geom_xpos + 3 * id;
}

// Over `seeds` resets (after `steps` random actions), the blob of
// `is_member` pixels must be centred where `where` projects, within
// `tolerance` pixels, in at least `min_fraction` of the seeds (the arms can
// hide the marker from some viewpoints).
void ExpectBlobAtProjection(const std::string& name, const PixelClass& is_member,
                            const std::function<const double*(Created&)>& where,
                            double tolerance, double min_fraction, int steps = 0) {
  Created c = Create(name);
  ASSERT_NE(c.mujoco, nullptr);
  ExpectSpecMatchesCatalog(*c.env, name);
  ObservationBuffers obs(c.env->spec());
  auto random = testing::RandomController(c.env->spec(), 17);
  int hits = 0;
  const int seeds = 20;
  double previous_column = -1;
  int moved = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    c.env->Reset(seed, obs.Slot());
    std::vector<float> action(3);
    for (int t = 0; t < steps; ++t) {
      random(obs, absl::MakeSpan(action.data(), ActionDim(c.env->spec())));
      c.env->Step(absl::MakeSpan(action.data(), ActionDim(c.env->spec())), obs.Slot());
    }
    double column, row;
    ASSERT_TRUE(ProjectToPixel(c.mujoco->model(), c.mujoco->data(), c.camera, c.width,
                               where(c), &column, &row));
    const Blob blob = FindBlob(obs.image, c.width, is_member);
    const double error = std::hypot(blob.column - column, blob.row - row);
    if (blob.count > 0 && error <= tolerance) ++hits;
    if (previous_column >= 0 && std::fabs(blob.column - previous_column) > 1) ++moved;
    previous_column = blob.column;
  }
  std::printf("%s: blob at projection in %d/%d images\n", name.c_str(), hits, seeds);
  EXPECT_GE(hits, min_fraction * seeds) << name;
  EXPECT_GE(moved, seeds / 2) << name << ": the blob hardly moves between episodes";
}

// No pixel of the goal marker's colour in any of 20 episodes' first image,
// while the marker sits at the desired goal in the simulator.
void ExpectGoalMarkerHidden(const std::string& name, const PixelClass& marker_colour) {
  Created c = Create(name);
  ASSERT_NE(c.mujoco, nullptr);
  ObservationBuffers obs(c.env->spec());
  int shown = 0;
  for (int seed = 0; seed < 20; ++seed) {
    c.env->Reset(seed, obs.Slot());
    if (FindBlob(obs.image, c.width, marker_colour).count > 0) ++shown;
  }
  EXPECT_EQ(shown, 0) << name << ": the goal marker is drawn in " << shown << " of 20 images";
}

const double* PointMassBall(Created& c) { return BodyPos(c, "ball"); }
const double* FetchPalm(Created& c) { return GeomPos(c, "palm"); }

TEST(Images, PointMassBallAppearsWhereTheStateSaysAndTheGoalDoesNot) {
  ExpectBlobAtProjection("point_mass:image=84", IsStrongBlue, PointMassBall, 1.5, 0.9, 5);
  ExpectBlobAtProjection("point_mass:image=48", IsStrongBlue, PointMassBall, 1.5, 0.9, 5);
  ExpectGoalMarkerHidden("point_mass:image=84", IsRed);
  ExpectGoalMarkerHidden("point_mass:image=48", IsRed);
}

TEST(Images, PointMassGoalMatchesDesiredGoal) {
  Created c = Create("point_mass:image=84");
  ObservationBuffers obs(c.env->spec());
  c.env->Reset(5, obs.Slot());
  const double* target = BodyPos(c, "target");
  EXPECT_NEAR(target[0], obs.desired_goal[0], 1e-6);
  EXPECT_NEAR(target[1], obs.desired_goal[1], 1e-6);
}

TEST(Images, ReacherFingertipAppearsWhereTheStateSaysAndTheGoalDoesNot) {
  ExpectGoalMarkerHidden("reacher:image=84", IsRed);
  // The fingertip pixel is arm-coloured.
  Created c = Create("reacher:image=84");
  ObservationBuffers obs(c.env->spec());
  for (int seed = 0; seed < 20; ++seed) {
    c.env->Reset(seed, obs.Slot());
    const double tip[3] = {obs.achieved_goal[0], obs.achieved_goal[1], 0.01};
    double column, row;
    ASSERT_TRUE(ProjectToPixel(c.mujoco->model(), c.mujoco->data(), c.camera, c.width, tip,
                               &column, &row));
    const uint8_t* p = &obs.image[(int(row) * c.width + int(column)) * 3];
    EXPECT_GT(p[2], p[0] + 50) << "seed " << seed << " rgb " << int(p[0]) << "," << int(p[1])
                               << "," << int(p[2]);
  }
}

TEST(Images, FetchPalmAppearsWhereTheStateSaysAndTheGoalDoesNot) {
  ExpectGoalMarkerHidden("fetch_reach:image=84", IsRed);
  ExpectBlobAtProjection("fetch_reach:image=84", IsStrongBlue, FetchPalm, 2.0, 0.9, 8);
}

TEST(Images, SawyerGoalDoesNotAppear) {
  ExpectGoalMarkerHidden("sawyer_reach:image=84", IsGreen);
  ExpectGoalMarkerHidden("sawyer_reach:image=48", IsGreen);
}

// The goal image shows the arm at the goal: after driving the arm there, the
// observation looks like the goal image, and unlike the first observation.
TEST(Images, SawyerGoalImageShowsTheArmAtTheGoal) {
  const std::string name = "sawyer_reach:image=84,image_goal=1";
  Created c = Create(name);
  ASSERT_NE(c.mujoco, nullptr);
  ExpectSpecMatchesCatalog(*c.env, name);
  ObservationBuffers obs(c.env->spec());
  for (int seed = 0; seed < 5; ++seed) {
    c.env->Reset(seed, obs.Slot());
    const std::vector<uint8_t> first = obs.image;
    // No marker in image-goal tasks: the goal is shown by the goal image.
    EXPECT_EQ(FindBlob(first, c.width, IsGreen).count, 0);
    for (int t = 0; t < 40; ++t) {
      float action[3];
      for (int i = 0; i < 3; ++i) {
        const double error = obs.desired_goal[i] - obs.achieved_goal[i];
        action[i] = static_cast<float>(std::fmax(-1.0, std::fmin(1.0, error / kSawyerActionScale)));
      }
      c.env->Step(action, obs.Slot());
    }
    auto mean_diff = [](const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
      double sum = 0;
      for (size_t i = 0; i < a.size(); ++i) sum += std::abs(int(a[i]) - int(b[i]));
      return sum / a.size();
    };
    const double to_goal = mean_diff(obs.image, obs.goal_image);
    const double from_start = mean_diff(first, obs.goal_image);
    std::printf("seed %d: |final - goal image| %.2f, |first - goal image| %.2f\n", seed, to_goal,
                from_start);
    EXPECT_LT(to_goal, 0.3 * from_start) << "seed " << seed;
    EXPECT_GT(from_start, 1.0) << "seed " << seed;
  }
}

// The goal image is rendered in a scratch run: the episode itself is the same
// as without image goals.
TEST(Images, GoalImageLeavesTheEpisodeUntouched) {
  auto plain = CreateEnv("sawyer_reach:image=48");
  auto with_goal = CreateEnv("sawyer_reach:image=48,image_goal=1");
  ASSERT_TRUE(plain.ok() && with_goal.ok());
  ObservationBuffers a((*plain)->spec()), b((*with_goal)->spec());
  (*plain)->Reset(12, a.Slot());
  (*with_goal)->Reset(12, b.Slot());
  const float action[3] = {0.5f, -1.0f, 0.2f};
  for (int t = 0; t < 5; ++t) {
    (*plain)->Step(action, a.Slot());
    (*with_goal)->Step(action, b.Slot());
  }
  EXPECT_EQ(a.achieved_goal, b.achieved_goal);
  EXPECT_EQ(a.desired_goal, b.desired_goal);
}

TEST(Images, SeededDeterminism) {
  ExpectSeededDeterminism("reacher:image=48");
  ExpectSeededDeterminism("sawyer_reach:image=48,image_goal=1");
}

// Rendering on a second thread (its own GL context) gives the same pixels.
TEST(Images, RenderingWorksFromAnotherThread) {
  Created c = Create("fetch_reach:image=48");
  ObservationBuffers here(c.env->spec()), there(c.env->spec());
  c.env->Reset(3, here.Slot());
  std::thread worker([&] { c.env->Reset(3, there.Slot()); });
  worker.join();
  EXPECT_EQ(here.image, there.image);
  EXPECT_GT(FindBlob(here.image, c.width, IsStrongBlue).count, 0);
}

// Models share one GL context per thread, each with its own framebuffer: an
// image must come from this render, never from another model's buffer.
TEST(Images, AlternatingModelsOnOneThread) {
  Created p = Create("point_mass:image=48");
  Created r = Create("reacher:image=48");
  ObservationBuffers po(p.env->spec()), ro(r.env->spec());
  p.env->Reset(1, po.Slot());
  const std::vector<uint8_t> first = po.image;
  r.env->Reset(1, ro.Slot());
  p.env->Reset(2, po.Slot());
  EXPECT_NE(po.image, first);
  EXPECT_NE(po.image, ro.image);
  Created fresh = Create("point_mass:image=48");
  ObservationBuffers fo(fresh.env->spec());
  fresh.env->Reset(2, fo.Slot());
  EXPECT_EQ(po.image, fo.image);
}

TEST(Images, StateTasksHaveNoRenderer) {
  Created c = Create("point_mass");
  EXPECT_EQ(c.mujoco->renderer(), nullptr);
}

}  // namespace
}  // namespace hem
