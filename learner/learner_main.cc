// learner: the M-step process of hEM. See learner/learner_loop.h. Parses the
// flags, runs the learner until SIGINT/SIGTERM (or --max_updates), and
// reports errors naming the flag to fix.
//
//   learner --replay=127.0.0.1:7001,127.0.0.1:7002 --env=fetch_reach
//       --port=7100 --metrics_port=9100 --run_dir=/tmp/hem/learner --resume
#include <iostream>

#include "common/heap_tuning.h"
#include "common/logging.h"
#include "common/process.h"
#include "learner/learner_flags.h"
#include "learner/learner_loop.h"

int main(int argc, char** argv) {
  hem::InitProcess(argc, argv,
                   "Trains the hEM policy on relabeled batches from the replay "
                   "shards and serves its weights.\n  learner --replay=HOST:PORT,... "
                   "--env=NAME [--port=P] [--run_dir=DIR] [--resume]");
  hem::InstallShutdownHandler();
  hem::KeepLargeBuffersInHeap();  // Every update frees and reallocates its tensors.
  absl::StatusOr<hem::LearnerConfig> config = hem::LearnerConfigFromFlags();
  if (!config.ok()) {
    std::cerr << "learner: " << config.status().message() << "\n";
    return 2;
  }
  const absl::Status status =
      hem::ToFlagError(hem::RunLearner(*config, hem::ShutdownSignal()));
  if (!status.ok()) {
    HEM_LOG(ERROR) << "learner failed: " << status;
    return 1;
  }
  return 0;
}
