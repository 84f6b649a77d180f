#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace hem {
namespace {

// Appends are gathered up to this many bytes before a write(2).
constexpr size_t kBufferBytes = 1 << 20;

absl::Status ErrnoError(absl::string_view what, const std::string& path, int error) {
  const std::string message = absl::StrCat(what, " ", path, ": ", std::strerror(error));
  if (error == ENOENT) return absl::NotFoundError(message);
  return absl::UnavailableError(message);
}

absl::Status WriteAll(int fd, const char* data, size_t size, const std::string& path) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot write", path, errno);
    if (n == 0) return absl::UnavailableError(absl::StrCat("cannot write ", path, ": short write"));
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

std::string TempPath(const std::string& path) { return path + ".tmp"; }

}  // namespace

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open directory", dir, errno);
  const int rc = fsync(fd);
  const int error = errno;
  close(fd);
  if (rc != 0) return ErrnoError("cannot fsync directory", dir, error);
  return absl::OkStatus();
}

absl::StatusOr<AtomicFileWriter> AtomicFileWriter::Create(std::string path, mode_t mode) {
  const std::string temp = TempPath(path);
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoError("cannot create", temp, errno);
  // O_CREAT does not change the mode of a stale temporary file.
  if (fchmod(fd, mode) != 0) {
    const int error = errno;
    close(fd);
    unlink(temp.c_str());
    return ErrnoError("cannot chmod", temp, error);
  }
  return AtomicFileWriter(std::move(path), fd);
}

AtomicFileWriter::AtomicFileWriter(std::string path, int fd)
    : path_(std::move(path)), fd_(fd) {}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)),
      bytes_(other.bytes_) {}

AtomicFileWriter& AtomicFileWriter::operator=(AtomicFileWriter&& other) noexcept {
  if (this != &other) {
    Abandon();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
    bytes_ = other.bytes_;
  }
  return *this;
}

AtomicFileWriter::~AtomicFileWriter() { Abandon(); }

void AtomicFileWriter::Abandon() {
  if (fd_ < 0) return;
  close(fd_);
  fd_ = -1;
  unlink(TempPath(path_).c_str());
}

absl::Status AtomicFileWriter::Flush() {
  absl::Status status = WriteAll(fd_, buffer_.data(), buffer_.size(), TempPath(path_));
  buffer_.clear();
  return status;
}

absl::Status AtomicFileWriter::Append(absl::string_view data) {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": already closed"));
  bytes_ += static_cast<int64_t>(data.size());
  if (buffer_.size() + data.size() <= kBufferBytes) {
    buffer_.append(data.data(), data.size());
    return absl::OkStatus();
  }
  absl::Status status = Flush();
  if (!status.ok()) return status;
  if (data.size() >= kBufferBytes) {
    return WriteAll(fd_, data.data(), data.size(), TempPath(path_));
  }
  buffer_.append(data.data(), data.size());
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::Commit() {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": already closed"));
  const std::string temp = TempPath(path_);
  absl::Status status = Flush();
  // Durable before it replaces the old file: a crash leaves old or new, never half.
  if (status.ok() && fsync(fd_) != 0) status = ErrnoError("cannot fsync", temp, errno);
  const int fd = std::exchange(fd_, -1);
  if (close(fd) != 0 && status.ok()) status = ErrnoError("cannot close", temp, errno);
  if (status.ok() && std::rename(temp.c_str(), path_.c_str()) != 0) {
    status = ErrnoError(absl::StrCat("cannot rename ", temp, " to"), path_, errno);
  }
  if (!status.ok()) {
    unlink(temp.c_str());
    return status;
  }
  return SyncDirectory(DirectoryOf(path_));
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents,
                                 mode_t mode) {
  absl::StatusOr<AtomicFileWriter> file = AtomicFileWriter::Create(path, mode);
  if (!file.ok()) return file.status();
  absl::Status status = file->Append(contents);
  if (!status.ok()) return status;
  return file->Commit();
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", path, errno);
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return ErrnoError("cannot read", path, error);
    }
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return data;
}

}  // namespace hem
