// Writing, verifying and restoring learner checkpoints (see checkpoint.h).
#include "learner/checkpoint.h"

#include <algorithm>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/atomic_file.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "learner/checkpoint_framing.h"

namespace hem {
namespace {

constexpr char kPrefix[] = "ckpt-";
constexpr char kSuffix[] = ".pt";
constexpr int kDigits = 12;
// The torch archive inside a checkpoint file at `path`, once its framing and
// checksum verify (checkpoint_framing.h); DATA_LOSS "<path>: <why>" otherwise.
absl::StatusOr<std::string> ReadVerifiedArchive(const std::string& path) {
  absl::StatusOr<std::string> file = ReadFileToString(path);
  if (!file.ok()) return absl::DataLossError(std::string(file.status().message()));
  HEM_ASSIGN_OR_RETURN(const absl::string_view archive, UnframeCheckpoint(*file, path));
  return std::string(archive);
}

// Archive keys of an algorithm's further modules and optimisers.
std::string ModuleKey(const std::string& name) { return "module_" + name; }
std::string OptimizerKey(const std::string& name) { return "optimizer_" + name; }

// The parts and state as one torch archive.
absl::StatusOr<std::string> ArchiveBytes(const CheckpointParts& parts,
                                         const CheckpointState& state) {
  HEM_ASSIGN_OR_RETURN(const std::string weights, SerializeNetwork(*parts.network));
  std::vector<std::string> modules;
  for (const auto& [name, module] : parts.modules) {
    HEM_ASSIGN_OR_RETURN(std::string bytes, SerializeNetwork(*module));
    modules.push_back(std::move(bytes));
  }
  std::string bytes;
  HEM_RETURN_IF_ERROR(CatchTorch("writing a checkpoint", [&] {
    torch::serialize::OutputArchive archive;
    archive.write("weights", c10::IValue(weights));
    archive.write("config", c10::IValue(parts.network->config().SerializeAsString()));
    archive.write("update_count", torch::tensor(state.update_count, torch::kInt64));
    archive.write("version", torch::tensor(state.version, torch::kInt64));
    torch::serialize::OutputArchive optimizer_archive;
    parts.optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
    for (size_t i = 0; i < parts.modules.size(); ++i) {
      archive.write(ModuleKey(parts.modules[i].first), c10::IValue(modules[i]));
    }
    for (const auto& [name, optimizer] : parts.optimizers) {
      torch::serialize::OutputArchive extra;
      optimizer->save(extra);
      archive.write(OptimizerKey(name), extra);
    }
    std::ostringstream stream;
    archive.save_to(stream);
    bytes = stream.str();
    return absl::OkStatus();
  }));
  return bytes;
}

// What must agree for a checkpoint to fit the network being built.
std::string Shape(const hem::v1::PolicyConfig& c) {
  return absl::StrCat("env ", c.spec().env_name(), " (spec ", c.spec().spec_id(),
                      "), hidden_sizes ", absl::StrJoin(c.hidden_sizes(), ","),
                      ", learn_sigma ", c.learn_sigma(), ", normalize ",
                      c.normalize_inputs(), ", algorithm ",
                      hem::v1::Algorithm_Name(c.algorithm()));
}

// Loads a verified archive into `parts`. DATA_LOSS naming `path` when it
// does not read; FAILED_PRECONDITION for another policy.
absl::Status LoadArchive(const std::string& path, const std::string& bytes,
                         const CheckpointParts& parts, CheckpointState* state) {
  hem::v1::PolicyConfig config;
  std::string weights;
  std::vector<std::string> modules;
  torch::serialize::InputArchive optimizer_archive;
  std::vector<torch::serialize::InputArchive> optimizer_archives(parts.optimizers.size());
  absl::Status status = CatchTorch(path, [&]() -> absl::Status {
    torch::serialize::InputArchive archive;
    // Optimizer state must live where the parameters do (CUDA included).
    torch::Device device(torch::kCPU);
    for (const auto& p : parts.network->parameters()) {
      device = p.device();
      break;
    }
    archive.load_from(bytes.data(), bytes.size(), device);
    c10::IValue value;
    archive.read("config", value);
    if (!config.ParseFromString(value.toStringRef())) {
      return absl::DataLossError(absl::StrCat(path, ": config: unreadable"));
    }
    if (Shape(config) != Shape(parts.network->config())) {
      // The user decides: another run directory, or a fresh start.
      return absl::FailedPreconditionError(absl::StrCat(
          path, " holds a policy for ", Shape(config),
          " but this learner is configured for ", Shape(parts.network->config()),
          "; use another run directory or matching settings, or start with "
          "--resume=false"));
    }
    archive.read("weights", value);
    weights = value.toStringRef();
    torch::Tensor count, version;
    archive.read("update_count", count);
    archive.read("version", version);
    state->update_count = count.item<int64_t>();
    state->version = version.item<int64_t>();
    archive.read("optimizer", optimizer_archive);
    for (const auto& [name, module] : parts.modules) {
      // Empty: a checkpoint from before the module existed (the acting
      // average, on by default since 2026-11-27); it starts from the
      // trained weights below, where it has their shape.
      modules.push_back(archive.try_read(ModuleKey(name), value) ? value.toStringRef()
                                                                 : std::string());
    }
    for (size_t i = 0; i < parts.optimizers.size(); ++i) {
      archive.read(OptimizerKey(parts.optimizers[i].first), optimizer_archives[i]);
    }
    return absl::OkStatus();
  });
  if (absl::IsFailedPrecondition(status)) return status;
  if (!status.ok()) return absl::DataLossError(status.message());
  // Weights first: LoadNetwork leaves a network untouched on failure.
  status = LoadNetwork(weights, *parts.network);
  for (size_t i = 0; status.ok() && i < parts.modules.size(); ++i) {
    status = LoadNetwork(modules[i].empty() ? weights : modules[i], *parts.modules[i].second);
  }
  if (status.ok()) {
    status = CatchTorch("loading the optimizer state", [&] {
      parts.optimizer->load(optimizer_archive);
      for (size_t i = 0; i < parts.optimizers.size(); ++i) {
        parts.optimizers[i].second->load(optimizer_archives[i]);
      }
      return absl::OkStatus();
    });
  }
  if (!status.ok()) return absl::DataLossError(absl::StrCat(path, ": ", status.message()));
  return absl::OkStatus();
}

}  // namespace

LearnerCheckpoints::LearnerCheckpoints(std::string dir, int keep)
    : files_(std::move(dir), kPrefix, kSuffix, kDigits, keep) {}

std::vector<std::string> LearnerCheckpoints::List() const { return files_.List(); }

absl::StatusOr<std::string> LearnerCheckpoints::Write(PolicyNetworkImpl& network,
                                                      torch::optim::Optimizer& optimizer,
                                                      const CheckpointState& state) {
  CheckpointParts parts;
  parts.network = &network;
  parts.optimizer = &optimizer;
  return Write(parts, state);
}

absl::StatusOr<std::string> LearnerCheckpoints::Write(const CheckpointParts& parts,
                                                      const CheckpointState& state) {
  HEM_ASSIGN_OR_RETURN(const std::string archive, ArchiveBytes(parts, state));
  HEM_ASSIGN_OR_RETURN(const std::string path, files_.PathFor(state.update_count));
  HEM_ASSIGN_OR_RETURN(AtomicFileWriter file, AtomicFileWriter::Create(path));
  HEM_RETURN_IF_ERROR(file.Append(CheckpointHead(archive.size())));
  HEM_RETURN_IF_ERROR(file.Append(archive));
  HEM_RETURN_IF_ERROR(file.Append(CheckpointTail(archive)));
  HEM_RETURN_IF_ERROR(file.Commit());
  HEM_RETURN_IF_ERROR(files_.Prune());
  return path;
}

absl::StatusOr<RestoredCheckpoint> LearnerCheckpoints::RestoreLatest(
    PolicyNetworkImpl& network, torch::optim::Optimizer& optimizer,
    std::vector<std::string>* problems) {
  CheckpointParts parts;
  parts.network = &network;
  parts.optimizer = &optimizer;
  return RestoreLatest(parts, problems);
}

absl::StatusOr<RestoredCheckpoint> LearnerCheckpoints::RestoreLatest(
    const CheckpointParts& parts, std::vector<std::string>* problems) {
  RestoredCheckpoint restored;
  const CheckpointFiles::Loader load = [&](const std::string& path) -> absl::Status {
    HEM_ASSIGN_OR_RETURN(const std::string archive, ReadVerifiedArchive(path));
    return LoadArchive(path, archive, parts, &restored.state);
  };
  HEM_ASSIGN_OR_RETURN(restored.path, files_.RestoreNewest(load, problems));
  if (restored.path.empty()) restored.state = CheckpointState();
  return restored;
}

absl::StatusOr<RestoredCheckpoint> RestoreNewestCheckpoint(
    const std::string& dir, PolicyNetworkImpl& network,
    torch::optim::Optimizer& optimizer) {
  CheckpointParts parts;
  parts.network = &network;
  parts.optimizer = &optimizer;
  return RestoreNewestCheckpoint(dir, parts);
}

absl::StatusOr<RestoredCheckpoint> RestoreNewestCheckpoint(const std::string& dir,
                                                           const CheckpointParts& parts) {
  LearnerCheckpoints checkpoints(dir, /*keep=*/1);
  if (checkpoints.List().empty()) {
    return absl::NotFoundError(absl::StrCat("no checkpoint in ", dir));
  }
  std::vector<std::string> problems;
  HEM_ASSIGN_OR_RETURN(RestoredCheckpoint restored,
                       checkpoints.RestoreLatest(parts, &problems));
  for (const std::string& problem : problems) {
    HEM_LOG(WARNING) << "skipping checkpoint " << problem;
  }
  if (restored.path.empty()) {
    return absl::DataLossError(absl::StrCat("no readable checkpoint in ", dir, ": ",
                                            absl::StrJoin(problems, "; ")));
  }
  return restored;
}

}  // namespace hem
