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
#include "learner/weights_archive.h"

namespace hem {
namespace {

constexpr double kLog2Pi = 1.8378770664093453;  // log(2 pi)

bool IsImage(const hem::v1::TensorSpec& spec) {
  return spec.dtype() == hem::v1::DTYPE_UINT8;
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
  if (!hem::v1::Algorithm_IsValid(config.algorithm())) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy_config.algorithm: unknown value ", config.algorithm()));
  }
  const bool discrete = IsDiscrete(config.spec());
  if ((config.algorithm() == hem::v1::ALGORITHM_DDPG_HER && discrete) ||
      (config.algorithm() == hem::v1::ALGORITHM_DQN_HER && !discrete)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy_config.algorithm: ", hem::v1::Algorithm_Name(config.algorithm()),
        " does not fit ", discrete ? "discrete" : "continuous", " actions"));
  }
  if (!(config.exploration_noise() >= 0) || !std::isfinite(config.exploration_noise())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy_config.exploration_noise: ", config.exploration_noise(), " must be >= 0"));
  }
  if (!(config.random_action_probability() >= 0 && config.random_action_probability() <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy_config.random_action_probability: ",
                     config.random_action_probability(), " not in [0, 1]"));
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
    // One encoder, padded for one width, reads both.
    if (IsImage(config.spec().observation()) &&
        config.spec().goal_observation().shape(0) != config.spec().observation().shape(0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "policy_config.spec.goal_observation: width ", config.spec().goal_observation().shape(0),
          " differs from the observation's ", config.spec().observation().shape(0)));
    }
  }
  return config;
}

PolicyNetworkImpl::PolicyNetworkImpl(const hem::v1::PolicyConfig& config)
    : config_(config),
      discrete_(IsDiscrete(config.spec())),
      features_(*this, config) {
  const hem::v1::EnvSpec& spec = config.spec();
  torch::nn::Sequential mlp;
  int64_t width = features_.size();
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
    if (config.censored_likelihood()) {
      const auto& box = spec.action_space().box();
      low_ = torch::tensor(std::vector<float>(box.low().begin(), box.low().end()));
      high_ = torch::tensor(std::vector<float>(box.high().begin(), box.high().end()));
    }
  }
}

torch::Tensor PolicyNetworkImpl::Forward(const NetworkInputs& inputs) {
  return mlp_->forward(features_.Forward(inputs));
}

torch::Tensor PolicyNetworkImpl::LogProb(const torch::Tensor& head,
                                         const torch::Tensor& actions) {
  if (discrete_) {
    torch::Tensor index = actions.to(torch::kLong).reshape({-1, 1});
    return torch::log_softmax(head, /*dim=*/1).gather(1, index).squeeze(1);
  }
  torch::Tensor log_sigma = log_sigma_.clamp(kMinLogSigma, kMaxLogSigma);
  torch::Tensor inv_sigma = torch::exp(-log_sigma);
  torch::Tensor z = (actions - head) * inv_sigma;
  torch::Tensor log_density = -0.5 * z * z - log_sigma - 0.5 * kLog2Pi;
  if (!low_.defined()) return log_density.sum(1);
  // Actors clamp to the bound exactly, so equality marks a clipped action.
  if (low_.device() != head.device()) {
    low_ = low_.to(head.device());
    high_ = high_.to(head.device());
  }
  torch::Tensor above = torch::special::log_ndtr((head - high_) * inv_sigma);
  torch::Tensor below = torch::special::log_ndtr((low_ - head) * inv_sigma);
  return torch::where(actions >= high_, above, torch::where(actions <= low_, below, log_density))
      .sum(1);
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

void WithTorchSeed(uint64_t seed, const std::function<void()>& make) {
  absl::MutexLock lock(&seed_mu);
  torch::manual_seed(seed);
  make();
}

absl::StatusOr<PolicyNetwork> MakePolicyNetwork(
    const hem::v1::PolicyConfig& config, uint64_t seed) {
  return MakeSeeded<PolicyNetwork>("creating the policy network", seed,
                                   [&] { return PolicyNetwork(config); });
}

std::vector<NamedTensor> SnapshotNetwork(torch::nn::Module& network) {
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

absl::StatusOr<std::string> SerializeNetwork(torch::nn::Module& network) {
  std::vector<NamedTensor> tensors;
  absl::Status status = CatchTorch("copying the policy", [&] {
    tensors = SnapshotNetwork(network);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return SerializeTensors(tensors);
}

absl::Status LoadNetwork(absl::string_view bytes, torch::nn::Module& network) {
  if (bytes.empty()) {
    return absl::InvalidArgumentError("weights: empty");
  }
  // LibTorch's readers only ever see an archive this process wrote, carrying
  // the received tensor data (weights_archive.h).
  absl::StatusOr<std::string> reference = SerializeNetwork(network);
  if (!reference.ok()) return reference.status();
  absl::StatusOr<std::string> checked = RebaseWeightsArchive(bytes, *reference);
  if (!checked.ok()) return checked.status();
  return CatchTorch("loading the policy weights", [&]() -> absl::Status {
    torch::serialize::InputArchive archive;
    archive.load_from(checked->data(), checked->size(), torch::Device(torch::kCPU));
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
      if (value.is_floating_point() && !torch::isfinite(value).all().item<bool>()) {
        return absl::InvalidArgumentError(
            absl::StrCat("weights: tensor '", name, "' has non-finite values"));
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

void FlushDenormalsOnThisThread() { at::globalContext().setFlushDenormal(true); }

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
