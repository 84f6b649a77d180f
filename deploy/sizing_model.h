// The sizing model (docs/SCALING.md): from measured per-role costs, a cluster
// and a run's shape, what the run should reach (env steps/s, updates/s,
// samples/s), what limits it, how many actors one learner absorbs, how many
// replay shards it needs, and the network bandwidth per actor and per shard.
//
// Every process competes for its node's cores. The model treats each busy
// thread as a claim on cores and shares a node's cores max-min fairly, as the
// kernel's scheduler does: a thread that needs less than an equal share gets
// what it needs, and the threads that could use more (free-running actors,
// the learner's training thread) split the rest equally, each at most one
// core. With a rate limit (samples_per_insert > 0) the replay service couples
// the two sides: the learner samples spi x inserts, so the run goes at the
// highest env-step rate at which every thread's need fits its node's cores
// and no thread needs more than one core: min(actor supply, learner demand /
// samples_per_insert), with the CPU either side leaves idle going to the
// other. Without a rate limit both sides run free and split the cores.
//
// Costs are data (deploy/sizing_costs.txt, each value with the command that
// measured it); nothing here is measured.
#ifndef HEM_DEPLOY_SIZING_MODEL_H_
#define HEM_DEPLOY_SIZING_MODEL_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hem {

// What one task costs. Times are core-seconds on this machine kind.
struct TaskCosts {
  // One env instance's step inside a VectorEnv of the actor's M instances,
  // on the actor's stepping thread (actor_benchmark --breakdown: "env step").
  double env_step_seconds = 0;
  // One learner update on the CPU (one intra-op thread) at batch 256, the
  // training thread's busy time (learner_benchmark's full learner), and
  // what each sample more or less adds (for other batch sizes):
  // l(B) = learner_update_seconds + (B - 256) x learner_update_seconds_per_sample.
  double learner_update_seconds = 0;
  double learner_update_seconds_per_sample = 0;
};

// The batch size TaskCosts::learner_update_seconds is measured at.
inline constexpr int kReferenceBatch = 256;

// Per-role costs; defaults are zero, so a costs file names every one it uses.
struct SizingCosts {
  std::map<std::string, TaskCosts> tasks;  // By task name as the run names it.
  // Lean-path inference of the default 3x256 MLP: per row, and per call
  // (one call per actor step of M rows).
  double inference_seconds_per_row = 0;
  double inference_seconds_per_batch = 0;
  // The rest of the stepping thread per env step: noise, episode recording,
  // handing episodes to the insert stream, weight swaps.
  double actor_other_seconds_per_step = 0;
  // Off the stepping thread, per actor: loading one policy version
  // (deserialise + unpack for the lean path).
  double weight_load_seconds = 0;
  // Replay shard work per transition inserted and per transition sampled
  // (server and client sides of the gRPC call together, so the per-process
  // split is not modelled: both are charged to the shard).
  double shard_insert_seconds_per_transition = 0;
  double shard_sample_seconds_per_transition = 0;
  // Learner threads other than the training one, per sampled transition
  // (batch decoding into tensors).
  double learner_decode_seconds_per_sample = 0;
  // GPU M-step (H100, docs/PERFORMANCE.md): fixed part (kernel launches;
  // the training thread is busy for it) plus a part per sample.
  double gpu_update_seconds = 0;
  double gpu_update_seconds_per_sample = 0;
  // Network: per-call latency (one weight fetch, one insert stream message).
  double call_latency_seconds = 0;
  // Not a cost: the cores a run could get on the measuring machine when the
  // costs were measured, in units of what one busy thread got then (all
  // cores' worth of spinning threads' CPU time over one's; 2 on a quiet
  // 2-core machine, less when other work shares it). 0 = not measured.
  // predict uses it as --cores unless told otherwise.
  double cores_available = 0;
};

// The machines. One node: every process shares `cores_per_node`. More nodes:
// node 0 holds the learner, the shards and the evaluator; actors are spread
// round-robin over nodes 1..nodes-1.
struct SizingCluster {
  int nodes = 1;
  double cores_per_node = 2;
  int gpus = 0;                     // On node 0; > 0 = the learner uses one.
  double network_bytes_per_second = 1.25e9;  // Per node NIC (10 Gbit/s).
  double max_shard_utilization = 0.5;        // For "shards needed".
};

