// The framing of a learner checkpoint file, without LibTorch:
//   magic "HEMLRNR1" | u64 archive length | torch archive | u32 CRC-32 (zlib)
//   of the archive bytes
// (checkpoint.h holds the archive's meaning). A file is used only when its
// magic, length and checksum agree, so LibTorch only ever reads an archive
// this learner wrote. Fuzzed on its own (learner/fuzz).
#ifndef HEM_LEARNER_CHECKPOINT_FRAMING_H_
#define HEM_LEARNER_CHECKPOINT_FRAMING_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hem {

// What comes before and after `archive` in a checkpoint file.
std::string CheckpointHead(uint64_t archive_bytes);
std::string CheckpointTail(absl::string_view archive);

// The archive inside a checkpoint file's bytes, once framing and checksum
// verify; DATA_LOSS "<path>: <why>" otherwise. Points into `file`.
absl::StatusOr<absl::string_view> UnframeCheckpoint(absl::string_view file,
                                                    absl::string_view path);

}  // namespace hem

#endif  // HEM_LEARNER_CHECKPOINT_FRAMING_H_
