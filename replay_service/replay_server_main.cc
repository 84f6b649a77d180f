// replay_server: one shard of the replay service (see replay_server.h). A
// thin main: flags -> ReplayServerConfig (replay_server_flags.h), then
// RunReplayServer until SIGINT/SIGTERM.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "common/logging.h"
#include "common/process.h"
#include "replay_service/replay_server.h"
#include "replay_service/replay_server_flags.h"

ABSL_FLAG(bool, quiet, false, "Log warnings and errors only.");

int main(int argc, char** argv) {
  hem::InitProcess(argc, argv,
                   "replay_server --shard_index=I --num_shards=N [--port=P]: "
                   "one shard of the hem replay service.");
  if (absl::GetFlag(FLAGS_quiet)) hem::SetMinLogSeverity(hem::LogSeverity::kWarning);
  absl::StatusOr<hem::ReplayServerConfig> config = hem::ReplayServerConfigFromFlags();
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  hem::InstallShutdownHandler();
  absl::Status status = hem::ReplayServerFlagError(
      hem::RunReplayServer(*config, hem::ShutdownSignal()));
  if (!status.ok()) {
    std::fprintf(stderr, "replay_server: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
