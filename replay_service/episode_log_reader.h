// Reading a shard's episode log back at start (the format is in
// episode_log.h): after the newest good checkpoint is restored, the segments
// it lacks are replayed into the shard in order, each record checked before
// it is used. A segment ends at its first record that does not verify (a
// torn tail after a kill, or corruption): that record and everything after it
// in the segment are reported and never loaded, and the file is truncated to
// its verified prefix so the next start does not report it again. Episodes
// already held (the same (actor_id, episode_id)) are dropped, so nothing is
// stored twice however checkpoints and segments overlap.
#ifndef HEM_REPLAY_SERVICE_EPISODE_LOG_READER_H_
#define HEM_REPLAY_SERVICE_EPISODE_LOG_READER_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "replay_service/replay_shard.h"

namespace hem {

// What reading one segment found.
struct LogSegmentScan {
  int64_t episodes = 0;     // Episode records stored.
  int64_t duplicates = 0;   // Episode records already held (dropped).
  int64_t specs = 0;        // Spec records.
  uint64_t valid_bytes = 0; // Length of the verified prefix.
  uint64_t file_bytes = 0;
  std::string problem;      // Why the rest was dropped; "" when none was.
};

// Replays one segment of `file_bytes` bytes from `file` into `shard`: specs
// are registered, episodes validated against their spec and stored. `name`
// labels problems. The header must name `shard_index`. Never fails: every
// problem ends the scan and is described in the result.
LogSegmentScan ReplayLogSegment(std::FILE* file, uint64_t file_bytes,
                                absl::string_view name, int shard_index,
                                ReplayShard* shard);

struct LogReplayReport {
  int64_t segments = 0;
  int64_t episodes = 0;
  int64_t duplicates = 0;
  int64_t newest_segment = -1;   // Highest segment number present.
  // "<path>: <why>; dropped N bytes", one per segment that ended early.
  std::vector<std::string> problems;
};

// Replays this shard's segments numbered >= from_segment (all of them when
// from_segment < 0) from `dir`, oldest first, truncating any that ended
// early. UNAVAILABLE only when a file cannot be opened or truncated.
absl::StatusOr<LogReplayReport> ReplayEpisodeLog(const std::string& dir,
                                                 int shard_index,
                                                 int64_t from_segment,
                                                 ReplayShard* shard);

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_EPISODE_LOG_READER_H_
