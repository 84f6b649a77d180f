#include "common/process.h"

#include <cstdlib>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/clock.h"
#include "common/blas_core.h"

namespace hem {
namespace {

std::atomic<int> signals_received{0};
// Lock-free, so setting it is async-signal-safe.
std::atomic<bool> shutdown_signal{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void OnSignal(int) {
  // Only async-signal-safe work here: count, and exit on the second signal.
  shutdown_signal.store(true);
  if (signals_received.fetch_add(1) >= 1) _exit(130);
}

}  // namespace

std::vector<char*> InitProcess(int argc, char** argv, absl::string_view usage) {
  ReexecWithPreferredBlasCore(argv);
  // gRPC drives a connection attempt (TCP connect, then the TLS handshake)
  // only while a call waits on it or when its backup poller runs, every 5 s
  // by default. A fail-fast call (status polls, the supervisor's readiness
  // checks) to a peer that was not up yet leaves nothing waiting, so each
  // handshake step took 5 s and TLS runs were not ready within a minute.
  // Read once, at gRPC's initialisation; a user's own setting wins.
  setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "100", /*overwrite=*/0);
  absl::SetProgramUsageMessage(std::string(usage));
  return absl::ParseCommandLine(argc, argv);
}

void InstallShutdownHandler() {
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // A peer that goes away mid-write must not kill the process.
  signal(SIGPIPE, SIG_IGN);
}

bool ShutdownRequested() { return signals_received.load() > 0; }

void RequestShutdown() {
  shutdown_signal.store(true);
  signals_received.fetch_add(1);
}

const std::atomic<bool>& ShutdownSignal() { return shutdown_signal; }

bool WaitForShutdown(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!ShutdownRequested()) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    absl::SleepFor(std::min(left, absl::Milliseconds(50)));
  }
  return true;
}

}  // namespace hem
