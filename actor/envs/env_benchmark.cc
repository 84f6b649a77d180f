#include "actor/envs/env_benchmark.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "actor/envs/env.h"
#include "actor/envs/env_rng.h"
#include "actor/envs/mujoco_env.h"
#include "actor/envs/vector_env.h"
#include "common/env_spec_util.h"
#include "common/status_macros.h"

namespace hem {
namespace {

// Calls `step` (which does `per_call` env steps) for at least `seconds`;
// returns steps per second.
double TimeRate(double seconds, int per_call, const std::function<void()>& step) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  int64_t calls = 0;
  double elapsed = 0;
  do {
    for (int i = 0; i < 64; ++i) step();
    calls += 64;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  return calls * per_call / elapsed;
}

// Pre-drawn uniform actions so no timed loop pays for random numbers.
std::vector<float> RandomActions(const hem::v1::EnvSpec& spec, int count) {
  EnvRng rng(7);
  const int dim = ActionDim(spec);
  std::vector<float> actions(static_cast<size_t>(count) * dim);
  for (int i = 0; i < count; ++i) {
    for (int j = 0; j < dim; ++j) {
      actions[i * dim + j] =
          IsDiscrete(spec)
              ? static_cast<float>(rng.UniformInt(NumDiscreteActions(spec)))
              : static_cast<float>(rng.Uniform(spec.action_space().box().low(j),
                                               spec.action_space().box().high(j)));
    }
  }
  return actions;
}

constexpr int kActionCount = 1024;

}  // namespace

absl::StatusOr<std::vector<EnvBenchmarkRow>> RunEnvBenchmark(const EnvBenchmarkOptions& options) {
  std::vector<EnvBenchmarkRow> rows;
  for (const std::string& name : options.envs) {
    HEM_ASSIGN_OR_RETURN(std::unique_ptr<Env> env, CreateEnv(name));
    HEM_ASSIGN_OR_RETURN(std::unique_ptr<VectorEnv> batch, VectorEnv::Create(name, options.batch));
    const hem::v1::EnvSpec& spec = env->spec();
    if (spec.observation().dtype() != hem::v1::DTYPE_FLOAT32) {
      return absl::InvalidArgumentError(
          absl::StrCat("envs: '", name, "' has image observations; list state tasks only"));
    }
    const int dim = ActionDim(spec);
    const int horizon = spec.horizon();
    const std::vector<float> actions = RandomActions(spec, kActionCount);
    EnvBenchmarkRow row;
    row.env = name;

    // Single env: Step with pre-drawn actions, Reset every horizon.
    std::vector<float> state(ObservationSize(spec)), achieved(spec.goal_dim()),
        desired(spec.goal_dim());
    ObservationSlot slot;
    slot.state = state.data();
    slot.achieved_goal = achieved.data();
    slot.desired_goal = desired.data();
    int t = 0, a = 0;
    uint64_t seed = 0;
    env->Reset(seed++, slot);
    auto env_step = [&] {
      env->Step(absl::MakeConstSpan(&actions[a * dim], dim), slot);
      a = (a + 1) % kActionCount;
      if (++t == horizon) {
        t = 0;
        env->Reset(seed++, slot);
      }
    };

    // Batch: one VectorEnv::Step for all instances.
    std::vector<float> batch_actions(static_cast<size_t>(options.batch) * dim);
    for (size_t i = 0; i < batch_actions.size(); ++i) batch_actions[i] = actions[i % actions.size()];
    for (int i = 0; i < options.batch; ++i) batch->Reset(i, seed++);
    int bt = 0;
    auto batch_step = [&] {
      batch->Step(batch_actions);
      if (++bt == horizon) {
        bt = 0;
        for (int i = 0; i < options.batch; ++i) batch->Reset(i, seed++);
      }
    };

    // Bare loop: same model, same frame skip; random controls (actuated
    // models) or random mocap targets (arms), reset every horizon.
    auto* mujoco = dynamic_cast<MujocoEnv*>(env.get());
    std::function<void()> bare_step;
    mjData* bare = nullptr;
    std::vector<mjtNum> initial_qpos;
    if (mujoco != nullptr) {
      const mjModel* m = mujoco->model();
      row.frame_skip = mujoco->frame_skip();
      bare = mj_makeData(m);
      env->Reset(0, slot);
      initial_qpos.assign(mujoco->data()->qpos, mujoco->data()->qpos + m->nq);
      std::vector<mjtNum> initial_mocap(mujoco->data()->mocap_pos,
                                        mujoco->data()->mocap_pos + 3 * m->nmocap);
      auto reset_bare = [m, bare, initial_qpos, initial_mocap] {
        mj_resetData(m, bare);
        std::copy(initial_qpos.begin(), initial_qpos.end(), bare->qpos);
        std::copy(initial_mocap.begin(), initial_mocap.end(), bare->mocap_pos);
      };
      reset_bare();
      bare_step = [&row, &actions, m, bare, reset_bare, initial_mocap, dim, horizon,
                   bare_t = 0, bare_a = 0]() mutable {
        const float* action = &actions[bare_a * dim];
        bare_a = (bare_a + 1) % kActionCount;
        if (m->nu > 0) {
          for (int i = 0; i < m->nu && i < dim; ++i) bare->ctrl[i] = action[i];
        } else {
          for (int i = 0; i < 3 && i < dim; ++i) {
            bare->mocap_pos[i] = initial_mocap[i] + 0.15 * action[i];
          }
        }
        for (int k = 0; k < row.frame_skip; ++k) mj_step(m, bare);
        if (++bare_t == horizon) {
          bare_t = 0;
          reset_bare();
        }
      };
    }

    // Short interleaved slices: on a shared machine the load drifts, so the
    // overhead is the median of ratios of neighbouring slices, and each rate
    // the best slice.
    std::vector<double> ratios;
    for (int round = 0; round < options.rounds; ++round) {
      const double env_rate = TimeRate(options.seconds, 1, env_step);
      row.env_steps_per_s = std::max(row.env_steps_per_s, env_rate);
      if (bare_step) {
        const double bare_rate = TimeRate(options.seconds, 1, bare_step);
        row.bare_steps_per_s = std::max(row.bare_steps_per_s, bare_rate);
        ratios.push_back(bare_rate / env_rate);
      }
      row.batch_steps_per_s = std::max(
          row.batch_steps_per_s, TimeRate(options.seconds, options.batch, batch_step));
    }
    if (bare != nullptr) {
      mj_deleteData(bare);
      std::sort(ratios.begin(), ratios.end());
      row.overhead_percent = 100.0 * (ratios[ratios.size() / 2] - 1.0);
    }

    if (mujoco != nullptr && options.renders) {
      for (int width : {48, 84}) {
        const std::string image_name = absl::StrCat(name, ":image=", width);
        HEM_ASSIGN_OR_RETURN(std::unique_ptr<Env> image_env, CreateEnv(image_name));
        auto* image_mujoco = dynamic_cast<MujocoEnv*>(image_env.get());
        std::vector<uint8_t> pixels(ObservationSize(image_env->spec()));
        std::vector<float> ia(spec.goal_dim()), id(spec.goal_dim());
        ObservationSlot image_slot;
        image_slot.image = pixels.data();
        image_slot.achieved_goal = ia.data();
        image_slot.desired_goal = id.data();
        image_env->Reset(1, image_slot);
        double best = 0;
        for (int round = 0; round < options.rounds; ++round) {
          best = std::max(best, TimeRate(options.seconds, 1, [&] {
            const absl::Status status =
                image_mujoco->renderer()->Render(image_mujoco->data(), pixels.data());
            (void)status;
          }));
        }
        (width == 48 ? row.renders_per_s_48 : row.renders_per_s_84) = best;
      }
    }
    rows.push_back(row);
  }
  return rows;
}

std::string FormatEnvBenchmark(const EnvBenchmarkOptions& options,
                               const std::vector<EnvBenchmarkRow>& rows) {
  std::string out = absl::StrFormat(
      "%-14s %5s %14s %14s %16s %10s %8s %10s %10s\n", "env", "skip", "bare mj_step",
      "env steps/s", absl::StrCat("batch=", options.batch, " steps/s"), "overhead",
      "limit", "render/s48", "render/s84");
  for (const EnvBenchmarkRow& row : rows) {
    const bool sim = row.frame_skip > 0;
    out += absl::StrFormat(
        "%-14s %5s %14s %14.0f %16.0f %10s %8s %10s %10s\n", row.env,
        sim ? absl::StrCat(row.frame_skip) : "-",
        sim ? absl::StrFormat("%.0f", row.bare_steps_per_s) : "-", row.env_steps_per_s,
        row.batch_steps_per_s, sim ? absl::StrFormat("%+.1f%%", row.overhead_percent) : "-",
        sim ? (row.overhead_percent <= 15.0 ? "<=15% ok" : "<=15% X") : "-",
        row.renders_per_s_48 > 0 ? absl::StrFormat("%.0f", row.renders_per_s_48) : "-",
        row.renders_per_s_84 > 0 ? absl::StrFormat("%.0f", row.renders_per_s_84) : "-");
  }
  out += "steps/s are env steps (each = frame_skip physics steps); overhead = extra time per\n"
         "step of one Env over the bare frame_skip x mj_step loop (same model, random controls,\n"
         "reset every horizon); renders/s = one OffscreenRenderer::Render on one thread.\n";
  return out;
}

}  // namespace hem
