// The Learner: builds the network and its helpers, and runs the M-step loop
// (see learner_loop.h). Each helper does one job in its own file:
//   BatchPrefetcher   batches from the BatchSource, decoded ahead of training
//   WeightPublisher   weight snapshots -> versions -> ParameterService
//   LearnerReporter   metrics.csv, console lines, StatusService metrics
//   LearnerServers    the gRPC and /metrics endpoints
//   LearnerCheckpoints  checkpoints in run_dir/checkpoints
#include "learner/learner_loop.h"

#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <utility>

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/env_catalog.h"
#include "common/grpc_util.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "learner/batch_prefetcher.h"
#include "learner/checkpoint.h"
#include "learner/learner_reporter.h"
#include "learner/learner_servers.h"
#include "learner/m_step.h"
#include "learner/networks.h"
#include "learner/replay_batch_source.h"
#include "learner/training_batch.h"
#include "learner/version_lease.h"
#include "learner/weight_publisher.h"

namespace hem {
namespace {

namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Fit statistics need a device sync; read them every this many updates.
constexpr int kFitEvery = 10;
// The longest the training thread waits for a batch before it looks at the
// stop signals again.
constexpr absl::Duration kPopTimeout = absl::Milliseconds(100);

// The policy `config` asks for (not yet completed with defaults).
hem::v1::PolicyConfig PolicyConfigFor(const LearnerConfig& config,
                                      const hem::v1::EnvSpec& spec) {
  hem::v1::PolicyConfig policy;
  *policy.mutable_spec() = spec;
  for (int h : config.hidden_sizes) policy.add_hidden_sizes(h);
  policy.set_learn_sigma(config.learn_sigma);
  policy.set_initial_sigma(static_cast<float>(config.sigma));
  policy.set_normalize_inputs(config.normalize);
  return policy;
}

std::string ReplayDescription(const LearnerConfig& config) {
  return absl::StrCat("replay shards [", absl::StrJoin(config.replay_addresses, ","), "]");
}

}  // namespace

class Learner::Impl {
 public:
  Impl(LearnerConfig config, hem::v1::EnvSpec spec, torch::Device device,
       PolicyNetwork network, std::unique_ptr<BatchSource> source)
      : config_(std::move(config)),
        spec_(std::move(spec)),
        device_(device),
        network_(std::move(network)),
        m_step_(network_, MStepConfig{config_.learning_rate, config_.max_grad_norm}),
        source_(std::move(source)),
        reporter_(&metrics_, source_.get(), config_.run_dir, config_.report_interval,
                  {{"env", config_.env},
                   {"device", device_.str()},
                   {"replay", absl::StrJoin(config_.replay_addresses, ",")}}) {}

  ~Impl() { Shutdown(); }

  // Restores (with `resume`), serves the initial weights and starts the
  // helper threads.
  absl::Status Start() {
    int64_t restored_version = -1;
    if (!config_.run_dir.empty()) {
      std::error_code error;
      fs::create_directories(config_.run_dir, error);
      if (error) {
        return absl::InvalidArgumentError(absl::StrCat(
            "run_dir: cannot create ", config_.run_dir, ": ", error.message()));
      }
      checkpoints_.emplace((fs::path(config_.run_dir) / "checkpoints").string(),
                           config_.keep_checkpoints);
      if (config_.resume) HEM_RETURN_IF_ERROR(Resume(&restored_version));
    }
    metrics_.SetUpdates(updates_);
    HEM_ASSIGN_OR_RETURN(
        VersionLease lease,
        VersionLease::Open(config_.run_dir.empty()
                               ? std::string()
                               : (fs::path(config_.run_dir) / "version_lease").string(),
                           restored_version));
    HEM_ASSIGN_OR_RETURN(servers_, LearnerServers::Start(
                                       config_, &metrics_, [this](hem::v1::ProcessStatus* s) {
                                         reporter_.FillStatus(s);
                                       }));
    publisher_ = std::make_unique<WeightPublisher>(network_, std::move(lease),
                                                   servers_->parameters(), &metrics_);
    // Actors can start acting with the initial (or restored) weights at once.
    HEM_RETURN_IF_ERROR(publisher_->PublishNow(updates_));
    servers_->SetReady(true);
    prefetcher_ = std::make_unique<BatchPrefetcher>(source_.get(), spec_, device_.is_cuda(),
                                                    config_.prefetch_batches,
                                                    ReplayDescription(config_));
    reporter_.Start();
    return absl::OkStatus();
  }

