// Throughput of the environment layer, measured side by side with the bare
// simulator: env steps/s of one instance and of a VectorEnv batch, against a
// plain loop of frame_skip x mj_step on the same model with the same kind of
// controls, and renders/s at 48 and 84 px. The budget: the env layer may add
// at most 15% to the bare loop's time per step.
#ifndef HEM_ACTOR_ENVS_ENV_BENCHMARK_H_
#define HEM_ACTOR_ENVS_ENV_BENCHMARK_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace hem {

struct EnvBenchmarkOptions {
  // Tasks to measure; state tasks only (images are measured as renders/s).
  std::vector<std::string> envs = {"flip_bit:k=50", "nav:k=40", "four_rooms", "point_mass",
                                   "reacher", "fetch_reach", "sawyer_reach"};
  int batch = 16;          // VectorEnv size for the batched column.
  double seconds = 0.05;   // Length of one timed slice.
  int rounds = 15;         // Interleaved slices per measurement (see below).
  bool renders = true;     // Also time renders at 48 and 84 px (MuJoCo tasks).
};

struct EnvBenchmarkRow {
  std::string env;
  int frame_skip = 0;            // 0 for tasks without a simulator.
  double bare_steps_per_s = 0;   // frame_skip x mj_step loop; 0 if no simulator.
  double env_steps_per_s = 0;    // One Env, Step + Reset every horizon.
  double batch_steps_per_s = 0;  // VectorEnv of `batch`, counted per instance.
  // Extra time per step of one Env over the bare loop: median over rounds of
  // the ratio of neighbouring slices. Rates are the best slice.
  double overhead_percent = 0;
  double renders_per_s_48 = 0;
  double renders_per_s_84 = 0;
};

absl::StatusOr<std::vector<EnvBenchmarkRow>> RunEnvBenchmark(const EnvBenchmarkOptions& options);

// The table the benchmark binary prints.
std::string FormatEnvBenchmark(const EnvBenchmarkOptions& options,
                               const std::vector<EnvBenchmarkRow>& rows);

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_ENV_BENCHMARK_H_
