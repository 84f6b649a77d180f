// Crash-safe files: the one way hem replaces a file that must survive a crash
// (replay and learner checkpoints, the version lease, run metadata).
//
// A file is written to "<path>.tmp", flushed and fsynced, renamed over
// <path>, and the directory is fsynced so the rename itself is durable. A
// crash at any point leaves either the old file or the new one under <path>,
// never a mix; a stale "<path>.tmp" may remain and is overwritten next time.
// Every system call's result is checked: an error names the path and errno's
// text, and the temporary file is removed.
//
//   HEM_ASSIGN_OR_RETURN(AtomicFileWriter file, AtomicFileWriter::Create(path));
//   HEM_RETURN_IF_ERROR(file.Append(header));
//   HEM_RETURN_IF_ERROR(file.Append(body));
//   HEM_RETURN_IF_ERROR(file.Commit());   // Without Commit, nothing changes.
#ifndef HEM_COMMON_ATOMIC_FILE_H_
#define HEM_COMMON_ATOMIC_FILE_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hem {

class AtomicFileWriter {
 public:
  // Opens "<path>.tmp" for writing with permission bits `mode` (0600 for
  // secrets). The directory must exist.
  static absl::StatusOr<AtomicFileWriter> Create(std::string path,
                                                 mode_t mode = 0644);

  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  // Without a successful Commit, removes the temporary file: <path> is
  // untouched.
  ~AtomicFileWriter();

  // Appends bytes (buffered). REQUIRES: not committed.
  absl::Status Append(absl::string_view data);

  // Flushes, fsyncs, renames into place and fsyncs the directory.
  // REQUIRES: called once.
  absl::Status Commit();

  const std::string& path() const { return path_; }
  int64_t bytes_written() const { return bytes_; }

 private:
  AtomicFileWriter(std::string path, int fd);
  absl::Status Flush();
  void Abandon();

  std::string path_;
  int fd_ = -1;
  std::string buffer_;
  int64_t bytes_ = 0;
};

// Replaces `path` with `contents` atomically (see above).
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents, mode_t mode = 0644);

// The whole file. NOT_FOUND when it does not exist; UNAVAILABLE naming the
// path for other errors.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// fsyncs a directory, making renames and creations in it durable.
absl::Status SyncDirectory(const std::string& dir);

// "dir" of "dir/name"; "." for a bare name.
std::string DirectoryOf(const std::string& path);

}  // namespace hem

#endif  // HEM_COMMON_ATOMIC_FILE_H_
