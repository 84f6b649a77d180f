// Prints env-layer throughput next to the bare simulator:
//   bazel run //actor/envs:env_benchmark
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"
#include "actor/envs/env_benchmark.h"
#include "common/process.h"

ABSL_FLAG(std::string, envs, "", "Comma-separated state tasks (default: all seven)");
ABSL_FLAG(int, batch, 16, "VectorEnv size for the batched column");
ABSL_FLAG(double, seconds, 0.05, "Seconds per timed slice");
ABSL_FLAG(int, rounds, 15, "Interleaved slices per measurement (median ratio, best rate)");
ABSL_FLAG(bool, renders, true, "Also time renders at 48 and 84 px");

int main(int argc, char** argv) {
  hem::InitProcess(argc, argv, "Measures environment steps/s against bare mj_step loops.");
  hem::EnvBenchmarkOptions options;
  if (!absl::GetFlag(FLAGS_envs).empty()) {
    options.envs = absl::StrSplit(absl::GetFlag(FLAGS_envs), ',', absl::SkipEmpty());
  }
  options.batch = absl::GetFlag(FLAGS_batch);
  options.seconds = absl::GetFlag(FLAGS_seconds);
  options.rounds = absl::GetFlag(FLAGS_rounds);
  options.renders = absl::GetFlag(FLAGS_renders);
  if (options.batch < 1) {
    std::fprintf(stderr, "env_benchmark: --batch: must be >= 1\n");
    return 1;
  }
  if (!(options.seconds > 0) || options.rounds < 1) {
    std::fprintf(stderr, "env_benchmark: --seconds must be > 0 and --rounds >= 1\n");
    return 1;
  }
  absl::StatusOr<std::vector<hem::EnvBenchmarkRow>> rows = hem::RunEnvBenchmark(options);
  if (!rows.ok()) {
    std::fprintf(stderr, "env_benchmark: %s\n", std::string(rows.status().message()).c_str());
    return 1;
  }
  std::fputs(hem::FormatEnvBenchmark(options, *rows).c_str(), stdout);
  return 0;
}
