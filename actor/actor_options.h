// What an actor (or, with `eval`, the evaluator) is told to do: every setting
// with its default and its meaning, in one place. The actor binary's flags
// take their defaults from here (actor/actor_flags.cc); errors from
// ValidateActorOptions name the field ("num_envs: must be >= 1, got 0"), and
// only the flags layer turns a field name into a flag name.
#ifndef HEM_ACTOR_ACTOR_OPTIONS_H_
#define HEM_ACTOR_ACTOR_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "actor/exploration.h"
#include "common/net_config.h"

namespace hem {

struct ActorOptions {
  // Registry name of the task, e.g. "flip_bit:k=50", "fetch_reach:image=84".
  std::string env_name = "flip_bit:k=10";
  // M instances stepped together with one batched policy call. 32 is the
  // measured choice (docs/PERFORMANCE.md): inference cost is amortised and
  // a 2-core machine still runs two actors.
  int num_envs = 32;
  uint64_t actor_id = 0;  // Unique per actor in a cluster; part of every episode id.
  uint64_t seed = 1;      // Base seed; every episode's seed derives from it and actor_id.
  // Id of this life's first episode; the next ones count up from it. -1 =
  // microseconds since the Unix epoch at start, so an actor restarted with
  // its actor_id never reuses an id of its earlier lives (a shard would drop
  // those episodes as duplicates). Episode seeds derive from the ids.
  int64_t first_episode_id = -1;
  // Append "actor_id episode_id num_steps" to this file for every episode a
  // shard acknowledged (actor/ack_log.h); "" = no log. For tests.
  std::string ack_log;
  // Replay shards "host:port" (training mode only; at least one). RunActor
  // also accepts "rdzv:replay/<i>", resolved through net.rendezvous_dir.
  std::vector<std::string> replay_addresses;
  // The learner's ParameterService "host:port" (or, for RunActor,
  // "rdzv:learner/0"); empty = random actions (training) - evaluation needs it.
  std::string learner_address;
  ExplorationOptions exploration;  // sigma_a = 0.5, epsilon = 0 by default.
  int64_t max_env_steps = 0;       // Stop after this many env steps; 0 = never.
  absl::Duration report_interval = absl::Seconds(1);  // Progress to the learner.
  absl::Duration insert_timeout = absl::Seconds(1);   // Per insert attempt; retried.
  // StatusService port on net.bind_host (RunActor only); 0 = any free port.
  int status_port = 0;
  // Prometheus /metrics on net.bind_host (RunActor only; actor_metrics.h);
  // -1 = off, 0 = any free port.
  int metrics_port = -1;
  // Where the status server listens (loopback by default), TLS + token
  // credentials for it and for every client (replay, learner), and the
  // rendezvous RunActor publishes itself in ("actor-<actor_id>" or
  // "evaluator-<actor_id>") and resolves rdzv: addresses from.
  NetConfig net;
  // LibTorch (and OpenBLAS) threads for policy inference (RunActor only):
  // one per process, since a cluster runs several processes per core.
  int torch_threads = 1;
  // Act through LibTorch even for MLP policies, which otherwise take the
  // lean path (learner/lean_mlp.h): the baseline actor_benchmark compares
  // against. No flag.
  bool libtorch_inference = false;

  // Evaluation mode (the evaluator process).
  bool eval = false;
  int eval_episodes = 50;  // Episodes per evaluation.
  absl::Duration eval_interval = absl::Seconds(5);  // Minimum time between evaluations.
  bool eval_deterministic = true;  // Mean / argmax (the paper); false = sample pi.
  // CSV of every test episode (actor/eval_episode_log.h); "" = none.
  std::string eval_episode_log;
};

// The id of this life's first episode: first_episode_id, or the clock's
// microseconds since the Unix epoch when it is -1.
uint64_t FirstEpisodeId(const ActorOptions& options);

// Checks every field, naming the first bad one: "num_envs: must be >= 1,
// got 0", "env_name: unknown env 'x' (known: ...)".
absl::Status ValidateActorOptions(const ActorOptions& options);

}  // namespace hem

#endif  // HEM_ACTOR_ACTOR_OPTIONS_H_
