// The actor's acknowledgement log (see ack_log.h).
#include "actor/ack_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace hem {

absl::StatusOr<std::unique_ptr<AckLog>> AckLog::Open(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("ack_log: ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<AckLog>(new AckLog(fd));
}

AckLog::~AckLog() { close(fd_); }

void AckLog::Append(const hem::v1::Trajectory& trajectory) {
  const std::string line = absl::StrCat(trajectory.actor_id(), " ", trajectory.episode_id(),
                                        " ", trajectory.num_steps(), "\n");
  // One write: O_APPEND places it whole at the end, whoever else appends.
  if (write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    HEM_LOG(WARNING) << "ack_log: write failed: " << std::strerror(errno);
  }
}

}  // namespace hem
