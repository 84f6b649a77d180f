// Start-up and shutdown conventions shared by every hem binary.
#ifndef HEM_COMMON_PROCESS_H_
#define HEM_COMMON_PROCESS_H_

#include <atomic>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hem {

// Restarts the program once with OPENBLAS_CORETYPE set when OpenBLAS fell
// back to generic kernels on this CPU (common/blas_core.h), then sets the
// usage text, parses absl flags (exiting with the flag's message on a
// bad value), and returns the positional arguments (argv[0] first).
std::vector<char*> InitProcess(int argc, char** argv, absl::string_view usage);

// SIGINT/SIGTERM handling: the first signal requests a clean shutdown that
// the main loop observes; a second one exits at once.
void InstallShutdownHandler();
bool ShutdownRequested();
// Sleeps until shutdown is requested or `timeout` passes; true if requested.
bool WaitForShutdown(absl::Duration timeout);
// Requests shutdown from code (tests, step budgets).
void RequestShutdown();
// The process-wide shutdown request as a stop signal: true once SIGINT or
// SIGTERM arrived (or RequestShutdown ran). Only a binary's main reads it
// and hands it to the library it runs (RunLearner, RunActor,
// RunReplayServer); libraries never read process-global state themselves.
const std::atomic<bool>& ShutdownSignal();

}  // namespace hem

#endif  // HEM_COMMON_PROCESS_H_
