// The framework-free MLP forward pass (see lean_mlp.h).
#include "learner/lean_mlp.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "learner/lean_mlp_avx512.h"

namespace hem {
namespace {

absl::Status CheckNormalizer(const std::vector<float>& mean, const std::vector<float>& std,
                             int dim, const char* field) {
  if (mean.empty() && std.empty()) return absl::OkStatus();
  if (static_cast<int>(mean.size()) != dim || static_cast<int>(std.size()) != dim) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": mean and std must both have ",
                                                   dim, " entries or none"));
  }
  for (float s : std) {
    if (!(s > 0) || !std::isfinite(s)) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": std ", s, " is not positive"));
    }
  }
  return absl::OkStatus();
}

// Writes x, normalised when `mean` is not empty, as `dim` floats at `out`.
void NormalizeRow(const float* x, int dim, const std::vector<float>& mean,
                  const std::vector<float>& std, float clip, float* out) {
  if (mean.empty()) {
    std::copy(x, x + dim, out);
    return;
  }
  for (int i = 0; i < dim; ++i) {
    // The same float operations as LibTorch's ((x - mean) / std).clamp(...).
    out[i] = std::min(std::max((x[i] - mean[i]) / std[i], -clip), clip);
  }
}

}  // namespace

LeanMlp::~LeanMlp() = default;

absl::StatusOr<std::unique_ptr<LeanMlp>> LeanMlp::Create(const LeanMlpWeights& weights,
                                                         Kernel kernel) {
  if (weights.state_dim <= 0 || weights.goal_dim < 0) {
    return absl::InvalidArgumentError(absl::StrCat("weights.state_dim: ", weights.state_dim,
                                                   " must be >= 1 (goal_dim >= 0)"));
  }
  if (weights.layers.empty()) {
    return absl::InvalidArgumentError("weights.layers: empty");
  }
  absl::Status status = CheckNormalizer(weights.state_mean, weights.state_std,
                                        weights.state_dim, "weights.state_mean");
  if (!status.ok()) return status;
  status = CheckNormalizer(weights.goal_mean, weights.goal_std, weights.goal_dim,
                           "weights.goal_mean");
  if (!status.ok()) return status;
  if (kernel == Kernel::kAuto) {
    kernel = Avx512Supported() ? Kernel::kAvx512 : Kernel::kBlas;
  } else if (kernel == Kernel::kAvx512 && !Avx512Supported()) {
    return absl::FailedPreconditionError("kernel: this CPU has no AVX-512F");
  }

  auto mlp = std::unique_ptr<LeanMlp>(new LeanMlp());
  mlp->kernel_ = kernel;
  mlp->state_dim_ = weights.state_dim;
  mlp->goal_dim_ = weights.goal_dim;
  mlp->state_mean_ = weights.state_mean;
  mlp->state_std_ = weights.state_std;
  mlp->goal_mean_ = weights.goal_mean;
  mlp->goal_std_ = weights.goal_std;
  mlp->clip_ = weights.clip;
  int width = weights.state_dim + weights.goal_dim;
  for (size_t l = 0; l < weights.layers.size(); ++l) {
    const LeanLayerWeights& in = weights.layers[l];
    if (in.inputs != width || in.outputs <= 0 ||
        in.weight.size() != static_cast<size_t>(in.inputs) * in.outputs ||
        in.bias.size() != static_cast<size_t>(in.outputs)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "weights.layers[", l, "]: expected ", width, " inputs and weight [outputs, ", width,
          "], bias [outputs]; got inputs ", in.inputs, ", outputs ", in.outputs, ", ",
          in.weight.size(), " weights, ", in.bias.size(), " biases"));
    }
    Layer layer;
    layer.inputs = in.inputs;
    layer.outputs = in.outputs;
    if (kernel == Kernel::kAvx512) {
      layer.packed = std::make_unique<Avx512Dense>(in.weight.data(), in.bias.data(),
                                                   in.inputs, in.outputs);
    } else {
      layer.weight = in.weight;
      layer.bias = in.bias;
    }
    if (l + 1 < weights.layers.size()) {
      mlp->widest_hidden_ = std::max(mlp->widest_hidden_, in.outputs);
    }
    width = in.outputs;
    mlp->layers_.push_back(std::move(layer));
  }
  return mlp;
}

void LeanMlp::Dense(const Layer& layer, const float* x, int batch, bool relu,
                    float* y) const {
  if (layer.packed != nullptr) {
    layer.packed->Forward(x, layer.inputs, batch, relu, y, layer.outputs);
    return;
  }
  // x W^T with W as LibTorch stores it: the call LibTorch's Linear makes, so
  // the two differ only by the framework around it.
  const int n = layer.outputs;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, n, layer.inputs, 1.0f, x,
              layer.inputs, layer.weight.data(), layer.inputs, 0.0f, y, n);
  const float* bias = layer.bias.data();
  for (int r = 0; r < batch; ++r) {
    float* row = y + static_cast<size_t>(r) * n;
    if (relu) {
      for (int j = 0; j < n; ++j) row[j] = std::max(row[j] + bias[j], 0.0f);
    } else {
      for (int j = 0; j < n; ++j) row[j] += bias[j];
    }
  }
}

void LeanMlp::Forward(int batch, const float* states, const float* goals, float* head) {
  const int width = state_dim_ + goal_dim_;
  const size_t rows = static_cast<size_t>(batch);
  if (input_.size() < rows * width) input_.resize(rows * width);
  if (hidden_a_.size() < rows * widest_hidden_) {
    hidden_a_.resize(rows * widest_hidden_);
    hidden_b_.resize(rows * widest_hidden_);
  }
  for (size_t r = 0; r < rows; ++r) {
    float* row = input_.data() + r * width;
    NormalizeRow(states + r * state_dim_, state_dim_, state_mean_, state_std_, clip_, row);
    NormalizeRow(goals + r * goal_dim_, goal_dim_, goal_mean_, goal_std_, clip_,
                 row + state_dim_);
  }
  const float* x = input_.data();
  float* buffers[2] = {hidden_a_.data(), hidden_b_.data()};
  for (size_t l = 0; l < layers_.size(); ++l) {
    const bool last = l + 1 == layers_.size();
    float* y = last ? head : buffers[l % 2];
    Dense(layers_[l], x, batch, /*relu=*/!last, y);
    x = y;
  }
}

}  // namespace hem
