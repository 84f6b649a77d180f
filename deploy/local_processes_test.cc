// The local backend's process handling: output goes to the log, exits are
// collected and described, and a child does not outlive the thread that
// started it (standing in for the supervisor dying).
#include "deploy/local_processes.h"

#include <signal.h>
#include <sys/wait.h>

#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/atomic_file.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

std::string TempPath(const std::string& name) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  std::remove(path.c_str());
  return path;
}

ChildExit WaitForExit(pid_t pid) {
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    for (const ChildExit& exit : ReapExitedChildren()) {
      if (exit.pid == pid) return exit;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return {};
}

TEST(LocalProcesses, OutputIsAppendedToTheLogAndExitsAreCollected) {
  const std::string log = TempPath("child.log");
  ASSERT_TRUE(WriteFileAtomically(log, "earlier life\n").ok());
  auto pid = SpawnLogged({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, log);
  ASSERT_TRUE(pid.ok()) << pid.status();
  const ChildExit exit = WaitForExit(*pid);
  ASSERT_EQ(exit.pid, *pid);
  EXPECT_EQ(DescribeWaitStatus(exit.wait_status), "exit code 3");
  EXPECT_EQ(TailOfFile(log, 2), "out\nerr");
  EXPECT_EQ(TailOfFile(log, 10), "earlier life\nout\nerr");

  auto missing = SpawnLogged({"/no/such/binary"}, log);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(DescribeWaitStatus(WaitForExit(*missing).wait_status), "exit code 127");
  EXPECT_FALSE(SpawnLogged({"/bin/true"}, "/no/such/dir/x.log").ok());
}

TEST(LocalProcesses, KilledChildrenAreDescribedBySignal) {
  auto pid = SpawnLogged({"/bin/sleep", "30"}, TempPath("sleep.log"));
  ASSERT_TRUE(pid.ok());
  kill(*pid, SIGKILL);
  EXPECT_EQ(DescribeWaitStatus(WaitForExit(*pid).wait_status).rfind("killed by signal 9", 0),
            0u);
}

TEST(LocalProcesses, AChildDoesNotOutliveItsSupervisor) {
  // PR_SET_PDEATHSIG fires when the forking thread ends: a thread stands in
  // for the supervisor process.
  pid_t pid = 0;
  std::thread supervisor([&] {
    pid = *SpawnLogged({"/bin/sleep", "30"}, TempPath("orphan.log"));
    // Until the child runs sleep, so it has asked for the signal already.
    const std::string cmdline = absl::StrCat("/proc/", pid, "/cmdline");
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      absl::StatusOr<std::string> text = ReadFileToString(cmdline);
      if (text.ok() && text->rfind("/bin/sleep", 0) == 0) break;
      absl::SleepFor(absl::Milliseconds(5));
    }
  });
  supervisor.join();
  const ChildExit exit = WaitForExit(pid);
  ASSERT_EQ(exit.pid, pid) << "the child outlived its supervisor";
  EXPECT_TRUE(WIFSIGNALED(exit.wait_status));
  EXPECT_EQ(WTERMSIG(exit.wait_status), SIGTERM);
}

TEST(LocalProcesses, FreePortsAreFound) {
  auto base = FindFreeBasePort("127.0.0.1", {0, 1, 50});
  ASSERT_TRUE(base.ok()) << base.status();
  EXPECT_GE(*base, 20000);
  EXPECT_LT(*base, 60000);
  EXPECT_EQ(*base % 200, 0);
}

}  // namespace
}  // namespace hem