  // The M-step loop: each relabeled batch (a sample of the E-step's q_h)
  // gets one gradient step on its log-likelihood; every publish_every
  // updates the new policy goes to the actors.
  absl::Status Run(const std::atomic<bool>& stop) {
    absl::Time last_checkpoint = absl::Now();
    absl::Status result;
    while (!stop.load() && !stop_requested_.load() && !BudgetSpent()) {
      const absl::Time start = absl::Now();
      absl::StatusOr<TrainingBatch> batch = prefetcher_->Pop(kPopTimeout);
      if (!batch.ok()) {  // No data yet (or the prefetcher stopped).
        metrics_.RecordWait(absl::Now() - start);
        if (absl::IsCancelled(batch.status())) break;
        continue;
      }
      const absl::Time got = absl::Now();
      result = MStepOn(*batch);
      if (!result.ok()) break;
      const int64_t updates = ++updates_;
      metrics_.RecordUpdate(batch->size, got - start, absl::Now() - got);
      if (updates % config_.publish_every == 0) publisher_->Publish(updates);
      if (CheckpointDue(last_checkpoint)) {
        absl::StatusOr<std::string> path = Checkpoint();
        if (!path.ok()) HEM_LOG(ERROR) << "checkpoint failed: " << path.status();
        last_checkpoint = absl::Now();
      }
    }
    Finish();
    HEM_LOG(INFO) << "learner stopped after " << updates_ << " updates at version "
                  << version()
                  << (result.ok() ? std::string() : absl::StrCat(": ", result.ToString()));
    return result;
  }

  void Stop() { stop_requested_ = true; }

  absl::StatusOr<std::string> Checkpoint() {
    if (!checkpoints_.has_value()) {
      return absl::FailedPreconditionError("run_dir: checkpoints need a run_dir");
    }
    CheckpointState state;
    state.update_count = updates_;
    state.version = version();
    HEM_ASSIGN_OR_RETURN(std::string path,
                         checkpoints_->Write(*network_, m_step_.optimizer(), state));
    HEM_LOG(INFO) << "checkpoint " << path;
    return path;
  }

  int port() const { return servers_->port(); }
  int metrics_port() const { return servers_->metrics_port(); }
  int64_t updates() const { return updates_; }
  int64_t version() const { return servers_->parameters()->latest_version(); }
  const std::string& restored() const { return restored_; }
  LearnerMetrics& metrics() { return metrics_; }
  std::shared_ptr<const hem::v1::PolicyWeights> latest_weights() const {
    return servers_->parameters()->latest();
  }

 private:
  // Loads run_dir's newest valid checkpoint; a run without one starts fresh.
  absl::Status Resume(int64_t* restored_version) {
    absl::StatusOr<RestoredCheckpoint> restored =
        RestoreNewestCheckpoint(checkpoints_->dir(), *network_, m_step_.optimizer());
    if (absl::IsNotFound(restored.status())) {
      HEM_LOG(INFO) << "no checkpoint in " << checkpoints_->dir() << ", starting fresh";
      return absl::OkStatus();
    }
    HEM_RETURN_IF_ERROR(restored.status());
    restored_ = restored->path;
    updates_ = restored->state.update_count;
    *restored_version = restored->state.version;
    HEM_LOG(INFO) << "resumed from " << restored_ << " at update " << updates_
                  << ", version " << *restored_version;
    return absl::OkStatus();
  }

  bool BudgetSpent() const {
    return config_.max_updates > 0 && updates_ >= config_.max_updates;
  }

  bool CheckpointDue(absl::Time last_checkpoint) const {
    return checkpoints_.has_value() && config_.checkpoint_interval > absl::ZeroDuration() &&
           absl::Now() - last_checkpoint >= config_.checkpoint_interval;
  }

  // One M-step on a decoded batch.
  absl::Status MStepOn(const TrainingBatch& cpu_batch) {
    TrainingBatch batch;
    HEM_RETURN_IF_ERROR(CatchTorch("moving a batch to the device", [&] {
      batch = ToDevice(cpu_batch, device_);
      if (config_.normalize) network_->UpdateNormalizer(batch.inputs);
      return absl::OkStatus();
    }));
    const bool fit_due = (updates_ + 1) % kFitEvery == 0;
    HEM_ASSIGN_OR_RETURN(const MStepStats stats,
                         m_step_.Update(batch.inputs, batch.actions, fit_due));
    if (!fit_due) return absl::OkStatus();
    return RecordFit(stats, batch);
  }

  // Loss, entropy, sigma and the data's staleness (syncs with the device).
  absl::Status RecordFit(const MStepStats& stats, const TrainingBatch& batch) {
    return CatchTorch("reading M-step statistics", [&] {
      const double loss = stats.loss.item<double>();
      if (!std::isfinite(loss)) {
        HEM_LOG(WARNING) << "non-finite loss " << loss << " at update " << updates_;
      }
      metrics_.RecordFit(loss, stats.entropy.item<double>(),
                         stats.sigma.defined() ? stats.sigma.item<double>() : kNaN);
      if (batch.policy_versions.defined()) {
        const double newest = static_cast<double>(version());
        const torch::Tensor versions = batch.policy_versions.to(torch::kFloat64);
        metrics_.RecordStaleness(newest - versions.mean().item<double>(),
                                 newest - versions.min().item<double>());
      }
      return absl::OkStatus();
    });
  }

