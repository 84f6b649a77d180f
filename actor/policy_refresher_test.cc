// PolicyRefresher: new versions arrive through Swap, loaded elsewhere; the
// policies Swap replaces are reloaded rather than rebuilt; weights that do
// not fit leave the acting policy as it is.
#include "actor/policy_refresher.h"

#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/env_catalog.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

// What the actor's subscriber does, without a learner.
class FakeSubscriber final : public ParameterSubscriber {
 public:
  void Publish(hem::v1::PolicyWeights weights) {
    absl::MutexLock lock(&mu_);
    latest_ = std::make_shared<const hem::v1::PolicyWeights>(std::move(weights));
  }
  std::shared_ptr<const hem::v1::PolicyWeights> Latest() const override {
    absl::MutexLock lock(&mu_);
    return latest_;
  }
  absl::StatusOr<std::shared_ptr<const hem::v1::PolicyWeights>> WaitForNewer(
      int64_t newer_than, absl::Duration timeout) override {
    absl::MutexLock lock(&mu_);
    auto newer = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return latest_ != nullptr && latest_->version() > newer_than;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&newer), timeout)) {
      return absl::DeadlineExceededError("none");
    }
    return latest_;
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const hem::v1::PolicyWeights> latest_ ABSL_GUARDED_BY(mu_);
};

hem::v1::PolicyWeights Weights(int64_t version, int width = 16) {
  hem::v1::PolicyConfig config;
  *config.mutable_spec() = MakeEnvSpec("nav:k=2").value();
  config.add_hidden_sizes(width);
  return InitialPolicyWeights(config, /*seed=*/version, version).value();
}

// Swaps until *policy has `version` (or 10 s pass).
bool SwapUntil(PolicyRefresher& refresher, std::unique_ptr<Policy>* policy, int64_t version) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    refresher.Swap(policy);
    if (*policy != nullptr && (*policy)->version() == version) return true;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return false;
}

TEST(PolicyRefresher, SwapsInEachNewVersionAndRecyclesTheOldPolicy) {
  FakeSubscriber subscriber;
  PolicyRefresher refresher(&subscriber, InferenceEngine::kDefault);
  std::unique_ptr<Policy> policy;
  EXPECT_FALSE(refresher.Swap(&policy));
  EXPECT_EQ(policy, nullptr);

  subscriber.Publish(Weights(1));
  ASSERT_TRUE(SwapUntil(refresher, &policy, 1));
  Policy* const first = policy.get();
  subscriber.Publish(Weights(2));
  ASSERT_TRUE(SwapUntil(refresher, &policy, 2));
  EXPECT_NE(policy.get(), first);  // A second policy while the first acted.
  // Version 3 is loaded into the policy Swap handed back: two alternate.
  subscriber.Publish(Weights(3));
  ASSERT_TRUE(SwapUntil(refresher, &policy, 3));
  EXPECT_EQ(policy.get(), first);
  EXPECT_FALSE(refresher.Swap(&policy));  // Nothing newer.
}

TEST(PolicyRefresher, WeightsOfAnotherNetworkLeaveThePolicyAsItIs) {
  FakeSubscriber subscriber;
  PolicyRefresher refresher(&subscriber, InferenceEngine::kDefault);
  std::unique_ptr<Policy> policy;
  subscriber.Publish(Weights(1));
  ASSERT_TRUE(SwapUntil(refresher, &policy, 1));
  subscriber.Publish(Weights(2));
  ASSERT_TRUE(SwapUntil(refresher, &policy, 2));
  subscriber.Publish(Weights(3, /*width=*/24));  // Another network.
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_FALSE(refresher.Swap(&policy));
  EXPECT_EQ(policy->version(), 2);
  subscriber.Publish(Weights(4));  // A fitting version still gets through.
  ASSERT_TRUE(SwapUntil(refresher, &policy, 4));
}

}  // namespace
}  // namespace hem
