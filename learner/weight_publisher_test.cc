// The publisher: versions strictly increase, the newest snapshot always goes
// out (a lagging publisher skips older ones), and what goes out is the
// network as it was when the training thread asked.
#include "learner/weight_publisher.h"

#include "common/env_catalog.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

hem::v1::PolicyConfig Config() {
  hem::v1::PolicyConfig config;
  *config.mutable_spec() = MakeEnvSpec("nav:k=2").value();
  config.add_hidden_sizes(16);
  config.set_learn_sigma(true);
  return CompletePolicyConfig(config).value();
}

bool SameParameters(PolicyNetwork& a, PolicyNetwork& b) {
  auto pb = b->named_parameters();
  for (const auto& item : a->named_parameters()) {
    if (!torch::equal(item.value(), pb[item.key()])) return false;
  }
  return true;
}

TEST(WeightPublisher, VersionsIncreaseAndTheNewestSnapshotIsPublishedLast) {
  PolicyNetwork net = MakePolicyNetwork(Config(), 1).value();
  LearnerMetrics metrics;
  ParameterService service(&metrics);
  WeightPublisher publisher(net, VersionLease::Open("", 0).value(), &service, &metrics);
  ASSERT_TRUE(publisher.PublishNow(0).ok());
  EXPECT_EQ(service.latest_version(), 1);
  EXPECT_EQ(service.latest()->update_count(), 0);
  for (int i = 1; i <= 50; ++i) publisher.Publish(i);
  publisher.Stop();  // Publishes what is still waiting.
  EXPECT_EQ(service.latest()->update_count(), 50);
  EXPECT_GT(service.latest_version(), 1);
  EXPECT_LE(service.latest_version(), 51);
  EXPECT_EQ(metrics.Snapshot().version, service.latest_version());
  EXPECT_EQ(service.latest()->config().SerializeAsString(), net->config().SerializeAsString());
  // PublishNow still works after Stop (the learner's final weights).
  ASSERT_TRUE(publisher.PublishNow(51).ok());
  EXPECT_EQ(service.latest()->update_count(), 51);
}

TEST(WeightPublisher, PublishesTheWeightsAsOfThePublishCall) {
  PolicyNetwork net = MakePolicyNetwork(Config(), 1).value();
  PolicyNetwork original = MakePolicyNetwork(Config(), 1).value();  // Same seed.
  ASSERT_TRUE(SameParameters(net, original));
  LearnerMetrics metrics;
  ParameterService service(&metrics);
  WeightPublisher publisher(net, VersionLease::Open("", 0).value(), &service, &metrics);
  publisher.Publish(1);
  {
    // The training thread moves on at once.
    torch::NoGradGuard no_grad;
    for (auto& p : net->parameters()) p.add_(1.0);
  }
  publisher.Stop();
  ASSERT_NE(service.latest(), nullptr);
  PolicyNetwork received = MakePolicyNetwork(Config(), 7).value();
  ASSERT_TRUE(LoadNetwork(service.latest()->weights(), *received).ok());
  EXPECT_TRUE(SameParameters(received, original));
  EXPECT_FALSE(SameParameters(received, net));
}

}  // namespace
}  // namespace hem
