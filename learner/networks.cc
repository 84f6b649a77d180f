// The policy network's modules and (de)serialisation (see networks.h).
#include "learner/networks.h"

#include <cmath>
#include <dlfcn.h>

#include <cstring>
#include <mutex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/env_spec_util.h"
#include "common/tensor_codec.h"

namespace hem {
namespace {

constexpr double kLog2Pi = 1.8378770664093453;  // log(2 pi)
// Normaliser std floor: a coordinate that never varies (a bit that is always
// 0 so far) must not be blown up by 1/sqrt(0).
constexpr double kMinStd = 1e-2;

struct ConvLayer {
  int channels, kernel, stride;
};
// The paper's encoder (Appendix C.2).
constexpr ConvLayer kEncoder[] = {{32, 8, 4}, {64, 4, 2}, {64, 3, 2}};

// Spatial size after the encoder for a width x width input; <= 0 if too small.
int EncodedWidth(int width) {
  for (const ConvLayer& layer : kEncoder) {
    if (width < layer.kernel) return 0;
    width = (width - layer.kernel) / layer.stride + 1;
  }
  return width;
}

bool IsImage(const hem::v1::TensorSpec& spec) {
  return spec.dtype() == hem::v1::DTYPE_UINT8;
}

absl::Status CheckImageSpec(const hem::v1::TensorSpec& spec,
                            absl::string_view field) {
  if (spec.shape_size() != 3 || spec.shape(2) != 3 ||
      spec.shape(0) != spec.shape(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": image tensors must be uint8 [w, w, 3], got rank ",
        spec.shape_size()));
  }
  if (EncodedWidth(static_cast<int>(spec.shape(0))) <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": image width ", spec.shape(0),
                     " is too small for the encoder (>= 36)"));
  }
  return absl::OkStatus();
}

// Deterministic initialisation needs the global torch seed; creating two
// networks at once from different threads must not interleave.
absl::Mutex seed_mu(absl::kConstInit);

}  // namespace

absl::StatusOr<hem::v1::PolicyConfig> CompletePolicyConfig(
    hem::v1::PolicyConfig config) {
  if (!config.has_spec()) {
    return absl::InvalidArgumentError("policy_config.spec: missing");
  }
  absl::Status spec_status = ValidateEnvSpec(config.spec());
  if (!spec_status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy_config.", spec_status.message()));
  }
  if (config.hidden_sizes_size() == 0) {
    for (int width : {256, 256, 256}) config.add_hidden_sizes(width);
  }
  for (int width : config.hidden_sizes()) {
    if (width <= 0 || width > 1 << 16) {
      return absl::InvalidArgumentError(absl::StrCat(
          "policy_config.hidden_sizes: width ", width, " not in [1, 65536]"));
    }
  }
  if (config.initial_sigma() == 0) config.set_initial_sigma(0.5f);
  const double sigma = config.initial_sigma();
  if (!std::isfinite(sigma) || sigma <= 0 || std::log(sigma) < kMinLogSigma ||
      std::log(sigma) > kMaxLogSigma) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy_config.initial_sigma: ", sigma, " not in [exp(", kMinLogSigma,
        "), exp(", kMaxLogSigma, ")]"));
  }
  if (IsImage(config.spec().observation())) {
    absl::Status status =
        CheckImageSpec(config.spec().observation(), "policy_config.spec.observation");
    if (!status.ok()) return status;
  }
  if (config.spec().has_goal_observation()) {
    absl::Status status = CheckImageSpec(config.spec().goal_observation(),
                                         "policy_config.spec.goal_observation");
    if (!status.ok()) return status;
  }
  return config;
}

