// offline_m_step: the encoder probe's offline M-step (tests/encoder_probe
// --mode=m_step) on episodes read from a file, on any device, writing the
// network's weights every --snapshot_every updates. It needs no env, so it
// runs where the tasks cannot be rendered: deploy/gpu/ builds it against a
// CUDA LibTorch, and tests/encoder_probe --mode=evaluate tests the weights
// it wrote back on the machine that rendered the episodes.
//
// Each update is the probe's: B transitions drawn uniformly from the
// episodes, each relabeled with the achieved goal 1..--future_window steps
// later (the E-step's 'future' strategy), -log pi(a | s, g) averaged and one
// Adam step. Indices are drawn on the device, so on a GPU nothing but the
// loss every --snapshot_every updates crosses to the host.
//
//   offline_m_step --env=reacher:image=48 --episodes=reacher48.ep --device=cuda
//       --batch_size=256 --lr=3e-4 --seconds=300 --snapshot_every=10000 --out_dir=w
//
// Prints one row per snapshot: updates, samples, mean -log pi since the last
// row, mean sigma, seconds, samples/s.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/env_catalog.h"
#include "common/env_spec_util.h"
#include "common/heap_tuning.h"
#include "learner/networks.h"
#include "tests/probe_files.h"

namespace hem {
namespace {

struct Options {
  std::string env;                // Task whose policy network is trained.
  std::string episodes;           // tests/encoder_probe --save_episodes files, ','-separated.
  std::string device = "auto";    // auto | cpu | cuda.
  std::string out_dir = ".";      // Weights go to <out_dir>/w_<updates>.bin.
  int batch_size = 64;            // The image presets' batch.
  double lr = 3e-4;               // The image presets' learning rate.
  double seconds = 60;            // Training stops after this long...
  int64_t max_updates = 0;        // ... or this many updates (0: no limit).
  int64_t snapshot_every = 5000;  // Updates between weights files and rows.
  int future_window = 10;         // As the probe's default (0: to the end).
  int threads = 1;                // LibTorch intra-op threads (CPU runs).
  uint64_t seed = 1;
};

// --key=value flags; no flag library, so the standalone build stays small.
absl::StatusOr<Options> ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg(argv[i]);
    const size_t eq = arg.find('=');
    if (arg.substr(0, 2) != "--" || eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("'", arg, "' is not --key=value"));
    }
    const absl::string_view key = arg.substr(2, eq - 2);
    const std::string value(arg.substr(eq + 1));
    bool ok = true;
    if (key == "env") {
      o.env = value;
    } else if (key == "episodes") {
      o.episodes = value;
    } else if (key == "device") {
      o.device = value;
    } else if (key == "out_dir") {
      o.out_dir = value;
    } else if (key == "batch_size") {
      ok = absl::SimpleAtoi(value, &o.batch_size) && o.batch_size > 0;
    } else if (key == "lr") {
      ok = absl::SimpleAtod(value, &o.lr) && o.lr > 0;
    } else if (key == "seconds") {
      ok = absl::SimpleAtod(value, &o.seconds) && o.seconds > 0;
    } else if (key == "max_updates") {
      ok = absl::SimpleAtoi(value, &o.max_updates) && o.max_updates >= 0;
    } else if (key == "snapshot_every") {
      ok = absl::SimpleAtoi(value, &o.snapshot_every) && o.snapshot_every > 0;
    } else if (key == "future_window") {
      ok = absl::SimpleAtoi(value, &o.future_window) && o.future_window >= 0;
    } else if (key == "threads") {
      ok = absl::SimpleAtoi(value, &o.threads) && o.threads > 0;
    } else if (key == "seed") {
      ok = absl::SimpleAtoi(value, &o.seed);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", key, ": unknown flag"));
    }
    if (!ok) return absl::InvalidArgumentError(absl::StrCat("--", key, ": bad value '", value, "'"));
  }
  if (o.env.empty() || o.episodes.empty()) {
    return absl::InvalidArgumentError("--env and --episodes are required");
  }
  return o;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

