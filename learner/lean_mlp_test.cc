// LeanMlp against a plain double-precision reference, for both kernels, on
// shapes that exercise every tile and tail (rows not a multiple of 6,
// outputs not a multiple of 16 or 64). The comparison with LibTorch's
// network is in lean_policy_test.cc.
#include "learner/lean_mlp.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "learner/lean_mlp_avx512.h"

namespace hem {
namespace {

LeanMlpWeights RandomWeights(int state_dim, int goal_dim, const std::vector<int>& widths,
                             bool normalize, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  LeanMlpWeights w;
  w.state_dim = state_dim;
  w.goal_dim = goal_dim;
  if (normalize) {
    for (int i = 0; i < state_dim; ++i) {
      w.state_mean.push_back(normal(rng));
      w.state_std.push_back(0.5f + std::abs(normal(rng)));
    }
    for (int i = 0; i < goal_dim; ++i) {
      w.goal_mean.push_back(normal(rng));
      w.goal_std.push_back(0.5f + std::abs(normal(rng)));
    }
    w.clip = 2.0f;  // Small, so clipping happens.
  }
  int inputs = state_dim + goal_dim;
  for (int outputs : widths) {
    LeanLayerWeights layer;
    layer.inputs = inputs;
    layer.outputs = outputs;
    const float scale = 1.0f / std::sqrt(static_cast<float>(inputs));
    for (int i = 0; i < inputs * outputs; ++i) layer.weight.push_back(scale * normal(rng));
    for (int i = 0; i < outputs; ++i) layer.bias.push_back(0.1f * normal(rng));
    w.layers.push_back(std::move(layer));
    inputs = outputs;
  }
  return w;
}

std::vector<double> Reference(const LeanMlpWeights& w, int batch, const std::vector<float>& s,
                              const std::vector<float>& g) {
  std::vector<double> out;
  for (int b = 0; b < batch; ++b) {
    std::vector<double> x;
    for (int i = 0; i < w.state_dim; ++i) {
      double v = s[b * w.state_dim + i];
      if (!w.state_mean.empty()) {
        v = std::clamp((v - w.state_mean[i]) / w.state_std[i], -1.0 * w.clip, 1.0 * w.clip);
      }
      x.push_back(v);
    }
    for (int i = 0; i < w.goal_dim; ++i) {
      double v = g[b * w.goal_dim + i];
      if (!w.goal_mean.empty()) {
        v = std::clamp((v - w.goal_mean[i]) / w.goal_std[i], -1.0 * w.clip, 1.0 * w.clip);
      }
      x.push_back(v);
    }
    for (size_t l = 0; l < w.layers.size(); ++l) {
      const LeanLayerWeights& layer = w.layers[l];
      std::vector<double> y(layer.outputs);
      for (int o = 0; o < layer.outputs; ++o) {
        double sum = layer.bias[o];
        for (int i = 0; i < layer.inputs; ++i) sum += layer.weight[o * layer.inputs + i] * x[i];
        y[o] = (l + 1 < w.layers.size()) ? std::max(sum, 0.0) : sum;
      }
      x = std::move(y);
    }
    out.insert(out.end(), x.begin(), x.end());
  }
  return out;
}

std::vector<LeanMlp::Kernel> Kernels() {
  std::vector<LeanMlp::Kernel> kernels = {LeanMlp::Kernel::kBlas};
  if (Avx512Supported()) kernels.push_back(LeanMlp::Kernel::kAvx512);
  return kernels;
}

TEST(LeanMlp, MatchesReferenceOnEveryTileShape) {
  struct Case {
    int state_dim, goal_dim;
    std::vector<int> widths;
    bool normalize;
  };
  const Case cases[] = {
      {10, 3, {256, 256, 256, 3}, false},  // fetch_reach's default network.
      {10, 3, {256, 256, 256, 3}, true},
      {4, 2, {17, 65, 130, 1}, true},      // Every column tail.
      {20, 0, {64, 10}, false},            // No goal part.
      {1, 1, {16, 16}, true},
  };
  for (const Case& c : cases) {
    LeanMlpWeights w = RandomWeights(c.state_dim, c.goal_dim, c.widths, c.normalize, 3);
    for (LeanMlp::Kernel kernel : Kernels()) {
      auto mlp = LeanMlp::Create(w, kernel);
      ASSERT_TRUE(mlp.ok()) << mlp.status();
      EXPECT_EQ((*mlp)->kernel(), kernel);
      EXPECT_EQ((*mlp)->outputs(), c.widths.back());
      for (int batch : {1, 5, 6, 7, 13, 16, 64}) {
        SCOPED_TRACE(testing::Message() << "widths " << c.widths.size() << "/" << c.widths[0]
                                        << " kernel " << static_cast<int>(kernel)
                                        << " batch " << batch);
        std::mt19937_64 rng(batch);
        std::normal_distribution<float> normal(0.0f, 2.0f);
        std::vector<float> s(batch * c.state_dim), g(batch * c.goal_dim + 1);
        for (float& v : s) v = normal(rng);
        for (float& v : g) v = normal(rng);
        std::vector<float> head(batch * c.widths.back() + 1, 123.0f);
        (*mlp)->Forward(batch, s.data(), g.data(), head.data());
        const std::vector<double> expected = Reference(w, batch, s, g);
        double max_diff = 0;
        for (size_t i = 0; i < expected.size(); ++i) {
          max_diff = std::max(max_diff, std::abs(head[i] - expected[i]));
        }
        EXPECT_LT(max_diff, 1e-5);
        EXPECT_EQ(head.back(), 123.0f) << "wrote past the head";
      }
    }
  }
}

TEST(LeanMlp, KernelAutoPicksAvx512WhereSupported) {
  auto mlp = LeanMlp::Create(RandomWeights(3, 3, {8, 2}, false, 1));
  ASSERT_TRUE(mlp.ok()) << mlp.status();
  EXPECT_EQ((*mlp)->kernel(),
            Avx512Supported() ? LeanMlp::Kernel::kAvx512 : LeanMlp::Kernel::kBlas);
}

TEST(LeanMlp, ShapesThatDoNotChainAreRejectedNamingTheField) {
  LeanMlpWeights w = RandomWeights(3, 2, {8, 4, 2}, true, 1);
  LeanMlpWeights broken = w;
  broken.layers[1].inputs = 7;
  auto mlp = LeanMlp::Create(broken);
  ASSERT_FALSE(mlp.ok());
  EXPECT_NE(mlp.status().message().find("weights.layers[1]"), absl::string_view::npos)
      << mlp.status();
  broken = w;
  broken.layers[2].bias.pop_back();
  EXPECT_FALSE(LeanMlp::Create(broken).ok());
  broken = w;
  broken.state_std[0] = 0;
  EXPECT_NE(LeanMlp::Create(broken).status().message().find("weights.state_mean"),
            absl::string_view::npos);
  broken = w;
  broken.goal_mean.pop_back();
  EXPECT_FALSE(LeanMlp::Create(broken).ok());
  broken = w;
  broken.layers.clear();
  EXPECT_FALSE(LeanMlp::Create(broken).ok());
}

}  // namespace
}  // namespace hem