PolicyNetworkImpl::PolicyNetworkImpl(const hem::v1::PolicyConfig& config)
    : config_(config),
      discrete_(IsDiscrete(config.spec())),
      image_observations_(IsImage(config.spec().observation())),
      image_goals_(config.spec().has_goal_observation()) {
  const hem::v1::EnvSpec& spec = config.spec();
  int64_t features = 0;
  if (image_observations_ || image_goals_) {
    torch::nn::Sequential encoder;
    int in_channels = 3;
    for (const ConvLayer& layer : kEncoder) {
      encoder->push_back(torch::nn::Conv2d(
          torch::nn::Conv2dOptions(in_channels, layer.channels, layer.kernel)
              .stride(layer.stride)));
      encoder->push_back(torch::nn::ReLU());
      in_channels = layer.channels;
    }
    encoder->push_back(torch::nn::Flatten());
    encoder_ = register_module("encoder", encoder);
  }
  auto encoded_size = [](const hem::v1::TensorSpec& image) {
    const int w = EncodedWidth(static_cast<int>(image.shape(0)));
    return static_cast<int64_t>(kEncoder[2].channels) * w * w;
  };
  features += image_observations_ ? encoded_size(spec.observation())
                                  : ObservationSize(spec);
  features += image_goals_ ? encoded_size(spec.goal_observation()) : spec.goal_dim();

  torch::nn::Sequential mlp;
  int64_t width = features;
  for (int hidden : config.hidden_sizes()) {
    mlp->push_back(torch::nn::Linear(width, hidden));
    mlp->push_back(torch::nn::ReLU());
    width = hidden;
  }
  const int64_t outputs = discrete_ ? NumDiscreteActions(spec) : ActionDim(spec);
  mlp->push_back(torch::nn::Linear(width, outputs));
  mlp_ = register_module("mlp", mlp);

  if (!discrete_) {
    torch::Tensor log_sigma =
        torch::full({outputs}, std::log(static_cast<double>(config.initial_sigma())));
    log_sigma_ = config.learn_sigma() ? register_parameter("log_sigma", log_sigma)
                                      : register_buffer("log_sigma", log_sigma);
  }
  if (config.normalize_inputs()) {
    norm_count_ = register_buffer("norm_count", torch::zeros({}, torch::kFloat64));
    if (!image_observations_) {
      obs_mean_ = register_buffer("obs_mean", torch::zeros({ObservationSize(spec)}));
      obs_var_ = register_buffer("obs_var", torch::ones({ObservationSize(spec)}));
    }
    if (!image_goals_) {
      goal_mean_ = register_buffer("goal_mean", torch::zeros({spec.goal_dim()}));
      goal_var_ = register_buffer("goal_var", torch::ones({spec.goal_dim()}));
    }
  }
}

torch::Tensor PolicyNetworkImpl::Encode(const torch::Tensor& images) {
  // uint8 HWC -> float CHW in [0, 1].
  torch::Tensor x = images.permute({0, 3, 1, 2}).to(torch::kFloat32).div_(255.0);
  return encoder_->forward(x);
}

torch::Tensor PolicyNetworkImpl::Normalize(const torch::Tensor& x,
                                           const torch::Tensor& mean,
                                           const torch::Tensor& var) {
  if (!mean.defined()) return x;
  torch::Tensor std = var.clamp_min(kMinStd * kMinStd).sqrt();
  return ((x - mean) / std).clamp(-kNormClip, kNormClip);
}

torch::Tensor PolicyNetworkImpl::Forward(const NetworkInputs& inputs) {
  torch::Tensor state = image_observations_
                            ? Encode(inputs.observations)
                            : Normalize(inputs.observations, obs_mean_, obs_var_);
  torch::Tensor goal = image_goals_ ? Encode(inputs.goal_images)
                                    : Normalize(inputs.goals, goal_mean_, goal_var_);
  return mlp_->forward(torch::cat({state, goal}, /*dim=*/1));
}