  // After training: the final weights, checkpoint and report, even after an
  // error (what was learned so far is still worth keeping).
  void Finish() {
    prefetcher_->Stop();
    publisher_->Stop();
    std::shared_ptr<const hem::v1::PolicyWeights> latest = latest_weights();
    if (latest == nullptr || latest->update_count() != updates_) {
      absl::Status status = publisher_->PublishNow(updates_);
      if (!status.ok()) HEM_LOG(ERROR) << "final publish failed: " << status;
    }
    if (checkpoints_.has_value()) {
      absl::StatusOr<std::string> path = Checkpoint();
      if (!path.ok()) HEM_LOG(ERROR) << "final checkpoint failed: " << path.status();
    }
    reporter_.Stop();
    reporter_.WriteReport();  // The last row covers the whole final interval.
  }

  void Shutdown() {
    if (prefetcher_ != nullptr) prefetcher_->Stop();
    if (publisher_ != nullptr) publisher_->Stop();
    reporter_.Stop();
    if (servers_ != nullptr) servers_->Shutdown();
  }

  const LearnerConfig config_;
  const hem::v1::EnvSpec spec_;
  const torch::Device device_;
  PolicyNetwork network_;  // Updated by the training thread only.
  MStep m_step_;  // Training thread only (and Checkpoint outside Run).
  const std::unique_ptr<BatchSource> source_;
  LearnerMetrics metrics_;
  LearnerReporter reporter_;
  std::optional<LearnerCheckpoints> checkpoints_;  // With a run_dir.
  std::unique_ptr<LearnerServers> servers_;
  std::unique_ptr<WeightPublisher> publisher_;
  std::unique_ptr<BatchPrefetcher> prefetcher_;
  std::string restored_;  // Set before Create returns.
  std::atomic<int64_t> updates_{0};
  std::atomic<bool> stop_requested_{false};
};

absl::StatusOr<std::unique_ptr<Learner>> Learner::Create(
    LearnerConfig config, std::unique_ptr<BatchSource> source) {
  HEM_RETURN_IF_ERROR(ValidateLearnerConfig(config));
  if (source == nullptr) return absl::InvalidArgumentError("source: null");
  HEM_ASSIGN_OR_RETURN(hem::v1::EnvSpec spec, MakeEnvSpec(config.env));
  HEM_ASSIGN_OR_RETURN(const hem::v1::PolicyConfig policy,
                       CompletePolicyConfig(PolicyConfigFor(config, spec)));
  HEM_ASSIGN_OR_RETURN(const torch::Device device, ParseDevice(config.device));
  SetTorchThreads(config.torch_threads, config.torch_interop_threads);
  HEM_ASSIGN_OR_RETURN(PolicyNetwork network, MakePolicyNetwork(policy, config.seed));
  HEM_RETURN_IF_ERROR(CatchTorch("moving the network to the device", [&] {
    network->to(device);
    return absl::OkStatus();
  }));
  HEM_LOG(INFO) << "learner: env " << config.env << ", device " << device.str()
                << ", hidden " << absl::StrJoin(config.hidden_sizes, ",") << ", batch "
                << config.batch_size << ", torch threads " << config.torch_threads;
  auto impl = std::make_unique<Impl>(std::move(config), std::move(spec), device,
                                     std::move(network), std::move(source));
  HEM_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<Learner>(new Learner(std::move(impl)));
}

Learner::Learner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Learner::~Learner() = default;
absl::Status Learner::Run(const std::atomic<bool>& stop) { return impl_->Run(stop); }
absl::Status Learner::Run() {
  static const std::atomic<bool> kNever(false);
  return impl_->Run(kNever);
}
void Learner::Stop() { impl_->Stop(); }
int Learner::port() const { return impl_->port(); }
int Learner::metrics_port() const { return impl_->metrics_port(); }
int64_t Learner::updates() const { return impl_->updates(); }
int64_t Learner::version() const { return impl_->version(); }
std::string Learner::restored_checkpoint() const { return impl_->restored(); }
LearnerMetrics& Learner::metrics() { return impl_->metrics(); }
std::shared_ptr<const hem::v1::PolicyWeights> Learner::latest_weights() const {
  return impl_->latest_weights();
}
absl::StatusOr<std::string> Learner::Checkpoint() { return impl_->Checkpoint(); }

absl::Status RunLearner(const LearnerConfig& config, const std::atomic<bool>& stop) {
  HEM_RETURN_IF_ERROR(ValidateLearnerConfig(config));
  HEM_ASSIGN_OR_RETURN(const hem::v1::EnvSpec spec, MakeEnvSpec(config.env));
  HEM_ASSIGN_OR_RETURN(std::unique_ptr<BatchSource> source,
                       MakeReplayBatchSource(config, spec.spec_id()));
  HEM_ASSIGN_OR_RETURN(std::unique_ptr<Learner> learner,
                       Learner::Create(config, std::move(source)));
  HEM_LOG(INFO) << "learner ready: parameter service on "
                << ListenAddress(learner->port(), config.bind_all)
                << (learner->metrics_port() >= 0
                        ? absl::StrCat(", /metrics on port ", learner->metrics_port())
                        : std::string())
                << ", replay shards " << absl::StrJoin(config.replay_addresses, ",");
  return learner->Run(stop);
}

}  // namespace hem
