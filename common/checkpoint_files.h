// The directory policy shared by every kind of checkpoint in hem (replay
// shards, the learner): numbered files "<prefix><sequence><suffix>" in one
// directory, the newest `keep` kept, restore from the newest one that loads,
// and every newer file that did not load reported with the reason.
//
// What a file holds, and how it is checked, is up to its owner; this class
// only names, lists, prunes and walks the files. Files are written with
// AtomicFileWriter (common/atomic_file.h), so a crash never leaves a partial
// file under a checkpoint name.
#ifndef HEM_COMMON_CHECKPOINT_FILES_H_
#define HEM_COMMON_CHECKPOINT_FILES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hem {

class CheckpointFiles {
 public:
  // Files "<dir>/<prefix><sequence, zero-padded to `digits`><suffix>", so
  // names sort as numbers do. keep >= 1.
  CheckpointFiles(std::string dir, std::string prefix, std::string suffix, int digits,
                  int keep);

  // Paths of the checkpoints present, newest (highest sequence) first.
  std::vector<std::string> List() const;

  // Highest sequence present, or -1 when there is none.
  int64_t NewestSequence() const;

  // The sequence in one of List()'s paths; -1 for a path not named so.
  int64_t SequenceOf(absl::string_view path) const;

  // The path for `sequence`, creating the directory (and parents) if needed.
  absl::StatusOr<std::string> PathFor(int64_t sequence) const;

  // Deletes all but the newest `keep` files.
  absl::Status Prune() const;

  // A loader: OK when the file was loaded; DATA_LOSS when the file is
  // corrupt or unusable (it is skipped and reported); any other error stops
  // the walk and is returned as is (e.g. a checkpoint of another
  // configuration, which the user must resolve).
  using Loader = std::function<absl::Status(const std::string& path)>;

  // Calls `load` on each file, newest first, until one loads; returns its
  // path, or "" when none did. Skipped files are appended to *problems as
  // "<why>" (loaders name the path in their message).
  absl::StatusOr<std::string> RestoreNewest(const Loader& load,
                                            std::vector<std::string>* problems) const;

  const std::string& dir() const { return dir_; }
  int keep() const { return keep_; }

 private:
  const std::string dir_;
  const std::string prefix_;
  const std::string suffix_;
  const int digits_;
  const int keep_;
};

}  // namespace hem

#endif  // HEM_COMMON_CHECKPOINT_FILES_H_