torch::Tensor PolicyNetworkImpl::LogProb(const torch::Tensor& head,
                                         const torch::Tensor& actions) {
  if (discrete_) {
    torch::Tensor index = actions.to(torch::kLong).reshape({-1, 1});
    return torch::log_softmax(head, /*dim=*/1).gather(1, index).squeeze(1);
  }
  torch::Tensor log_sigma = log_sigma_.clamp(kMinLogSigma, kMaxLogSigma);
  torch::Tensor z = (actions - head) * torch::exp(-log_sigma);
  return (-0.5 * z * z - log_sigma - 0.5 * kLog2Pi).sum(1);
}

torch::Tensor PolicyNetworkImpl::Entropy(const torch::Tensor& head) {
  if (discrete_) {
    torch::Tensor log_p = torch::log_softmax(head, /*dim=*/1);
    return -(log_p.exp() * log_p).sum(1);
  }
  torch::Tensor log_sigma = log_sigma_.clamp(kMinLogSigma, kMaxLogSigma);
  return (0.5 + 0.5 * kLog2Pi + log_sigma).sum().expand({head.size(0)});
}

torch::Tensor PolicyNetworkImpl::Sigma() {
  if (discrete_) return torch::Tensor();
  return log_sigma_.clamp(kMinLogSigma, kMaxLogSigma).exp();
}

void PolicyNetworkImpl::MergeMoments(const torch::Tensor& x,
                                     const torch::Tensor& count,
                                     torch::Tensor& mean, torch::Tensor& var) {
  const double n_old = count.item<double>();
  const double n_new = static_cast<double>(x.size(0));
  const double n = n_old + n_new;
  torch::Tensor x64 = x.to(torch::kFloat64);
  torch::Tensor batch_mean = x64.mean(0);
  torch::Tensor batch_var = x64.var(0, /*unbiased=*/false);
  torch::Tensor old_mean = mean.to(torch::kFloat64);
  torch::Tensor delta = batch_mean - old_mean;
  torch::Tensor m2 = var.to(torch::kFloat64) * n_old + batch_var * n_new +
                     delta * delta * (n_old * n_new / n);
  mean.copy_(old_mean + delta * (n_new / n));
  var.copy_(m2 / n);
}

void PolicyNetworkImpl::UpdateNormalizer(const NetworkInputs& inputs) {
  if (!norm_count_.defined() || inputs.goals.size(0) == 0) return;
  torch::NoGradGuard no_grad;
  if (obs_mean_.defined()) {
    MergeMoments(inputs.observations, norm_count_, obs_mean_, obs_var_);
  }
  if (goal_mean_.defined()) {
    MergeMoments(inputs.goals, norm_count_, goal_mean_, goal_var_);
  }
  norm_count_.add_(static_cast<double>(inputs.goals.size(0)));
}

