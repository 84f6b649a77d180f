// Learner checkpoints: everything needed to continue training as if never
// stopped - network (normaliser included), Adam state, update count and the
// last published version - in one file, written atomically (tmp + fsync +
// rename) as <dir>/ckpt-<update_count>.pt. The newest `keep` files are kept.
//
// Torch-internal header (learner .cc files only).
#ifndef HEM_LEARNER_CHECKPOINT_H_
#define HEM_LEARNER_CHECKPOINT_H_

#include <string>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "learner/networks.h"
#include "proto/policy.pb.h"

namespace hem {

struct CheckpointState {
  int64_t update_count = 0;
  int64_t version = -1;  // Newest version published before the checkpoint.
};

// Writes a checkpoint into `dir` (created if missing); returns its path.
absl::StatusOr<std::string> WriteCheckpoint(const std::string& dir,
                                            PolicyNetworkImpl& network,
                                            torch::optim::Optimizer& optimizer,
                                            const CheckpointState& state, int keep);

struct RestoredCheckpoint {
  std::string path;
  CheckpointState state;
};

// Loads the newest checkpoint in `dir` that reads cleanly into `network` and
// `optimizer` (skipping, with a logged warning, newer ones that do not).
// NOT_FOUND when there is none; FAILED_PRECONDITION when the newest was
// written for a different policy (env, widths, sigma mode, normalisation).
absl::StatusOr<RestoredCheckpoint> RestoreNewestCheckpoint(
    const std::string& dir, PolicyNetworkImpl& network,
    torch::optim::Optimizer& optimizer);

}  // namespace hem

#endif  // HEM_LEARNER_CHECKPOINT_H_
