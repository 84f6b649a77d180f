// How the local backend runs a process: fork/exec with its output appended
// to a log file, stdin from /dev/null, in a process group of its own (so a
// Ctrl-C reaches only the supervisor, which stops the cluster in order), and
// sent SIGTERM by the kernel should the supervisor itself die
// (PR_SET_PDEATHSIG), so no process outlives its supervisor. Exits are
// collected without blocking.
#ifndef HEM_DEPLOY_LOCAL_PROCESSES_H_
#define HEM_DEPLOY_LOCAL_PROCESSES_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hem {

// Starts argv[0] with `argv`, appending its stdout and stderr to `log_path`
// (created, mode 0644). Returns its pid. UNAVAILABLE when it cannot fork or
// the log cannot be opened; an argv[0] that cannot be executed makes the
// child exit with status 127 and a line in the log.
// REQUIRES: called from the thread that outlives the children (the kernel
// ties PR_SET_PDEATHSIG to the thread that forked).
absl::StatusOr<pid_t> SpawnLogged(const std::vector<std::string>& argv,
                                  const std::string& log_path);

struct ChildExit {
  pid_t pid = 0;
  int wait_status = 0;  // As waitpid returns it.
};

// Every child that has exited since the last call (reaped), without waiting.
std::vector<ChildExit> ReapExitedChildren();

// Waits up to `timeout` for child `pid` to exit; true (and *wait_status)
// when it did.
bool WaitForChild(pid_t pid, double timeout_seconds, int* wait_status);

// "exit code 2", "killed by signal 9 (Killed)".
std::string DescribeWaitStatus(int wait_status);

// The last `lines` lines of a file, "" when it cannot be read.
std::string TailOfFile(const std::string& path, int lines);

// Appends `text` to a file (creating it), best effort: for event lines in
// logs that processes also write.
void AppendToFile(const std::string& path, absl::string_view text);

// A port range of `span` ports starting at a multiple of 200 in
// [20000, 60000), whose `offsets` can all be bound on `host` now.
// UNAVAILABLE after `attempts` tries.
absl::StatusOr<int> FindFreeBasePort(const std::string& host, const std::vector<int>& offsets,
                                     int attempts = 50);

}  // namespace hem

#endif  // HEM_DEPLOY_LOCAL_PROCESSES_H_