absl::StatusOr<PolicyNetwork> MakePolicyNetwork(
    const hem::v1::PolicyConfig& config, uint64_t seed) {
  PolicyNetwork network{nullptr};
  absl::Status status = CatchTorch("creating the policy network", [&] {
    absl::MutexLock lock(&seed_mu);
    torch::manual_seed(seed);
    network = PolicyNetwork(config);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return network;
}

std::vector<NamedTensor> SnapshotNetwork(PolicyNetworkImpl& network) {
  torch::NoGradGuard no_grad;
  std::vector<NamedTensor> tensors;
  for (const auto& item : network.named_parameters(/*recurse=*/true)) {
    tensors.push_back({item.key(), item.value().detach().to(torch::kCPU, false, true), false});
  }
  for (const auto& item : network.named_buffers(/*recurse=*/true)) {
    tensors.push_back({item.key(), item.value().to(torch::kCPU, false, true), true});
  }
  return tensors;
}

absl::StatusOr<std::string> SerializeTensors(const std::vector<NamedTensor>& tensors) {
  std::string bytes;
  absl::Status status = CatchTorch("serialising the policy", [&] {
    torch::serialize::OutputArchive archive;
    for (const NamedTensor& t : tensors) archive.write(t.name, t.tensor, t.is_buffer);
    std::ostringstream stream;
    archive.save_to(stream);
    bytes = stream.str();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return bytes;
}

absl::StatusOr<std::string> SerializeNetwork(PolicyNetworkImpl& network) {
  std::vector<NamedTensor> tensors;
  absl::Status status = CatchTorch("copying the policy", [&] {
    tensors = SnapshotNetwork(network);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return SerializeTensors(tensors);
}

absl::Status LoadNetwork(absl::string_view bytes, PolicyNetworkImpl& network) {
  if (bytes.empty()) {
    return absl::InvalidArgumentError("weights: empty");
  }
  return CatchTorch("loading the policy weights", [&]() -> absl::Status {
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data(), bytes.size(), torch::Device(torch::kCPU));
    std::vector<std::pair<torch::Tensor, torch::Tensor>> assignments;
    auto collect = [&](const std::string& name,
                       const torch::Tensor& target) -> absl::Status {
      torch::Tensor value;
      if (!archive.try_read(name, value)) {
        return absl::InvalidArgumentError(
            absl::StrCat("weights: tensor '", name, "' missing (another network?)"));
      }
      if (value.scalar_type() != target.scalar_type() ||
          value.sizes() != target.sizes()) {
        std::ostringstream message;
        message << "weights: tensor '" << name << "' is " << value.scalar_type()
                << value.sizes() << ", the network expects "
                << target.scalar_type() << target.sizes();
        return absl::InvalidArgumentError(message.str());
      }
      assignments.emplace_back(target, value);
      return absl::OkStatus();
    };
    for (const auto& item : network.named_parameters(/*recurse=*/true)) {
      absl::Status status = collect(item.key(), item.value());
      if (!status.ok()) return status;
    }
    for (const auto& item : network.named_buffers(/*recurse=*/true)) {
      absl::Status status = collect(item.key(), item.value());
      if (!status.ok()) return status;
    }
    torch::NoGradGuard no_grad;
    for (auto& [target, value] : assignments) target.copy_(value);
    return absl::OkStatus();
  });
}

void SetTorchThreads(int intra_op, int inter_op) {
  at::set_num_threads(intra_op);
  // Looked up at run time: present with Debian's OpenBLAS-backed LibTorch,
  // absent (and unnecessary) with MKL builds.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set(intra_op);
  }
  static std::once_flag once;
  std::call_once(once, [inter_op] {
    try {
      at::set_num_interop_threads(inter_op);
    } catch (const c10::Error&) {
      // Already fixed by earlier torch work in this process; harmless.
    }
  });
}

absl::StatusOr<torch::Device> ParseDevice(absl::string_view name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  const bool cuda = torch::cuda::is_available();
  if (name == "auto") return cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  if (name == "cuda") {
    if (!cuda) {
      return absl::FailedPreconditionError(
          "--device=cuda: CUDA is not available (CPU-only LibTorch or no GPU); "
          "use --device=cpu or auto");
    }
    return torch::Device(torch::kCUDA);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--device: '", name, "' is not one of auto, cpu, cuda"));
}

absl::StatusOr<torch::Tensor> TensorFromProto(const hem::v1::Tensor& tensor,
                                              absl::string_view field) {
  absl::Status status = ValidateTensor(tensor, field);
  if (!status.ok()) return status;
  torch::ScalarType type;
  switch (tensor.dtype()) {
    case hem::v1::DTYPE_FLOAT32: type = torch::kFloat32; break;
    case hem::v1::DTYPE_UINT8: type = torch::kUInt8; break;
    case hem::v1::DTYPE_INT32: type = torch::kInt32; break;
    case hem::v1::DTYPE_INT64: type = torch::kInt64; break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(field, ": unsupported dtype"));
  }
  std::vector<int64_t> shape(tensor.shape().begin(), tensor.shape().end());
  torch::Tensor result;
  status = CatchTorch(field, [&] {
    result = torch::empty(shape, torch::TensorOptions().dtype(type));
    if (!tensor.data().empty()) {
      std::memcpy(result.data_ptr(), tensor.data().data(), tensor.data().size());
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

}  // namespace hem
