// Writing, verifying and restoring learner checkpoints (see checkpoint.h).
#include "learner/checkpoint.h"

#include <zlib.h>

#include <algorithm>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/atomic_file.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace hem {
namespace {

constexpr char kPrefix[] = "ckpt-";
constexpr char kSuffix[] = ".pt";
constexpr int kDigits = 12;
constexpr absl::string_view kMagic = "HEMLRNR1";
constexpr size_t kLengthBytes = 8;
constexpr size_t kCrcBytes = 4;

uint32_t Crc32(absl::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes a uInt length: feed large archives in pieces.
  while (!bytes.empty()) {
    const size_t chunk = std::min<size_t>(bytes.size(), 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(chunk));
    bytes.remove_prefix(chunk);
  }
  return static_cast<uint32_t>(crc);
}

std::string LittleEndian(uint64_t value, size_t bytes) {
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

uint64_t FromLittleEndian(absl::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  }
  return value;
}

// The torch archive inside a checkpoint file at `path`, once its framing and
// checksum verify; DATA_LOSS "<path>: <why>" otherwise.
absl::StatusOr<std::string> ReadVerifiedArchive(const std::string& path) {
  absl::StatusOr<std::string> file = ReadFileToString(path);
  if (!file.ok()) return absl::DataLossError(std::string(file.status().message()));
  absl::string_view bytes = *file;
  const size_t framing = kMagic.size() + kLengthBytes + kCrcBytes;
  if (bytes.size() < framing || bytes.substr(0, kMagic.size()) != kMagic) {
    return absl::DataLossError(absl::StrCat(path, ": not a learner checkpoint (no ",
                                            kMagic, " header)"));
  }
  const uint64_t length = FromLittleEndian(bytes.substr(kMagic.size(), kLengthBytes));
  if (length != bytes.size() - framing) {
    return absl::DataLossError(absl::StrCat(path, ": truncated or padded: header says ",
                                            length, " archive bytes, file holds ",
                                            bytes.size() - framing));
  }
  const absl::string_view archive = bytes.substr(kMagic.size() + kLengthBytes, length);
  const uint64_t crc = FromLittleEndian(bytes.substr(bytes.size() - kCrcBytes));
  if (crc != Crc32(archive)) {
    return absl::DataLossError(absl::StrCat(path, ": checksum mismatch (corrupt file)"));
  }
  return std::string(archive);
}

// The network, optimizer and state as one torch archive.
absl::StatusOr<std::string> ArchiveBytes(PolicyNetworkImpl& network,
                                         torch::optim::Optimizer& optimizer,
                                         const CheckpointState& state) {
  HEM_ASSIGN_OR_RETURN(const std::string weights, SerializeNetwork(network));
  std::string bytes;
  HEM_RETURN_IF_ERROR(CatchTorch("writing a checkpoint", [&] {
    torch::serialize::OutputArchive archive;
    archive.write("weights", c10::IValue(weights));
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
  }));
  return bytes;
}

// What must agree for a checkpoint to fit the network being built.
std::string Shape(const hem::v1::PolicyConfig& c) {
  return absl::StrCat("env ", c.spec().env_name(), " (spec ", c.spec().spec_id(),
                      "), hidden_sizes ", absl::StrJoin(c.hidden_sizes(), ","),
                      ", learn_sigma ", c.learn_sigma(), ", normalize ",
                      c.normalize_inputs());
}

// Loads a verified archive into `network` and `optimizer`. DATA_LOSS naming
// `path` when it does not read; FAILED_PRECONDITION for another policy.
absl::Status LoadArchive(const std::string& path, const std::string& bytes,
                         PolicyNetworkImpl& network, torch::optim::Optimizer& optimizer,
                         CheckpointState* state) {
  hem::v1::PolicyConfig config;
  std::string weights;
  torch::serialize::InputArchive optimizer_archive;
  absl::Status status = CatchTorch(path, [&]() -> absl::Status {
    torch::serialize::InputArchive archive;
    // Optimizer state must live where the parameters do (CUDA included).
    torch::Device device(torch::kCPU);
    for (const auto& p : network.parameters()) {
      device = p.device();
      break;
    }
    archive.load_from(bytes.data(), bytes.size(), device);
    c10::IValue value;
    archive.read("config", value);
    if (!config.ParseFromString(value.toStringRef())) {
      return absl::DataLossError(absl::StrCat(path, ": config: unreadable"));
    }
    archive.read("weights", value);
    weights = value.toStringRef();
    torch::Tensor count, version;
    archive.read("update_count", count);
    archive.read("version", version);
    state->update_count = count.item<int64_t>();
    state->version = version.item<int64_t>();
    archive.read("optimizer", optimizer_archive);
    return absl::OkStatus();
  });
  if (!status.ok()) return absl::DataLossError(status.message());
  if (Shape(config) != Shape(network.config())) {
    // The user decides: another run directory, or a fresh start.
    return absl::FailedPreconditionError(absl::StrCat(
        path, " holds a policy for ", Shape(config), " but this learner is configured for ",
        Shape(network.config()),
        "; use another run directory or matching settings, or start with --resume=false"));
  }
  // Weights first: LoadNetwork leaves the network untouched on failure.
  status = LoadNetwork(weights, network);
  if (status.ok()) {
    status = CatchTorch("loading the optimizer state", [&] {
      optimizer.load(optimizer_archive);
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
  HEM_ASSIGN_OR_RETURN(const std::string archive, ArchiveBytes(network, optimizer, state));
  HEM_ASSIGN_OR_RETURN(const std::string path, files_.PathFor(state.update_count));
  HEM_ASSIGN_OR_RETURN(AtomicFileWriter file, AtomicFileWriter::Create(path));
  HEM_RETURN_IF_ERROR(file.Append(kMagic));
  HEM_RETURN_IF_ERROR(file.Append(LittleEndian(archive.size(), kLengthBytes)));
  HEM_RETURN_IF_ERROR(file.Append(archive));
  HEM_RETURN_IF_ERROR(file.Append(LittleEndian(Crc32(archive), kCrcBytes)));
  HEM_RETURN_IF_ERROR(file.Commit());
  HEM_RETURN_IF_ERROR(files_.Prune());
  return path;
}

absl::StatusOr<RestoredCheckpoint> LearnerCheckpoints::RestoreLatest(
    PolicyNetworkImpl& network, torch::optim::Optimizer& optimizer,
    std::vector<std::string>* problems) {
  RestoredCheckpoint restored;
  const CheckpointFiles::Loader load = [&](const std::string& path) -> absl::Status {
    HEM_ASSIGN_OR_RETURN(const std::string archive, ReadVerifiedArchive(path));
    return LoadArchive(path, archive, network, optimizer, &restored.state);
  };
  HEM_ASSIGN_OR_RETURN(restored.path, files_.RestoreNewest(load, problems));
  if (restored.path.empty()) restored.state = CheckpointState();
  return restored;
}

absl::StatusOr<RestoredCheckpoint> RestoreNewestCheckpoint(
    const std::string& dir, PolicyNetworkImpl& network,
    torch::optim::Optimizer& optimizer) {
  LearnerCheckpoints checkpoints(dir, /*keep=*/1);
  if (checkpoints.List().empty()) {
    return absl::NotFoundError(absl::StrCat("no checkpoint in ", dir));
  }
  std::vector<std::string> problems;
  HEM_ASSIGN_OR_RETURN(RestoredCheckpoint restored,
                       checkpoints.RestoreLatest(network, optimizer, &problems));
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
