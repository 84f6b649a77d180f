// The policy network's MLP evaluated without a framework: what actors run on
// CPU for every batch of steps. LibTorch dispatches ~10 operators per forward
// pass and wraps every input and output in tensors; at the batch sizes actors
// use (16-64 rows) that costs as much as the arithmetic. Here the weights are
// unpacked once per policy version into plain float buffers, and a forward
// pass is the input normaliser, one matrix product per layer with bias and
// ReLU fused, and the head written straight into the caller's buffer.
//
// Two kernels compute the matrix products, with the same results up to
// float rounding (the tests compare both with LibTorch):
//   kAvx512  weights packed for lean_mlp_avx512.h's register tiles (~2x an
//            sgemm at 16 rows); the default where the CPU has AVX-512;
//   kBlas    cblas_sgemm (OpenBLAS, single-threaded: SetPolicyThreads),
//            x W^T as LibTorch computes it; the default elsewhere.
//
// Torch-free: actors and benchmarks include this without LibTorch.
#ifndef HEM_LEARNER_LEAN_MLP_H_
#define HEM_LEARNER_LEAN_MLP_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"

namespace hem {

class Avx512Dense;

// One linear layer as LibTorch stores it.
struct LeanLayerWeights {
  int inputs = 0;
  int outputs = 0;
  std::vector<float> weight;  // [outputs, inputs], row-major.
  std::vector<float> bias;    // [outputs]
};

// Everything a forward pass needs, as plain arrays.
struct LeanMlpWeights {
  int state_dim = 0;
  int goal_dim = 0;
  // Input normaliser, per part; both vectors empty = that part is used raw.
  // x -> clamp((x - mean) / std, -clip, clip), elementwise in float.
  std::vector<float> state_mean, state_std;
  std::vector<float> goal_mean, goal_std;
  float clip = 0;
  // On [normalised state, normalised goal]; ReLU after every layer but the
  // last (the head: Gaussian mean or logits).
  std::vector<LeanLayerWeights> layers;
};

class LeanMlp {
 public:
  enum class Kernel { kAuto, kAvx512, kBlas };

  // Checks that the shapes chain (errors name the field) and unpacks the
  // weights for `kernel` (kAuto: kAvx512 where supported, else kBlas).
  static absl::StatusOr<std::unique_ptr<LeanMlp>> Create(const LeanMlpWeights& weights,
                                                         Kernel kernel = Kernel::kAuto);

  // head[batch, outputs()] (contiguous rows) for states [batch, state_dim]
  // and goals [batch, goal_dim]. Not thread-safe: uses this object's scratch
  // buffers (grown on the first call with a larger batch, reused after).
  // REQUIRES: batch >= 1; head does not overlap the inputs.
  void Forward(int batch, const float* states, const float* goals, float* head);

  ~LeanMlp();

  int outputs() const { return layers_.back().outputs; }
  Kernel kernel() const { return kernel_; }

 private:
  struct Layer {
    int inputs = 0;
    int outputs = 0;
    std::vector<float> weight;              // kBlas: [outputs, inputs].
    std::vector<float> bias;                // kBlas.
    std::unique_ptr<Avx512Dense> packed;    // kAvx512.
  };

  LeanMlp() = default;
  void Dense(const Layer& layer, const float* x, int batch, bool relu, float* y) const;

  Kernel kernel_ = Kernel::kBlas;
  int state_dim_ = 0;
  int goal_dim_ = 0;
  std::vector<float> state_mean_, state_std_, goal_mean_, goal_std_;
  float clip_ = 0;
  std::vector<Layer> layers_;
  int widest_hidden_ = 0;
  // Scratch: the normalised input rows and two activation buffers.
  std::vector<float> input_, hidden_a_, hidden_b_;
};

}  // namespace hem

#endif  // HEM_LEARNER_LEAN_MLP_H_
