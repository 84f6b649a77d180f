// Loading new policy versions off the stepping thread (see policy_refresher.h).
#include "actor/policy_refresher.h"

#include <utility>

#include "common/logging.h"

namespace hem {
namespace {

// How often the loader checks for a stop request while no version arrives.
constexpr absl::Duration kPoll = absl::Milliseconds(100);

}  // namespace

PolicyRefresher::PolicyRefresher(ParameterSubscriber* subscriber, InferenceEngine engine)
    : subscriber_(subscriber), engine_(engine) {
  {
    absl::MutexLock lock(&mu_);
    returned_.reserve(4);  // Swap never allocates.
  }
  thread_ = std::thread([this] { Run(); });
}

PolicyRefresher::~PolicyRefresher() {
  stop_.Notify();
  thread_.join();
}

bool PolicyRefresher::Swap(std::unique_ptr<Policy>* policy) {
  absl::MutexLock lock(&mu_);
  if (ready_ == nullptr) return false;
  std::unique_ptr<Policy> old = std::move(*policy);
  *policy = std::move(ready_);
  if (old != nullptr) returned_.push_back(std::move(old));
  return true;
}

void PolicyRefresher::Run() {
  int64_t seen = -1;  // Newest version loaded or found unloadable.
  while (!stop_.HasBeenNotified()) {
    auto newer = subscriber_->WaitForNewer(seen, kPoll);
    if (!newer.ok()) continue;  // No new version yet.
    const std::shared_ptr<const hem::v1::PolicyWeights> weights = *std::move(newer);
    seen = weights->version();

    // A policy to load into: one Swap gave back, else the stale ready one.
    std::unique_ptr<Policy> target;
    bool was_ready = false;
    std::vector<std::unique_ptr<Policy>> surplus;
    {
      absl::MutexLock lock(&mu_);
      if (!returned_.empty()) {
        target = std::move(returned_.back());
        returned_.pop_back();
        for (auto& extra : returned_) surplus.push_back(std::move(extra));
        returned_.clear();
      } else if (ready_ != nullptr) {
        target = std::move(ready_);
        was_ready = true;
      }
    }
    surplus.clear();  // Destroyed here, not on the stepping thread.

    absl::Status status;
    if (target == nullptr) {
      absl::StatusOr<std::unique_ptr<Policy>> created = Policy::FromWeights(*weights, engine_);
      if (created.ok()) {
        target = *std::move(created);
      } else {
        status = created.status();
      }
    } else {
      // Fails only for weights of another network; target is then unchanged.
      status = target->LoadWeights(*weights);
    }
    if (!status.ok()) {
      HEM_LOG(WARNING) << "cannot load policy version " << seen << ": " << status;
    }
    if (target == nullptr) continue;
    absl::MutexLock lock(&mu_);
    if (!status.ok()) {
      // Back where it came from, unchanged.
      if (was_ready) {
        ready_ = std::move(target);
      } else {
        returned_.push_back(std::move(target));
      }
      continue;
    }
    if (ready_ != nullptr) returned_.push_back(std::move(ready_));
    ready_ = std::move(target);
  }
}

}  // namespace hem
