// Learner checkpoints: everything needed to continue training as if never
// stopped - the network (normaliser included), Adam's state, the update count
// and the newest published version, and for HER its critic, target networks
// and their optimiser - one self-checking file per checkpoint.
//
// File format (little-endian):
//   magic "HEMLRNR1" | u64 archive length | torch archive | u32 CRC-32 (zlib)
//   of the archive bytes
// A file is loaded only when its magic, length and checksum agree; anything
// else (truncation, a flipped bit) is reported as DATA_LOSS naming the path,
// and the file is skipped, never handed to LibTorch.
//
// Files are "<dir>/ckpt-<update count, 12 digits>.pt" (common/checkpoint_files.h),
// written atomically (common/atomic_file.h); the newest `keep` are kept.
// The same shape as the replay shards' CheckpointDirectory: List, Write
// keeping N, RestoreLatest restoring the newest valid file and reporting the
// corrupt ones.
//
// Torch-internal header (learner .cc files only).
#ifndef HEM_LEARNER_CHECKPOINT_H_
#define HEM_LEARNER_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "common/checkpoint_files.h"
#include "learner/networks.h"

namespace hem {

struct CheckpointState {
  int64_t update_count = 0;
  int64_t version = -1;  // Newest version published before the checkpoint.
};

// What one checkpoint holds. `network` is the network actors act with: its
// config decides whether a checkpoint fits. An algorithm that trains more
// (HER: critic, target networks, a second optimiser) lists them by name; a
// checkpoint without them holds hEM's network and optimiser alone. A module
// the checkpoint lacks (one written before it existed, e.g. hEM's acting
// average) is restored as a copy of `network` where it has its shape.
struct CheckpointParts {
  PolicyNetworkImpl* network = nullptr;
  torch::optim::Optimizer* optimizer = nullptr;
  std::vector<std::pair<std::string, torch::nn::Module*>> modules;
  std::vector<std::pair<std::string, torch::optim::Optimizer*>> optimizers;
};

struct RestoredCheckpoint {
  std::string path;  // "" when nothing was restored.
  CheckpointState state;
};

class LearnerCheckpoints {
 public:
  // The checkpoints in `dir` (created on the first Write); keep >= 1.
  LearnerCheckpoints(std::string dir, int keep);

  // Paths of the checkpoints present, newest (highest update count) first.
  std::vector<std::string> List() const;

  // Writes a checkpoint of `network` and `optimizer` named after
  // state.update_count, then deletes all but the newest `keep`. Returns its
  // path.
  absl::StatusOr<std::string> Write(PolicyNetworkImpl& network,
                                    torch::optim::Optimizer& optimizer,
                                    const CheckpointState& state);
  absl::StatusOr<std::string> Write(const CheckpointParts& parts,
                                    const CheckpointState& state);

  // Loads the newest checkpoint that verifies into `network` and `optimizer`,
  // reporting every newer one that did not ("<path>: <why>") in *problems.
  // Returns path "" when none did (or there is none). FAILED_PRECONDITION
  // when the newest valid one holds a policy of another shape (env, widths,
  // sigma mode, normalisation): that is for the user to resolve.
  absl::StatusOr<RestoredCheckpoint> RestoreLatest(PolicyNetworkImpl& network,
                                                   torch::optim::Optimizer& optimizer,
                                                   std::vector<std::string>* problems);
  absl::StatusOr<RestoredCheckpoint> RestoreLatest(const CheckpointParts& parts,
                                                   std::vector<std::string>* problems);

  const std::string& dir() const { return files_.dir(); }

 private:
  CheckpointFiles files_;
};

// What the learner does to resume from `dir`: RestoreLatest, logging each
// skipped file. NOT_FOUND when `dir` holds no checkpoint; DATA_LOSS listing
// the problems when none verifies; FAILED_PRECONDITION as RestoreLatest.
absl::StatusOr<RestoredCheckpoint> RestoreNewestCheckpoint(
    const std::string& dir, PolicyNetworkImpl& network,
    torch::optim::Optimizer& optimizer);
absl::StatusOr<RestoredCheckpoint> RestoreNewestCheckpoint(const std::string& dir,
                                                           const CheckpointParts& parts);

}  // namespace hem

#endif  // HEM_LEARNER_CHECKPOINT_H_
