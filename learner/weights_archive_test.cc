// Hostile weights never reach LibTorch's readers: truncated, flipped,
// foreign-network, oversized and non-finite archives are refused with an
// error naming what is wrong, the policy keeps its weights, and a stream of
// random mutations of a valid archive never crashes the loader.
#include "learner/weights_archive.h"

#include <cmath>
#include <cstring>
#include <random>
#include <string>

#include "absl/strings/match.h"
#include "common/env_catalog.h"
#include "gtest/gtest.h"
#include "learner/networks.h"
#include "learner/policy.h"

namespace hem {
namespace {

hem::v1::PolicyConfig ConfigFor(const std::string& env, int width = 32) {
  hem::v1::PolicyConfig config;
  *config.mutable_spec() = MakeEnvSpec(env).value();
  config.add_hidden_sizes(width);
  config.add_hidden_sizes(width);
  config.set_normalize_inputs(true);
  return config;
}

hem::v1::PolicyWeights Weights(const hem::v1::PolicyConfig& config, uint64_t seed,
                               int64_t version = 1) {
  return InitialPolicyWeights(config, seed, version).value();
}

TEST(WeightsArchive, ParsesTheArchivesLibTorchWrites) {
  const std::string bytes = Weights(ConfigFor("nav:k=3"), 1).weights();
  auto entries = ParseZipDirectory(bytes);
  ASSERT_TRUE(entries.ok()) << entries.status();
  int data = 0, pickles = 0;
  for (const ZipEntry& e : *entries) {
    data += absl::StrContains(e.name, "/data/");
    pickles += absl::EndsWith(e.name, "/data.pkl");
  }
  EXPECT_GT(data, 4);
  EXPECT_EQ(pickles, 1);
}

TEST(WeightsArchive, AnotherProcessesWeightsLoadBitExactly) {
  const hem::v1::PolicyConfig config = ConfigFor("fetch_reach");
  const hem::v1::PolicyWeights weights = Weights(config, 5);
  auto policy = Policy::Create(config, 9).value();
  ASSERT_TRUE(policy->LoadWeights(weights).ok());
  // Serialised again after loading: the same tensors as were sent.
  PolicyNetwork sent = MakePolicyNetwork(CompletePolicyConfig(config).value(), 5).value();
  PolicyNetwork loaded = MakePolicyNetwork(CompletePolicyConfig(config).value(), 6).value();
  ASSERT_TRUE(LoadNetwork(weights.weights(), *loaded).ok());
  auto a = sent->named_parameters();
  auto b = loaded->named_parameters();
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()]));
}

TEST(WeightsArchive, HostileArchivesAreRefusedAndThePolicyKeepsItsWeights) {
  const hem::v1::PolicyConfig config = ConfigFor("nav:k=3");
  auto policy = Policy::Create(config, 1).value();
  hem::v1::PolicyWeights good = Weights(config, 2, 7);
  ASSERT_TRUE(policy->LoadWeights(good).ok());
  const std::string valid = good.weights();
  auto refused = [&](std::string bytes, absl::string_view expected) {
    hem::v1::PolicyWeights w = good;
    w.set_version(8);
    w.set_weights(std::move(bytes));
    const absl::Status status = policy->LoadWeights(w);
    EXPECT_FALSE(status.ok());
    EXPECT_TRUE(absl::StrContains(status.message(), expected)) << status;
    EXPECT_EQ(policy->version(), 7);
  };
  refused(valid.substr(0, valid.size() / 2), "weights: ");
  refused(std::string(2 * valid.size() + (2 << 20), 'x'),
          "bytes, but this network's archive is");
  refused("PK\x05\x06" + std::string(18, '\0'), "weights: ");
  // A flipped bit in tensor data fails that entry's CRC-32.
  const auto entries = ParseZipDirectory(valid).value();
  for (const ZipEntry& e : entries) {
    if (!absl::StrContains(e.name, "/data/") || e.size == 0) continue;
    std::string flipped = valid;
    flipped[e.data_offset] ^= 1;
    refused(flipped, "fails its CRC-32");
    break;
  }
  // Another network (other widths): its data entries differ in size.
  refused(Weights(ConfigFor("nav:k=3", 16), 2).weights(), "weights: ");
}

TEST(WeightsArchive, NonFiniteWeightsAreRefused) {
  const hem::v1::PolicyConfig config = ConfigFor("nav:k=3");
  PolicyNetwork network = MakePolicyNetwork(CompletePolicyConfig(config).value(), 3).value();
  {
    torch::NoGradGuard no_grad;
    network->named_parameters().begin()->value().fill_(NAN);
  }
  PolicyNetwork target = MakePolicyNetwork(CompletePolicyConfig(config).value(), 4).value();
  const absl::Status status = LoadNetwork(SerializeNetwork(*network).value(), *target);
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(absl::StrContains(status.message(), "non-finite")) << status;
}

// Random mutations of a valid archive: each is refused or loads; none
// crashes (the fuzz target weights_loader_fuzz explores further).
TEST(WeightsArchive, RandomMutationsNeverCrash) {
  const hem::v1::PolicyConfig config = ConfigFor("flip_bit:k=8", 8);
  auto policy = Policy::Create(config, 1).value();
  const hem::v1::PolicyWeights good = Weights(config, 2);
  std::mt19937_64 rng(11);
  int loaded = 0;
  for (int i = 0; i < 300; ++i) {
    std::string bytes = good.weights();
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < edits; ++k) {
      const size_t at = rng() % bytes.size();
      switch (rng() % 3) {
        case 0: bytes[at] = static_cast<char>(rng()); break;
        case 1: bytes.erase(at, 1 + rng() % 64); break;
        default: bytes.insert(at, std::string(1 + rng() % 64, static_cast<char>(rng())));
      }
      if (bytes.empty()) bytes = "x";
    }
    hem::v1::PolicyWeights w = good;
    w.set_weights(bytes);
    loaded += policy->LoadWeights(w).ok();
  }
  EXPECT_LT(loaded, 300);
}

}  // namespace
}  // namespace hem
