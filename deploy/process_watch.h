// Whether the processes of a cluster are still running, by pid: the launcher
// hands its children's pids to cluster_status, which notices one that exited
// (a bad flag, a crash) within a poll instead of waiting out a timeout.
#ifndef HEM_DEPLOY_PROCESS_WATCH_H_
#define HEM_DEPLOY_PROCESS_WATCH_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hem {

struct WatchedProcess {
  std::string name;  // As in the launcher's logs/<name>.log, e.g. "learner".
  pid_t pid = 0;
};

// Parses "name:pid,name:pid". Errors name --pids.
absl::StatusOr<std::vector<WatchedProcess>> ParseWatchedProcesses(absl::string_view list);

// True while `pid` exists and is not a zombie (a child that exited but was
// not yet reaped by its parent still has a pid; it is not running).
bool ProcessRunning(pid_t pid);

// "name (pid N)" of each process that is no longer running.
std::vector<std::string> ExitedProcesses(const std::vector<WatchedProcess>& processes);

}  // namespace hem

#endif  // HEM_DEPLOY_PROCESS_WATCH_H_
