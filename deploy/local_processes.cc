// Local child processes (see local_processes.h).
#include "deploy/local_processes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/atomic_file.h"

extern char** environ;

namespace hem {
namespace {

// Only async-signal-safe calls between fork and exec: the supervisor has
// gRPC threads, whose locks a forked child must not touch.
[[noreturn]] void ExecChild(const char* log_path, char* const* argv, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(126);  // The supervisor died before prctl.
  setpgid(0, 0);
  const int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log < 0 || null < 0) _exit(126);
  dup2(null, STDIN_FILENO);
  dup2(log, STDOUT_FILENO);
  dup2(log, STDERR_FILENO);
  // Every other descriptor (the supervisor's sockets) stays behind.
  syscall(SYS_close_range, 3u, ~0u, 0u);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  execve(argv[0], argv, environ);
  static const char kFailed[] = "hem supervisor: cannot execute the binary\n";
  (void)!write(STDERR_FILENO, kFailed, sizeof(kFailed) - 1);
  _exit(127);
}

bool CanBind(const std::string& host, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  // As gRPC binds: connections of an earlier run in TIME_WAIT do not count,
  // a listening process does.
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  listen(fd, 1) == 0;
  close(fd);
  return ok;
}

}  // namespace

absl::StatusOr<pid_t> SpawnLogged(const std::vector<std::string>& argv,
                                  const std::string& log_path) {
  if (argv.empty()) return absl::InvalidArgumentError("argv: empty");
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // Checked here so that a bad path is a clear error, not a child's 126.
  const int probe = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (probe < 0) {
    return absl::UnavailableError(absl::StrCat(log_path, ": ", std::strerror(errno)));
  }
  close(probe);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return absl::UnavailableError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) ExecChild(log_path.c_str(), args.data(), parent);
  // Also from here, so a signal sent to the group right away finds it.
  setpgid(pid, pid);
  return pid;
}

std::vector<ChildExit> ReapExitedChildren() {
  std::vector<ChildExit> exits;
  for (;;) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    exits.push_back({pid, status});
  }
  return exits;
}

bool WaitForChild(pid_t pid, double timeout_seconds, int* wait_status) {
  const absl::Time deadline = absl::Now() + absl::Seconds(timeout_seconds);
  for (;;) {
    const pid_t done = waitpid(pid, wait_status, WNOHANG);
    if (done == pid || (done < 0 && errno == ECHILD)) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return absl::StrCat("exit code ", WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int signal = WTERMSIG(wait_status);
    const char* name = strsignal(signal);
    return absl::StrCat("killed by signal ", signal, name ? absl::StrCat(" (", name, ")") : "");
  }
  return absl::StrCat("wait status ", wait_status);
}

std::string TailOfFile(const std::string& path, int lines) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return "";
  std::vector<absl::string_view> all = absl::StrSplit(*text, '\n');
  if (!all.empty() && all.back().empty()) all.pop_back();
  const size_t first = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
  return absl::StrJoin(all.begin() + first, all.end(), "\n");
}

void AppendToFile(const std::string& path, absl::string_view text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  (void)!write(fd, text.data(), text.size());
  close(fd);
}

absl::StatusOr<int> FindFreeBasePort(const std::string& host, const std::vector<int>& offsets,
                                     int attempts) {
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> slot(0, 199);
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const int base = 20000 + slot(random) * 200;
    bool free = true;
    for (int offset : offsets) free = free && CanBind(host, base + offset);
    if (free) return base;
  }
  return absl::UnavailableError(
      absl::StrCat("no free port range on ", host, " after ", attempts, " tries"));
}

}  // namespace hem
