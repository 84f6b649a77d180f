// Publishes the learner's weights to actors as strictly increasing versions,
// without making the training thread serialise them.
//
// The training thread only takes a snapshot (one copy of the weights, see
// SnapshotNetwork) and drops it into a one-slot "latest snapshot" queue; the
// publisher thread serialises it, takes the next version from the
// VersionLease and publishes it to the ParameterService. A publisher that
// lags skips to the newest snapshot. Versions are taken and published in one
// step under lease_mu_, so they reach the service in increasing order from
// either thread.
//
// Torch-internal header (learner .cc files only).
#ifndef HEM_LEARNER_WEIGHT_PUBLISHER_H_
#define HEM_LEARNER_WEIGHT_PUBLISHER_H_

#include <cstdint>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/queue.h"
#include "learner/metrics.h"
#include "learner/networks.h"
#include "learner/parameter_service.h"
#include "learner/version_lease.h"

namespace hem {

class WeightPublisher {
 public:
  // Starts the publisher thread. `service` and `metrics` must outlive this
  // object; `network` is the one the training thread updates.
  WeightPublisher(PolicyNetwork network, VersionLease lease, ParameterService* service,
                  LearnerMetrics* metrics);
  ~WeightPublisher();  // Stop().

  WeightPublisher(const WeightPublisher&) = delete;
  WeightPublisher& operator=(const WeightPublisher&) = delete;

  // Training thread: snapshots the weights now and publishes them soon,
  // tagged with `update_count`. Errors are logged.
  void Publish(int64_t update_count) ABSL_LOCKS_EXCLUDED(lease_mu_);

  // Training thread: snapshots and publishes before returning (the initial
  // weights, the final ones).
  absl::Status PublishNow(int64_t update_count) ABSL_LOCKS_EXCLUDED(lease_mu_);

  // Publishes a snapshot still waiting, then joins the thread. Idempotent;
  // PublishNow still works afterwards.
  void Stop();

 private:
  struct Snapshot {
    std::vector<NamedTensor> tensors;
    int64_t update_count = 0;
  };

  absl::StatusOr<Snapshot> TakeSnapshot(int64_t update_count);
  absl::Status Send(const Snapshot& snapshot) ABSL_LOCKS_EXCLUDED(lease_mu_);
  void PublishLoop();

  PolicyNetwork network_;  // Snapshotted on the training thread only.
  ParameterService* const service_;
  LearnerMetrics* const metrics_;
  absl::Mutex lease_mu_;
  VersionLease lease_ ABSL_GUARDED_BY(lease_mu_);
  Queue<Snapshot> latest_{1};  // PushDroppingOldest: the newest snapshot only.
  std::thread thread_;         // Last: starts once everything above exists.
};

}  // namespace hem

#endif  // HEM_LEARNER_WEIGHT_PUBLISHER_H_
