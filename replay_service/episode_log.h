// A replay shard's episode log: what makes an acknowledged episode survive a
// kill -9 between checkpoints. Every stored episode is appended here, and the
// shard acknowledges it only once the log is on disk (fdatasync).
//
// Files: "<dir>/replay-shard-<index>-<10-digit segment>.log", each
//   magic "HEMRLOG1"
//   records framed as in record_format.h:
//     type 1 header  (u32 shard_index, u64 segment)
//     type 2 spec    (serialized hem.v1.EnvSpec): every spec the shard held
//                    when the segment began, then each new one as declared
//     type 3 episode (serialized hem.v1.Trajectory)
// A segment is created whole (header and specs) with AtomicFileWriter, then
// only appended to. A crash can leave a torn record only at the end of the
// newest segment; the reader (episode_log_reader.h) drops it and reports it.
//
// Group commit: Append only queues a record; one committer thread writes
// everything queued since its last round with one writev and one fdatasync,
// then runs the records' callbacks in append order. Concurrent inserts from
// many streams therefore share each fdatasync, and a stream can keep many
// episodes in flight.
//
// Checkpoints and the log: when the shard checkpoints it pauses inserts,
// rotates the log (Rotate) and snapshots its tables, so checkpoint N holds
// exactly the episodes of the segments before the one Rotate started, and
// records the number of that segment (checkpoint.h). Segments older than the
// oldest checkpoint kept are deleted.
#ifndef HEM_REPLAY_SERVICE_EPISODE_LOG_H_
#define HEM_REPLAY_SERVICE_EPISODE_LOG_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/checkpoint_files.h"
#include "proto/env_spec.pb.h"
#include "replay_service/record_format.h"

namespace hem {

// The log segments of one shard in `dir`.
CheckpointFiles EpisodeLogFiles(const std::string& dir, int shard_index);

// "HEMRLOG1", the first bytes of every segment.
absl::string_view EpisodeLogMagic();

// Deletes the shard's segments in `dir` numbered below `segment` (every
// checkpoint kept holds what they held).
absl::Status RemoveLogSegmentsBefore(const std::string& dir, int shard_index,
                                     int64_t segment);

class EpisodeLog {
 public:
  // Runs once the record is durable (OK) or cannot be (the write error).
  using Done = std::function<void(const absl::Status&)>;

  struct Stats {
    int64_t records = 0;
    int64_t bytes = 0;
    int64_t syncs = 0;  // Group commits: records / syncs is the group size.
    int64_t segment = 0;
  };

  // Creates segment `segment` in `dir` holding `specs`, durably, and starts
  // the committer. ALREADY_EXISTS if that segment is present.
  static absl::StatusOr<std::unique_ptr<EpisodeLog>> Create(
      std::string dir, int shard_index, int64_t segment,
      const std::vector<hem::v1::EnvSpec>& specs);
  // Commits what is queued (running its callbacks), then stops.
  ~EpisodeLog();
  EpisodeLog(const EpisodeLog&) = delete;
  EpisodeLog& operator=(const EpisodeLog&) = delete;

  // Queues one record (type and payload as above); `done` runs on the
  // committer thread once it is on disk, in append order. After a write
  // error every record fails with it until a Rotate succeeds.
  void Append(RecordType type, absl::string_view payload, Done done)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Commits what is queued, then continues in a new segment (the next
  // number) that begins with `specs`. Returns the new segment's number.
  // The caller keeps appends out while it runs (the shard's checkpoint
  // pause), so the old segment holds exactly what was appended before.
  absl::StatusOr<int64_t> Rotate(const std::vector<hem::v1::EnvSpec>& specs)
      ABSL_LOCKS_EXCLUDED(mu_);


  int64_t segment() const ABSL_LOCKS_EXCLUDED(mu_);
  Stats stats() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Pending {
    std::string bytes;  // One framed record.
    Done done;
  };

  EpisodeLog(std::string dir, int shard_index);
  // Creates segment `segment` and makes it the one appended to.
  absl::Status OpenSegment(int64_t segment,
                           const std::vector<hem::v1::EnvSpec>& specs)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CommitLoop() ABSL_LOCKS_EXCLUDED(mu_);
  // Writes and syncs `batch` to fd; the error names the segment.
  absl::Status WriteBatch(int fd, const std::string& path,
                          const std::vector<Pending>& batch);

  const std::string dir_;
  const int shard_index_;
  const CheckpointFiles files_;

  mutable absl::Mutex mu_;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool committing_ ABSL_GUARDED_BY(mu_) = false;  // A batch is being written.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int fd_ ABSL_GUARDED_BY(mu_) = -1;
  std::string path_ ABSL_GUARDED_BY(mu_);
  absl::Status failed_ ABSL_GUARDED_BY(mu_);  // Sticky write error.
  Stats stats_ ABSL_GUARDED_BY(mu_);
  std::thread committer_;
};

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_EPISODE_LOG_H_