// The run's shape (from proto/run.proto's RunDescription).
struct SizingRun {
  std::string task;              // Env name, e.g. "point_mass".
  int actors = 2;
  int envs_per_actor = 32;
  int shards = 1;
  double samples_per_insert = 8;  // 0 = no rate limit.
  int batch_size = 256;
  int publish_every = 10;         // Learner updates per policy version.
  int evaluators = 1;
  int eval_episodes = 100;
  double eval_interval_seconds = 1;
  // From the task's EnvSpec (SizingRunFromSpec fills these in).
  int horizon = 50;
  double bytes_per_episode = 0;         // Trajectory tensors for T = horizon.
  double bytes_per_sampled_transition = 0;  // obs, goal, action (+ next obs).
  double weight_bytes = 0;              // float32 parameters of the policy MLP.
};

// One thread (or a process's threads of one kind) and what it was given.
struct SizingClaim {
  std::string name;   // "actor 0", "learner training", "shard 1", ...
  int node = 0;
  double need = 0;    // Cores it would use at the predicted rates.
  double cap = 1;     // Most cores it can use.
};

struct SizingPrediction {
  double env_steps_per_second = 0;  // All actors.
  double updates_per_second = 0;
  double samples_per_second = 0;
  std::string limited_by;           // What binds, in words.
  std::vector<SizingClaim> claims;  // Cores each thread uses at these rates.

  double actor_step_seconds = 0;    // Core-seconds per env step, stepping thread.
  double actor_full_core_steps_per_second = 0;
  double learner_update_seconds = 0;
  double learner_max_updates_per_second = 0;  // With a core (or GPU) to itself.
  // Actors one learner absorbs: its demand at full speed (updates/s x batch
  // / samples_per_insert) over one actor's supply on a core of its own; 0 =
  // no rate limit (actors are never held back).
  double actors_one_learner_absorbs = 0;
  // Shard load in shard-seconds per second at the predicted rates, and the
  // shards that keep each under max_shard_utilization.
  double shard_load = 0;
  int shards_needed = 1;
  // Bytes per second.
  double actor_bytes_out = 0;     // Per actor: episodes to the shards.
  double actor_bytes_in = 0;      // Per actor: policy versions.
  double shard_bytes_in = 0;      // Per shard: inserts.
  double shard_bytes_out = 0;     // Per shard: sampled batches.
  double learner_bytes_out = 0;   // Policy versions to every actor.
  // Time to send one version to every actor from node 0 (N x bytes / NIC +
  // latency), against the time between versions.
  double broadcast_seconds = 0;
  double seconds_between_versions = 0;
  std::vector<std::string> warnings;
};

// Parses a costs file: one "name value" per line, '#' starts a comment.
// Task costs are "task.<env name>.<field>" (e.g. task.point_mass.env_step_seconds).
// INVALID_ARGUMENT names the line of an unknown name or a bad number.
absl::StatusOr<SizingCosts> ParseSizingCosts(absl::string_view text);
absl::StatusOr<SizingCosts> ReadSizingCosts(const std::string& path);

// Fills horizon and byte sizes from the task's EnvSpec (common/env_catalog.h)
// and the policy's weight bytes for `hidden_sizes`.
absl::Status FillFromEnvSpec(const std::vector<int>& hidden_sizes, SizingRun* run);

// The prediction. NOT_FOUND when costs has no entry for run.task;
// INVALID_ARGUMENT for a cluster or run that cannot run (no cores, no actors).
absl::StatusOr<SizingPrediction> PredictThroughput(const SizingCosts& costs,
                                                   const SizingCluster& cluster,
                                                   const SizingRun& run);

// The prediction as the lines `predict` prints.
std::string FormatPrediction(const SizingCluster& cluster, const SizingRun& run,
                             const SizingPrediction& prediction);

}  // namespace hem

#endif  // HEM_DEPLOY_SIZING_MODEL_H_
