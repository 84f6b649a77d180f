#include "learner/checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/logging.h"
#include "learner/version_lease.h"

namespace hem {
namespace {

namespace fs = std::filesystem;

constexpr char kPrefix[] = "ckpt-";
constexpr char kSuffix[] = ".pt";

// Checkpoint files in `dir`, newest (highest update count) first.
std::vector<fs::path> ListCheckpoints(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, kPrefix) && absl::EndsWith(name, kSuffix)) {
      files.push_back(entry.path());
    }
  }
  // Zero-padded counts: lexicographic order is numeric order.
  std::sort(files.begin(), files.end(), std::greater<fs::path>());
  return files;
}

// What must agree for a checkpoint to fit the network being built.
std::string Shape(const hem::v1::PolicyConfig& c) {
  return absl::StrCat("env ", c.spec().env_name(), " (spec ", c.spec().spec_id(),
                      "), hidden_sizes ", absl::StrJoin(c.hidden_sizes(), ","),
                      ", learn_sigma ", c.learn_sigma(), ", normalize ",
                      c.normalize_inputs());
}

}  // namespace

absl::StatusOr<std::string> WriteCheckpoint(const std::string& dir,
                                            PolicyNetworkImpl& network,
                                            torch::optim::Optimizer& optimizer,
                                            const CheckpointState& state, int keep) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create checkpoint directory ", dir, ": ", error.message()));
  }
  absl::StatusOr<std::string> weights = SerializeNetwork(network);
  if (!weights.ok()) return weights.status();
  std::string bytes;
  absl::Status status = CatchTorch("writing a checkpoint", [&] {
    torch::serialize::OutputArchive archive;
    archive.write("weights", c10::IValue(*weights));
    archive.write("config", c10::IValue(network.config().SerializeAsString()));
    archive.write("update_count", torch::tensor(state.update_count, torch::kInt64));
    archive.write("version", torch::tensor(state.version, torch::kInt64));
    torch::serialize::OutputArchive optimizer_archive;
    optimizer.save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
    std::ostringstream stream;
    archive.save_to(stream);
    bytes = stream.str();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  const std::string path = (fs::path(dir) / absl::StrFormat("%s%012d%s", kPrefix,
                                                            state.update_count, kSuffix))
                               .string();
  status = WriteFileAtomically(path, bytes);
  if (!status.ok()) return status;
  std::vector<fs::path> files = ListCheckpoints(dir);
  for (size_t i = std::max(keep, 1); i < files.size(); ++i) fs::remove(files[i], error);
  return path;
}

absl::StatusOr<RestoredCheckpoint> RestoreNewestCheckpoint(
    const std::string& dir, PolicyNetworkImpl& network,
    torch::optim::Optimizer& optimizer) {
  std::vector<fs::path> files = ListCheckpoints(dir);
  if (files.empty()) {
    return absl::NotFoundError(absl::StrCat("no checkpoint in ", dir));
  }
  for (const fs::path& file : files) {
    RestoredCheckpoint restored;
    restored.path = file.string();
    hem::v1::PolicyConfig config;
    std::string weights;
    torch::serialize::InputArchive optimizer_archive;
    absl::Status status = CatchTorch(restored.path, [&]() -> absl::Status {
      torch::serialize::InputArchive archive;
      // Optimizer state must live where the parameters do (CUDA included).
      torch::Device device(torch::kCPU);
      for (const auto& p : network.parameters()) {
        device = p.device();
        break;
      }
      archive.load_from(restored.path, device);
      c10::IValue value;
      archive.read("config", value);
      if (!config.ParseFromString(value.toStringRef())) {
        return absl::DataLossError("config: unreadable");
      }
      archive.read("weights", value);
      weights = value.toStringRef();
      torch::Tensor count, version;
      archive.read("update_count", count);
      archive.read("version", version);
      restored.state.update_count = count.item<int64_t>();
      restored.state.version = version.item<int64_t>();
      archive.read("optimizer", optimizer_archive);
      return absl::OkStatus();
    });
    if (!status.ok()) {
      HEM_LOG(WARNING) << "skipping unreadable checkpoint: " << status;
      continue;
    }
    if (Shape(config) != Shape(network.config())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--resume: ", restored.path, " holds a policy for ", Shape(config),
          " but the flags ask for ", Shape(network.config()),
          "; use another --run_dir or matching flags"));
    }
    // Weights first: LoadNetwork leaves the network untouched on failure.
    status = LoadNetwork(weights, network);
    if (status.ok()) {
      status = CatchTorch("loading the optimizer state", [&] {
        optimizer.load(optimizer_archive);
        return absl::OkStatus();
      });
    }
    if (!status.ok()) {
      return absl::DataLossError(
          absl::StrCat("--resume: ", restored.path, ": ", status.message()));
    }
    return restored;
  }
  return absl::DataLossError(
      absl::StrCat("--resume: no readable checkpoint in ", dir));
}

}  // namespace hem
