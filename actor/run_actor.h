// The actor (or evaluator) as a process, minus flag parsing: serves the
// StatusService, runs the ActorLoop until stopped and shuts down. The actor
// binary is a thin main around RunActor; tests run it on a thread.
#ifndef HEM_ACTOR_RUN_ACTOR_H_
#define HEM_ACTOR_RUN_ACTOR_H_

#include <atomic>

#include "absl/status/status.h"
#include "actor/actor_options.h"

namespace hem {

// Validates `options`, sets the inference threads, starts the StatusService
// on options.net.bind_host:status_port (role "actor", or "evaluator" with
// options.eval; TLS + token with options.net's credentials), resolves
// rdzv: replay and learner addresses through options.net.rendezvous_dir,
// becomes ready (and publishes "<role>-<actor_id>" there) once the loop
// starts, runs the ActorLoop until `stop` becomes true or max_env_steps is
// reached, then stops serving. Errors name the ActorOptions field at fault
// (bad options, a port that cannot be bound, an address never published) or
// come from the loop.
absl::Status RunActor(const ActorOptions& options, const std::atomic<bool>& stop);

}  // namespace hem

#endif  // HEM_ACTOR_RUN_ACTOR_H_
