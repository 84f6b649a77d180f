// Liveness of the cluster's processes (see process_watch.h).
#include "deploy/process_watch.h"

#include <signal.h>

#include <cerrno>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/atomic_file.h"

namespace hem {

absl::StatusOr<std::vector<WatchedProcess>> ParseWatchedProcesses(absl::string_view list) {
  std::vector<WatchedProcess> processes;
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(item, absl::MaxSplits(':', 1));
    int pid = 0;
    if (parts.first.empty() || !absl::SimpleAtoi(parts.second, &pid) || pid <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--pids: '", item, "' is not name:pid"));
    }
    processes.push_back({std::string(parts.first), static_cast<pid_t>(pid)});
  }
  return processes;
}

bool ProcessRunning(pid_t pid) {
  if (kill(pid, 0) != 0 && errno != EPERM) return false;
  // /proc/<pid>/stat is "pid (comm) state ..."; comm may hold spaces and ')'.
  absl::StatusOr<std::string> stat = ReadFileToString(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return true;  // No procfs: trust kill().
  const size_t paren = stat->rfind(')');
  return paren == std::string::npos || paren + 2 >= stat->size() ||
         (*stat)[paren + 2] != 'Z';
}

std::vector<std::string> ExitedProcesses(const std::vector<WatchedProcess>& processes) {
  std::vector<std::string> exited;
  for (const WatchedProcess& process : processes) {
    if (!ProcessRunning(process.pid)) {
      exited.push_back(absl::StrCat(process.name, " (pid ", process.pid, ")"));
    }
  }
  return exited;
}

}  // namespace hem
