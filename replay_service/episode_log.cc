// The episode log's writer: segments, group commit and rotation (see
// episode_log.h).
#include "replay_service/episode_log.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/status_macros.h"

namespace hem {
namespace {

constexpr char kMagic[8] = {'H', 'E', 'M', 'R', 'L', 'O', 'G', '1'};
constexpr int kSegmentDigits = 10;

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat("episode log: ", what, " ", path, ": ", std::strerror(errno)));
}

// Writes every record of `batch` with as few writev calls as IOV_MAX allows.
absl::Status WriteRecords(int fd, const std::string& path,
                          const std::vector<const std::string*>& records) {
  std::vector<iovec> iov;
  size_t next = 0;
  size_t offset = 0;  // Already written of records[next].
  while (next < records.size()) {
    iov.clear();
    for (size_t i = next; i < records.size() && iov.size() < IOV_MAX; ++i) {
      const size_t skip = i == next ? offset : 0;
      iov.push_back({const_cast<char*>(records[i]->data()) + skip,
                     records[i]->size() - skip});
    }
    ssize_t n = writev(fd, iov.data(), static_cast<int>(iov.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoError("cannot write", path);
    // Advance past what was written (possibly part of a record).
    while (n > 0) {
      const size_t left = records[next]->size() - offset;
      if (static_cast<size_t>(n) >= left) {
        n -= static_cast<ssize_t>(left);
        ++next;
        offset = 0;
      } else {
        offset += static_cast<size_t>(n);
        n = 0;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

CheckpointFiles EpisodeLogFiles(const std::string& dir, int shard_index) {
  return CheckpointFiles(dir, absl::StrCat("replay-shard-", shard_index, "-"),
                         ".log", kSegmentDigits, /*keep=*/1 << 30);
}

absl::string_view EpisodeLogMagic() {
  return absl::string_view(kMagic, sizeof(kMagic));
}

EpisodeLog::EpisodeLog(std::string dir, int shard_index)
    : dir_(std::move(dir)),
      shard_index_(shard_index),
      files_(EpisodeLogFiles(dir_, shard_index_)) {}

absl::StatusOr<std::unique_ptr<EpisodeLog>> EpisodeLog::Create(
    std::string dir, int shard_index, int64_t segment,
    const std::vector<hem::v1::EnvSpec>& specs) {
  std::unique_ptr<EpisodeLog> log(new EpisodeLog(std::move(dir), shard_index));
  {
    absl::MutexLock lock(&log->mu_);
    HEM_RETURN_IF_ERROR(log->OpenSegment(segment, specs));
  }
  log->committer_ = std::thread([raw = log.get()] { raw->CommitLoop(); });
  return log;
}

EpisodeLog::~EpisodeLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  committer_.join();
  absl::MutexLock lock(&mu_);
  if (fd_ >= 0) close(fd_);
}

absl::Status EpisodeLog::OpenSegment(int64_t segment,
                                     const std::vector<hem::v1::EnvSpec>& specs) {
  HEM_ASSIGN_OR_RETURN(const std::string path, files_.PathFor(segment));
  if (std::filesystem::exists(path)) {
    return absl::AlreadyExistsError(
        absl::StrCat("episode log: segment ", path, " already exists"));
  }
  std::string contents(kMagic, sizeof(kMagic));
  std::string header;
  PutU32(&header, static_cast<uint32_t>(shard_index_));
  PutU64(&header, static_cast<uint64_t>(segment));
  AppendRecord(kHeaderRecord, header, &contents);
  std::string payload;
  for (const hem::v1::EnvSpec& spec : specs) {
    if (!spec.SerializeToString(&payload)) {
      return absl::InternalError("episode log: cannot serialize a spec");
    }
    AppendRecord(kSpecRecord, payload, &contents);
  }
  HEM_RETURN_IF_ERROR(WriteFileAtomically(path, contents));
  const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", path);
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
  path_ = path;
  stats_.segment = segment;
  return absl::OkStatus();
}

void EpisodeLog::Append(RecordType type, absl::string_view payload, Done done) {
  Pending pending;
  pending.bytes.reserve(payload.size() + kRecordOverhead);
  AppendRecord(type, payload, &pending.bytes);
  pending.done = std::move(done);
  absl::Status failed;
  {
    absl::MutexLock lock(&mu_);
    failed = failed_;
    if (failed.ok()) {
      queue_.push_back(std::move(pending));
      return;
    }
  }
  pending.done(failed);
}

absl::Status EpisodeLog::WriteBatch(int fd, const std::string& path,
                                    const std::vector<Pending>& batch) {
  std::vector<const std::string*> records;
  records.reserve(batch.size());
  for (const Pending& p : batch) records.push_back(&p.bytes);
  HEM_RETURN_IF_ERROR(WriteRecords(fd, path, records));
  if (fdatasync(fd) != 0) return ErrnoError("cannot fdatasync", path);
  return absl::OkStatus();
}

void EpisodeLog::CommitLoop() {
  std::vector<Pending> batch;
  while (true) {
    int fd;
    std::string path;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](EpisodeLog* log) ABSL_EXCLUSIVE_LOCKS_REQUIRED(log->mu_) {
            return !log->queue_.empty() || log->stopping_;
          },
          this));
      if (queue_.empty()) return;  // Stopping, and everything is committed.
      batch.swap(queue_);
      committing_ = true;
      fd = fd_;
      path = path_;
    }
    // Outside the lock: appends keep queueing for the next round.
    absl::Status status = WriteBatch(fd, path, batch);
    int64_t bytes = 0;
    for (const Pending& p : batch) bytes += static_cast<int64_t>(p.bytes.size());
    {
      absl::MutexLock lock(&mu_);
      committing_ = false;
      if (!status.ok() && failed_.ok()) failed_ = status;
      if (status.ok()) {
        stats_.records += static_cast<int64_t>(batch.size());
        stats_.bytes += bytes;
        ++stats_.syncs;
      }
    }
    for (Pending& p : batch) p.done(status);
    batch.clear();
  }
}

absl::StatusOr<int64_t> EpisodeLog::Rotate(
    const std::vector<hem::v1::EnvSpec>& specs) {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](EpisodeLog* log) ABSL_EXCLUSIVE_LOCKS_REQUIRED(log->mu_) {
        return log->queue_.empty() && !log->committing_;
      },
      this));
  const int64_t next = stats_.segment + 1;
  HEM_RETURN_IF_ERROR(OpenSegment(next, specs));
  failed_ = absl::OkStatus();  // A fresh file: try again after an error.
  return next;
}

absl::Status RemoveLogSegmentsBefore(const std::string& dir, int shard_index,
                                     int64_t segment) {
  const CheckpointFiles files = EpisodeLogFiles(dir, shard_index);
  for (const std::string& path : files.List()) {
    if (files.SequenceOf(path) >= segment) continue;
    std::error_code error;
    std::filesystem::remove(path, error);
    if (error) {
      return absl::UnavailableError(absl::StrCat(
          "episode log: cannot remove ", path, ": ", error.message()));
    }
  }
  return absl::OkStatus();
}

int64_t EpisodeLog::segment() const {
  absl::MutexLock lock(&mu_);
  return stats_.segment;
}

EpisodeLog::Stats EpisodeLog::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace hem
