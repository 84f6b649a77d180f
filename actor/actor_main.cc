// actor: the actor (and, with --eval, the evaluator) process. A thin main:
// flags -> ActorOptions (actor_flags.cc), then RunActor (run_actor.h) until
// SIGINT/SIGTERM.
#include <iostream>

#include "actor/actor_flags.h"
#include "actor/run_actor.h"
#include "common/heap_tuning.h"
#include "common/logging.h"
#include "common/process.h"

int main(int argc, char** argv) {
  hem::InitProcess(argc, argv,
                   "hem actor: rolls out episodes and streams them to the replay "
                   "shards.\n  actor --env=flip_bit:k=10 --replay=127.0.0.1:7001 "
                   "--learner=127.0.0.1:7100\n  actor --eval --env=... --learner=...");
  hem::InstallShutdownHandler();
  hem::KeepLargeBuffersInHeap();  // CNN inference on image tasks.
  absl::StatusOr<hem::ActorOptions> options = hem::ActorOptionsFromFlags();
  if (!options.ok()) {
    std::cerr << "actor: " << options.status().message() << "\n";
    return 2;
  }
  absl::Status status = hem::RunActor(*options, hem::ShutdownSignal());
  if (!status.ok()) {
    HEM_LOG(ERROR) << hem::ActorFlagError(status);
    return 1;
  }
  return 0;
}
