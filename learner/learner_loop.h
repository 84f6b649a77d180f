// The learner process as a library: pulls relabeled batches from the replay
// shards, runs the M-step on them, publishes versioned weights to actors, and
// keeps metrics and checkpoints. The `learner` binary is a thin main around
// RunLearner; tests and the benchmark drive Learner directly.
//
// Threads: a decode thread turns Batch protos into (pinned) tensors into a
// bounded prefetch queue; the training thread (the caller of Run) consumes
// it; a publisher thread serialises weight snapshots and publishes them; a
// reporter thread writes metrics. The training thread never serialises
// weights or formats metrics, so it is busy with M-steps whenever data is
// there.
#ifndef HEM_LEARNER_LEARNER_LOOP_H_
#define HEM_LEARNER_LEARNER_LOOP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "learner/metrics.h"
#include "proto/batch.pb.h"
#include "proto/policy.pb.h"
#include "proto/replay_service.pb.h"

namespace hem {

struct LearnerConfig {
  std::vector<std::string> replay_addresses;  // One "host:port" per shard; required.
  std::string env;                  // Task name, e.g. "fetch_reach"; required.
  int batch_size = 256;             // Transitions per M-step.
  double learning_rate = 1e-3;      // Adam (paper: 1e-3).
  double max_grad_norm = 0;         // Gradient clipping; 0 = off.
  std::vector<int> hidden_sizes = {256, 256, 256};
  bool learn_sigma = true;          // Global sigma learned, or fixed at `sigma`.
  double sigma = 0.5;               // Initial (learned) or fixed sigma.
  bool normalize = false;           // Running mean/std of observations and goals.
  std::string device = "auto";      // auto | cpu | cuda.
  int torch_threads = 1;            // Intra-op threads (at::set_num_threads).
  int torch_interop_threads = 1;    // Inter-op threads (set once per process).
  int port = 0;                     // ParameterService + StatusService; 0 = any.
  bool bind_all = false;            // Listen beyond loopback.
  int publish_every = 10;           // Publish weights every k updates (>= 1).
  std::string run_dir;              // metrics.csv, checkpoints/, version lease; "" = none.
  absl::Duration checkpoint_interval = absl::Minutes(10);  // <= 0: only at the end.
  int keep_checkpoints = 3;
  bool resume = false;              // Continue from run_dir's newest checkpoint.
  int64_t max_updates = 0;          // Stop after this many updates in total; 0 = never.
  int metrics_port = -1;            // HTTP /metrics; -1 = off, 0 = any free port.
  absl::Duration report_interval = absl::Seconds(5);  // CSV row + console line.
  hem::v1::RelabelStrategy relabel_strategy = hem::v1::RELABEL_STRATEGY_UNSPECIFIED;
  float relabel_probability = -1;   // < 0: the shards' default.
  int prefetch_batches = 8;         // Decoded batches queued ahead of training.
  uint64_t seed = 1;                // Network initialisation.
  std::string name = "learner";     // For StatusService and logs.
};

// INVALID_ARGUMENT naming the flag ("--batch_size: ...") for unusable values.
absl::Status ValidateLearnerConfig(const LearnerConfig& config);

// Where training batches come from: the sharded replay sampler in
// production, anything else in tests.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  // Next batch; DEADLINE_EXCEEDED when none arrives within `timeout`.
  virtual absl::StatusOr<hem::v1::Batch> Next(absl::Duration timeout) = 0;
  // Shards currently streaming (-1 if unknown).
  virtual int64_t live_shards() const { return -1; }
};

// A BatchSource over ShardedReplaySampler for config.replay_addresses.
absl::StatusOr<std::unique_ptr<BatchSource>> MakeReplayBatchSource(
    const LearnerConfig& config, uint64_t spec_id);

class Learner {
 public:
  // Builds the network (restoring the newest checkpoint with config.resume),
  // starts the gRPC services and the metrics endpoint, and publishes the
  // initial weights, so actors can start before the first update.
  static absl::StatusOr<std::unique_ptr<Learner>> Create(
      LearnerConfig config, std::unique_ptr<BatchSource> source);
  ~Learner();  // Stops threads and servers.

  // Trains until max_updates, Stop(), or a process shutdown request
  // (SIGINT/SIGTERM); then publishes the final weights and, with a run_dir,
  // writes a final checkpoint. Returns the first fatal error.
  absl::Status Run();
  // Makes Run return soon (thread-safe).
  void Stop();

  int port() const;          // ParameterService/StatusService port.
  int metrics_port() const;  // -1 when off.
  int64_t updates() const;   // Total, resumed ones included.
  int64_t version() const;   // Newest published version.
  std::string restored_checkpoint() const;  // Path restored from, or "".
  LearnerMetrics& metrics();
  // The newest published weights (null before the first publish).
  std::shared_ptr<const hem::v1::PolicyWeights> latest_weights() const;
  // Writes a checkpoint now (REQUIRES: not inside Run; a run_dir). Returns its path.
  absl::StatusOr<std::string> Checkpoint();

  class Impl;

 private:
  explicit Learner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What `learner` does: validate, connect to the shards, Create, Run.
absl::Status RunLearner(const LearnerConfig& config);

}  // namespace hem

#endif  // HEM_LEARNER_LEARNER_LOOP_H_
