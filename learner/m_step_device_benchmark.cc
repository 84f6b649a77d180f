// m_step_device_benchmark: the M-step's throughput on each device, side by
// side, on the same batches. For every task and batch size it trains a fresh
// network (same seed) on the same pre-generated relabeled-looking batches,
// once per device, counting each update end to end as the learner does it:
// host-to-device copy of the decoded batch, forward, -log pi, backward,
// Adam. Prints a table of samples/s per device and their ratio.
//
// It links only the learner's LibTorch parts (networks, M-step, training
// batches) and the task catalogue, so it also builds outside Bazel against
// another LibTorch (deploy/gpu/ builds it against a CUDA LibTorch with CMake).
//
//   bazel run //learner:m_step_device_benchmark -- --seconds=3
//   m_step_device_benchmark --envs=fetch_reach,point_mass:image=84
//   m_step_device_benchmark --batch_sizes=256,1024,4096 --devices=cpu,cuda --seconds=5
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/blas_core.h"
#include "common/env_catalog.h"
#include "common/env_spec_util.h"
#include "common/heap_tuning.h"
#include "learner/m_step.h"
#include "learner/networks.h"
#include "learner/training_batch.h"

namespace hem {
namespace {

struct Options {
  std::vector<std::string> envs = {"fetch_reach", "flip_bit:k=50", "point_mass:image=84"};
  std::vector<int> batch_sizes = {256, 1024};
  std::vector<std::string> devices = {"cpu", "cuda"};
  double seconds = 3;
  int cpu_threads = 1;  // LibTorch/OpenBLAS threads for the CPU runs.
  int batches = 16;     // Distinct batches cycled through.
};

// --key=value flags; no flag library, so the standalone build stays small.
absl::StatusOr<Options> ParseArgs(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg(argv[i]);
    const size_t eq = arg.find('=');
    if (arg.substr(0, 2) != "--" || eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("'", arg, "' is not --key=value"));
    }
    const absl::string_view key = arg.substr(2, eq - 2);
    const std::string value(arg.substr(eq + 1));
    if (key == "envs") {
      options.envs = absl::StrSplit(value, ';', absl::SkipEmpty());
      if (value.find(';') == std::string::npos) {
        // Commas separate tasks unless a task has parameters with commas;
        // use ';' to separate such tasks.
        options.envs = absl::StrSplit(value, ',', absl::SkipEmpty());
      }
    } else if (key == "devices") {
      options.devices = absl::StrSplit(value, ',', absl::SkipEmpty());
    } else if (key == "batch_sizes") {
      options.batch_sizes.clear();
      for (absl::string_view item : absl::StrSplit(value, ',', absl::SkipEmpty())) {
        int b = 0;
        if (!absl::SimpleAtoi(item, &b) || b < 1) {
          return absl::InvalidArgumentError(absl::StrCat("--batch_sizes: bad size '", item, "'"));
        }
        options.batch_sizes.push_back(b);
      }
    } else if (key == "seconds") {
      if (!absl::SimpleAtod(value, &options.seconds) || !(options.seconds > 0)) {
        return absl::InvalidArgumentError("--seconds: must be > 0");
      }
    } else if (key == "cpu_threads") {
      if (!absl::SimpleAtoi(value, &options.cpu_threads) || options.cpu_threads < 1) {
        return absl::InvalidArgumentError("--cpu_threads: must be >= 1");
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", key));
    }
  }
  return options;
}

// A decoded batch with the task's shapes and plausible values, on the CPU
// (pinned when a CUDA device will read it), as the decode thread makes them.
TrainingBatch SyntheticBatch(const hem::v1::EnvSpec& spec, int batch_size, bool pin) {
  TrainingBatch batch;
  batch.size = batch_size;
  auto options = [&](torch::Dtype dtype) {
    return torch::TensorOptions().dtype(dtype).pinned_memory(pin);
  };
  std::vector<int64_t> obs_shape = {batch_size};
  for (int64_t d : spec.observation().shape()) obs_shape.push_back(d);
  if (spec.observation().dtype() == hem::v1::DTYPE_UINT8) {
    batch.inputs.observations = torch::randint(0, 256, obs_shape, options(torch::kUInt8));
  } else {
    batch.inputs.observations = torch::randn(obs_shape, options(torch::kFloat32));
  }
  batch.inputs.goals = torch::rand({batch_size, spec.goal_dim()}, options(torch::kFloat32));
  if (spec.has_goal_observation()) {
    std::vector<int64_t> shape = {batch_size};
    for (int64_t d : spec.goal_observation().shape()) shape.push_back(d);
    batch.inputs.goal_images = torch::randint(0, 256, shape, options(torch::kUInt8));
  }
  if (IsDiscrete(spec)) {
    batch.actions =
        torch::randint(0, NumDiscreteActions(spec), {batch_size}, options(torch::kInt64));
  } else {
    batch.actions = torch::rand({batch_size, ActionDim(spec)}, options(torch::kFloat32)) * 2 - 1;
  }
  return batch;
}

struct Result {
  double samples_per_second = 0;
  double final_loss = 0;
};

absl::StatusOr<Result> Measure(const hem::v1::EnvSpec& spec, const torch::Device& device,
                               const std::vector<TrainingBatch>& batches, double seconds) {
  hem::v1::PolicyConfig config;
  *config.mutable_spec() = spec;
  absl::StatusOr<hem::v1::PolicyConfig> completed = CompletePolicyConfig(config);
  if (!completed.ok()) return completed.status();
  absl::StatusOr<PolicyNetwork> network = MakePolicyNetwork(*completed, /*seed=*/1);
  if (!network.ok()) return network.status();
  Result result;
  absl::Status status = CatchTorch("measuring", [&]() -> absl::Status {
    (*network)->to(device);
    MStep m_step(*network, MStepConfig{});
    auto update = [&](int64_t i) -> absl::StatusOr<MStepStats> {
      TrainingBatch batch = ToDevice(batches[i % batches.size()], device);
      return m_step.Update(batch.inputs, batch.actions);
    };
    for (int i = 0; i < 10; ++i) {  // Warm-up: allocator, kernels, autotuning.
      absl::StatusOr<MStepStats> stats = update(i);
      if (!stats.ok()) return stats.status();
      stats->loss.item<double>();  // Synchronises with the device.
    }
    int64_t updates = 0;
    torch::Tensor last_loss;
    const absl::Time start = absl::Now();
    const absl::Time end = start + absl::Seconds(seconds);
    while (absl::Now() < end) {
      // Queue a few updates between clock reads; the device runs ahead of
      // the host exactly as in the learner (stats are read rarely there too).
      for (int k = 0; k < 8; ++k, ++updates) {
        absl::StatusOr<MStepStats> stats = update(updates);
        if (!stats.ok()) return stats.status();
        last_loss = stats->loss;
      }
      if (device.is_cuda()) last_loss.item<double>();
    }
    result.final_loss = last_loss.item<double>();  // Waits for the last update.
    const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
    result.samples_per_second = updates * static_cast<double>(batches[0].size) / elapsed;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

int Main(int argc, char** argv) {
  absl::StatusOr<Options> options = ParseArgs(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "m_step_device_benchmark: %s\n",
                 std::string(options.status().message()).c_str());
    return 2;
  }
  SetTorchThreads(options->cpu_threads, 1);
  FlushDenormalsOnThisThread();  // As the learner's training thread does.
  KeepLargeBuffersInHeap();      // As the learner process does.
  std::vector<torch::Device> devices;
  for (const std::string& name : options->devices) {
    absl::StatusOr<torch::Device> device = ParseDevice(name);
    if (!device.ok()) {
      std::fprintf(stderr, "--devices: %s (skipped)\n",
                   std::string(device.status().message()).c_str());
      continue;
    }
    devices.push_back(*device);
  }
  const bool cuda = torch::cuda::is_available();
  std::printf("m_step_device_benchmark: LibTorch %s, CUDA available: %s%s, CPU threads %d\n",
              TORCH_VERSION, cuda ? "yes" : "no",
              cuda ? absl::StrCat(" (", torch::cuda::device_count(), " device(s))").c_str() : "",
              options->cpu_threads);
  std::printf("M-step = H2D copy + forward + -log pi + backward + Adam; %.1f s per cell\n\n",
              options->seconds);
  std::printf("| task | batch |");
  for (const torch::Device& d : devices) std::printf(" %s samples/s |", d.str().c_str());
  if (devices.size() == 2) std::printf(" %s / %s |", devices[1].str().c_str(), devices[0].str().c_str());
  std::printf("\n|---|---:|");
  for (size_t i = 0; i < devices.size() + (devices.size() == 2 ? 1 : 0); ++i) std::printf("---:|");
  std::printf("\n");
  int failures = 0;
  for (const std::string& env : options->envs) {
    absl::StatusOr<hem::v1::EnvSpec> spec = MakeEnvSpec(env);
    if (!spec.ok()) {
      std::fprintf(stderr, "--envs: %s\n", std::string(spec.status().message()).c_str());
      return 2;
    }
    for (int batch_size : options->batch_sizes) {
      torch::manual_seed(7);
      std::vector<TrainingBatch> batches;
      for (int i = 0; i < options->batches; ++i) {
        batches.push_back(SyntheticBatch(*spec, batch_size, cuda));
      }
      std::vector<double> rates;
      std::printf("| %s | %d |", env.c_str(), batch_size);
      for (const torch::Device& device : devices) {
        absl::StatusOr<Result> result = Measure(*spec, device, batches, options->seconds);
        if (!result.ok()) {
          std::printf(" error |");
          std::fprintf(stderr, "%s on %s: %s\n", env.c_str(), device.str().c_str(),
                       std::string(result.status().message()).c_str());
          ++failures;
          rates.push_back(0);
          continue;
        }
        rates.push_back(result->samples_per_second);
        std::printf(" %.0f |", result->samples_per_second);
      }
      if (rates.size() == 2 && rates[0] > 0) std::printf(" %.1fx |", rates[1] / rates[0]);
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) {
  hem::ReexecWithPreferredBlasCore(argv);
  return hem::Main(argc, argv);
}