absl::Status Run(const Options& o) {
  absl::StatusOr<hem::v1::EnvSpec> spec = MakeEnvSpec(o.env);
  if (!spec.ok()) return spec.status();
  absl::StatusOr<torch::Device> device = ParseDevice(o.device);
  if (!device.ok()) return device.status();
  const auto start = std::chrono::steady_clock::now();
  std::vector<int64_t> obs_shape(spec->observation().shape().begin(),
                                 spec->observation().shape().end());
  const bool image = spec->observation().dtype() == hem::v1::DTYPE_UINT8;
  // Several files are learned from as one set of episodes; each must be of
  // the task, so they also agree with each other.
  absl::StatusOr<ProbeEpisodes> read;
  for (absl::string_view file : absl::StrSplit(o.episodes, ',', absl::SkipEmpty())) {
    absl::StatusOr<ProbeEpisodes> more = ReadEpisodes(std::string(file));
    if (!more.ok()) return more.status();
    if (more->observations.size(1) != spec->horizon() ||
        more->observations.sizes().slice(2) != torch::IntArrayRef(obs_shape) ||
        more->observations.scalar_type() != (image ? torch::kUInt8 : torch::kFloat32) ||
        more->actions.size(2) != ActionDim(*spec) || more->achieved.size(2) != spec->goal_dim()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--episodes: ", file, " holds episodes of another task than ", o.env));
    }
    if (!read.ok()) {
      read = std::move(more);
      continue;
    }
    read->observations = torch::cat({read->observations, more->observations});
    read->actions = torch::cat({read->actions, more->actions});
    read->achieved = torch::cat({read->achieved, more->achieved});
  }
  if (!read.ok()) return absl::InvalidArgumentError("--episodes: no file given");
  const int64_t episodes = read->observations.size(0);
  const int64_t horizon = read->observations.size(1);
  const torch::Tensor observations = read->observations.to(*device);
  const torch::Tensor actions = read->actions.to(*device);
  const torch::Tensor achieved = read->achieved.to(*device);
  read = ProbeEpisodes{};
  absl::StatusOr<PolicyNetwork> made = MakeProbeNetwork(*spec, o.seed);
  if (!made.ok()) return made.status();
  PolicyNetwork net = *made;
  net->to(*device);
  torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(o.lr));
  std::printf("offline_m_step: %s, %lld episodes of %lld steps on %s (loaded in %.1f s); "
              "batch %d, lr %g, window %d, LibTorch %s\n",
              o.env.c_str(), static_cast<long long>(episodes), static_cast<long long>(horizon),
              device->str().c_str(), SecondsSince(start), o.batch_size, o.lr, o.future_window,
              TORCH_VERSION);
  std::printf("| updates | samples | -log pi | sigma | seconds | samples/s | weights |\n"
              "|---:|---:|---:|---:|---:|---:|---|\n");
  std::fflush(stdout);

  torch::manual_seed(o.seed);
  const auto index = torch::TensorOptions().dtype(torch::kLong).device(*device);
  torch::Tensor nll_sum = torch::zeros({}, torch::TensorOptions().device(*device));
  const auto train_start = std::chrono::steady_clock::now();
  int64_t since = 0;
  for (int64_t step = 1;; ++step) {
    torch::Tensor e = torch::randint(episodes, {o.batch_size}, index);
    torch::Tensor t = torch::randint(horizon, {o.batch_size}, index);
    torch::Tensor ahead = horizon - t;
    if (o.future_window > 0) ahead = ahead.clamp_max(o.future_window);
    // Uniform in t + 1 .. t + ahead.
    torch::Tensor g =
        t + 1 + (torch::rand({o.batch_size}, index.dtype(torch::kFloat)) * ahead).to(torch::kLong)
                    .clamp_max(ahead - 1);
    torch::Tensor head = net->Forward({observations.index({e, t}), achieved.index({e, g}),
                                       torch::Tensor()});
    torch::Tensor loss = -net->LogProb(head, actions.index({e, t})).mean();
    adam.zero_grad();
    loss.backward();
    adam.step();
    nll_sum += loss.detach();
    ++since;
    const double elapsed = SecondsSince(train_start);
    const bool last = elapsed >= o.seconds || (o.max_updates > 0 && step >= o.max_updates);
    if (step % o.snapshot_every == 0 || last) {
      const double nll = nll_sum.item<double>() / static_cast<double>(since);
      const double seconds = SecondsSince(train_start);  // After the device caught up.
      const std::string path = absl::StrFormat("%s/w_%09d.bin", o.out_dir, step);
      if (absl::Status s = WriteWeights(*net, path); !s.ok()) return s;
      std::printf("| %lld | %lld | %.3f | %.3f | %.0f | %.0f | %s |\n",
                  static_cast<long long>(step), static_cast<long long>(step * o.batch_size), nll,
                  net->Sigma().mean().item<double>(), seconds,
                  static_cast<double>(step) * o.batch_size / seconds, path.c_str());
      std::fflush(stdout);
      nll_sum.zero_();
      since = 0;
    }
    if (last) break;
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) {
  absl::StatusOr<hem::Options> options = hem::ParseArgs(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "offline_m_step: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  hem::KeepLargeBuffersInHeap();
  hem::SetTorchThreads(options->threads, 1);
  hem::FlushDenormalsOnThisThread();
  if (absl::Status s = hem::Run(*options); !s.ok()) {
    std::fprintf(stderr, "offline_m_step: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
