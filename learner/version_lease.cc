#include "learner/version_lease.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace hem {

absl::Status WriteFileAtomically(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot write ", tmp, ": ", strerror(errno)));
  }
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string error = strerror(errno);
      close(fd);
      return absl::UnavailableError(absl::StrCat("cannot write ", tmp, ": ", error));
    }
    done += static_cast<size_t>(n);
  }
  // Durable before it replaces the old file: a crash leaves old or new, never half.
  fsync(fd);
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot rename ", tmp, " to ", path, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<VersionLease> VersionLease::Open(std::string path, int64_t at_least) {
  int64_t start = std::max<int64_t>(at_least + 1, 1);
  if (!path.empty()) {
    std::ifstream file(path);
    if (file) {
      std::stringstream text;
      text << file.rdbuf();
      int64_t reserved = 0;
      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text.str()), &reserved)) {
        return absl::DataLossError(
            absl::StrCat(path, ": not a version number: '", text.str(), "'"));
      }
      start = std::max(start, reserved + 1);
    }
  }
  return VersionLease(std::move(path), start, start - 1);
}

absl::StatusOr<int64_t> VersionLease::Next() {
  const int64_t version = next_;
  if (version > reserved_) {
    const int64_t reserved = version + kBlock - 1;
    if (!path_.empty()) {
      absl::Status status = WriteFileAtomically(path_, absl::StrCat(reserved, "\n"));
      if (!status.ok()) return status;
    }
    reserved_ = reserved;
  }
  ++next_;
  return version;
}

}  // namespace hem
