// The learner's publisher thread (see weight_publisher.h).
#include "learner/weight_publisher.h"

#include <utility>

#include "common/logging.h"
#include "common/status_macros.h"

namespace hem {

WeightPublisher::WeightPublisher(PolicyNetwork network, VersionLease lease,
                                 ParameterService* service, LearnerMetrics* metrics)
    : network_(std::move(network)),
      service_(service),
      metrics_(metrics),
      lease_(std::move(lease)),
      thread_([this] { PublishLoop(); }) {}

WeightPublisher::~WeightPublisher() { Stop(); }

void WeightPublisher::Publish(int64_t update_count) {
  absl::StatusOr<Snapshot> snapshot = TakeSnapshot(update_count);
  if (!snapshot.ok()) {
    HEM_LOG(ERROR) << "publish failed: " << snapshot.status();
    return;
  }
  // CANCELLED only after Stop(), when nothing is published in the background.
  latest_.PushDroppingOldest(*std::move(snapshot)).IgnoreError();
}

absl::Status WeightPublisher::PublishNow(int64_t update_count) {
  HEM_ASSIGN_OR_RETURN(const Snapshot snapshot, TakeSnapshot(update_count));
  return Send(snapshot);
}

void WeightPublisher::Stop() {
  latest_.Close();  // The loop still publishes what was queued, then ends.
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<WeightPublisher::Snapshot> WeightPublisher::TakeSnapshot(
    int64_t update_count) {
  Snapshot snapshot;
  snapshot.update_count = update_count;
  HEM_RETURN_IF_ERROR(CatchTorch("snapshotting weights", [&] {
    snapshot.tensors = SnapshotNetwork(*network_);
    return absl::OkStatus();
  }));
  if (snapshot.tensors.empty()) return absl::InternalError("no weights to publish");
  return snapshot;
}

absl::Status WeightPublisher::Send(const Snapshot& snapshot) {
  HEM_ASSIGN_OR_RETURN(std::string bytes, SerializeTensors(snapshot.tensors));
  absl::MutexLock lock(&lease_mu_);
  HEM_ASSIGN_OR_RETURN(const int64_t version, lease_.Next());
  hem::v1::PolicyWeights weights;
  weights.set_version(version);
  weights.set_update_count(snapshot.update_count);
  *weights.mutable_config() = network_->config();
  *weights.mutable_weights() = std::move(bytes);
  HEM_RETURN_IF_ERROR(service_->Publish(std::move(weights)));
  metrics_->SetVersion(version);
  return absl::OkStatus();
}

void WeightPublisher::PublishLoop() {
  while (true) {
    absl::StatusOr<Snapshot> snapshot = latest_.Pop();
    if (!snapshot.ok()) return;  // Closed and drained.
    absl::Status status = Send(*snapshot);
    if (!status.ok()) HEM_LOG(ERROR) << "publish failed: " << status;
  }
}

}  // namespace hem
