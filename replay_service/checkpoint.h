// Checkpoints of a replay shard: the self-checking file format, and the
// shard's checkpoint directory (keep the newest N, restore the newest that
// verifies, report the others).
//
// File format (little-endian):
//   magic "HEMRPLY1"
//   records framed as in record_format.h (type, length, payload, CRC-32)
//   type 1 header  (payload: u32 shard_index, u32 num_shards)
//   type 5 log position (u64: the first episode log segment whose records
//          this checkpoint lacks; episode_log.h); optional, second if present
//   type 2 spec    (serialized hem.v1.EnvSpec); starts a group
//   type 3 episode (serialized hem.v1.Trajectory of the current group's spec)
//   type 4 end     (u64 specs, u64 episodes); must be the last bytes
// A file is loaded only when every record checks, every spec and trajectory
// validates, and the end record's counts match; anything else (truncation by
// a crash, a flipped bit) is reported with the file and byte offset and the
// file is not used.
//
// Files are written with AtomicFileWriter (common/atomic_file.h), so a crash
// at any point leaves earlier checkpoints intact and never a half-written
// file under a checkpoint name; naming, listing and pruning follow
// CheckpointFiles (common/checkpoint_files.h), as the learner's do.
#ifndef HEM_REPLAY_SERVICE_CHECKPOINT_H_
#define HEM_REPLAY_SERVICE_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/checkpoint_files.h"
#include "proto/env_spec.pb.h"
#include "proto/trajectory.pb.h"
#include "replay_service/replay_shard.h"

namespace hem {

// Writes `snapshot` to `path` atomically (see above); `log_segment` < 0
// writes no log position.
absl::Status WriteCheckpointFile(
    const std::string& path, int shard_index, int num_shards,
    const std::vector<ReplayShard::SpecSnapshot>& snapshot,
    int64_t log_segment = -1);

struct CheckpointContents {
  int shard_index = 0;
  int num_shards = 1;
  struct Group {
    hem::v1::EnvSpec spec;
    std::vector<hem::v1::Trajectory> trajectories;  // Oldest first.
  };
  std::vector<Group> groups;
  int64_t num_episodes = 0;
  // Episode log segments >= this hold what the checkpoint lacks; -1 when it
  // was written without a log (then every segment present is replayed).
  int64_t log_segment = -1;
};

// Reads and fully verifies a checkpoint. DATA_LOSS "<path>: <why>" for a
// corrupt or truncated file, NOT_FOUND if it does not exist, UNAVAILABLE if
// it cannot be read.
absl::StatusOr<CheckpointContents> ReadCheckpointFile(const std::string& path);

// The same checks on bytes already in memory (`path` only names them in
// errors). What the checkpoint fuzzer drives.
absl::StatusOr<CheckpointContents> ParseCheckpoint(absl::string_view data,
                                                   absl::string_view path);

// The log position of a checkpoint from its first bytes only; -1 when it has
// none or they do not verify.
int64_t ReadCheckpointLogSegment(const std::string& path);

// Loads `contents` into an empty shard (registering its specs).
absl::Status RestoreShard(CheckpointContents contents, ReplayShard* shard);

// The checkpoints of one shard in a directory: files named
// "replay-shard-<index>-<10-digit sequence>.ckpt", newest = highest sequence.
class CheckpointDirectory {
 public:
  // `keep` >= 1 newest files are kept after each write.
  CheckpointDirectory(std::string dir, int shard_index, int keep = 2);

  // Paths of this shard's checkpoints, newest first.
  std::vector<std::string> List() const { return files_.List(); }

  // Writes the next checkpoint of `shard`, then deletes all but the newest
  // `keep`. Returns its path. Safe while inserts and samples continue.
  absl::StatusOr<std::string> Write(const ReplayShard& shard);
  // Writes `snapshot` (of `shard`) with its log position (see above).
  absl::StatusOr<std::string> Write(
      const ReplayShard& shard,
      const std::vector<ReplayShard::SpecSnapshot>& snapshot,
      int64_t log_segment);

  // The log position of the oldest checkpoint kept: log segments before it
  // are in every checkpoint and may be deleted. -1 when unknown (keep all).
  int64_t OldestLogSegment() const;

  // Restores the newest checkpoint that verifies into `shard` (which must be
  // empty), reporting every newer one that did not (corrupt, unreadable, or
  // written by another shard index; with the path and why) in *problems.
  // Returns the loaded path, or "" when there was nothing usable, and the
  // loaded checkpoint's log position in *log_segment (-1 without one).
  absl::StatusOr<std::string> RestoreLatest(ReplayShard* shard,
                                            std::vector<std::string>* problems,
                                            int64_t* log_segment = nullptr);

 private:
  const CheckpointFiles files_;
};

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_CHECKPOINT_H_
