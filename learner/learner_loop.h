// The learner process as a library: the M-step loop of hEM (or, with
// config.algo = kHer, HER's DDPG/DQN updates: algorithm.h). It pulls
// relabeled batches (the E-step's samples, from a BatchSource), takes one
// update on each, publishes versioned weights to actors, and keeps metrics
// and checkpoints. The `learner` binary is a thin main around RunLearner;
// tests and the benchmark drive Learner directly.
//
// Threads: a decode thread (BatchPrefetcher) turns Batch protos into tensors
// ahead of training; the training thread (the caller of Run) takes M-steps;
// a publisher thread (WeightPublisher) serialises and publishes weight
// snapshots; a reporter thread (LearnerReporter) writes metrics. The training
// thread never serialises weights or formats metrics, so it is busy with
// M-steps whenever data is there.
#ifndef HEM_LEARNER_LEARNER_LOOP_H_
#define HEM_LEARNER_LEARNER_LOOP_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "learner/batch_source.h"
#include "learner/learner_config.h"
#include "learner/metrics.h"
#include "proto/policy.pb.h"

namespace hem {

class Learner {
 public:
  // Validates `config`, builds the network (restoring the newest valid
  // checkpoint in config.run_dir with config.resume), starts the gRPC
  // services and the metrics endpoint, and publishes the initial weights, so
  // actors can start before the first update. Errors name config fields.
  static absl::StatusOr<std::unique_ptr<Learner>> Create(
      LearnerConfig config, std::unique_ptr<BatchSource> source);
  ~Learner();  // Stops threads and servers.

  // Trains until config.max_updates, Stop(), or `stop` becomes true; then
  // publishes the final weights and, with a run_dir, writes a final
  // checkpoint. Returns the first fatal error. REQUIRES: called once.
  absl::Status Run(const std::atomic<bool>& stop);
  absl::Status Run();  // Until max_updates or Stop().
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

// What `learner` does: validate, connect to the replay shards, Create, and
// Run until `stop` (the binary passes the process's shutdown signal).
absl::Status RunLearner(const LearnerConfig& config, const std::atomic<bool>& stop);

}  // namespace hem

#endif  // HEM_LEARNER_LEARNER_LOOP_H_
