// The Learner: builds the algorithm and its helpers, and runs the training
// loop (see learner_loop.h). Each helper does one job in its own file:
//   Algorithm         hEM's M-step or HER's DDPG/DQN update (algorithm.h)
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
#include "common/rendezvous.h"
#include "common/status_macros.h"
#include "learner/algorithm.h"
#include "learner/batch_prefetcher.h"
#include "learner/checkpoint.h"
#include "learner/learner_reporter.h"
#include "learner/learner_servers.h"
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

std::string ReplayDescription(const LearnerConfig& config) {
  return absl::StrCat("replay shards [", absl::StrJoin(config.replay_addresses, ","), "]");
}

}  // namespace

class Learner::Impl {
 public:
  Impl(LearnerConfig config, hem::v1::EnvSpec spec, torch::Device device,
       std::unique_ptr<Algorithm> algorithm, std::unique_ptr<BatchSource> source)
      : config_(std::move(config)),
        spec_(std::move(spec)),
        device_(device),
        algorithm_(std::move(algorithm)),
        source_(std::move(source)),
        reporter_(&metrics_, source_.get(), config_.run_dir, config_.report_interval,
                  {{"env", config_.env},
                   {"algo", std::string(LearnerAlgorithmName(config_.algo))},
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
    publisher_ = std::make_unique<WeightPublisher>(algorithm_->acting_network(), std::move(lease),
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

  // The training loop: each relabeled batch (for hEM a sample of the
  // E-step's q_h) gets one update of the algorithm (hEM: one gradient step
  // on its log-likelihood); every publish_every updates the new policy goes
  // to the actors.
  absl::Status Run(const std::atomic<bool>& stop) {
    // On this thread, which runs the M-step: flush denormal floats to zero.
    // Adam's second moments of tiny gradients drift below 1.2e-38 as a run
    // goes on, and each x86 operation on a denormal takes ~100 cycles.
    FlushDenormalsOnThisThread();
    absl::Time last_checkpoint = absl::Now();
    absl::Status result;
    LearnerMetrics::UpdatePhases& phases = metrics_.phases();
    absl::Time waiting_since = absl::Now();  // The end of the last update.
    while (!stop.load() && !stop_requested_.load() && !BudgetSpent()) {
      const absl::Time start = absl::Now();
      absl::StatusOr<TrainingBatch> batch = prefetcher_->Pop(kPopTimeout);
      if (!batch.ok()) {  // No data yet (or the prefetcher stopped).
        metrics_.RecordWait(absl::Now() - start);
        if (absl::IsCancelled(batch.status())) break;
        continue;
      }
      const absl::Time got = absl::Now();
      phases.wait.Observe(got - waiting_since);
      result = TrainOn(*batch);
      if (!result.ok()) break;
      const int64_t updates = ++updates_;
      metrics_.RecordUpdate(batch->size, got - start, absl::Now() - got);
      if (updates % config_.publish_every == 0) {
        const absl::Time publish = absl::Now();
        publisher_->Publish(updates);
        phases.publish.Observe(absl::Now() - publish);
      }
      if (CheckpointDue(last_checkpoint)) {
        absl::StatusOr<std::string> path = Checkpoint();
        if (!path.ok()) HEM_LOG(ERROR) << "checkpoint failed: " << path.status();
        last_checkpoint = absl::Now();
      }
      waiting_since = absl::Now();
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
                         checkpoints_->Write(algorithm_->checkpoint_parts(), state));
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
        RestoreNewestCheckpoint(checkpoints_->dir(), algorithm_->checkpoint_parts());
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

  // One update of the algorithm on a decoded batch.
  absl::Status TrainOn(const TrainingBatch& cpu_batch) {
    TrainingBatch batch;
    const absl::Time copy = absl::Now();
    HEM_RETURN_IF_ERROR(CatchTorch("moving a batch to the device", [&] {
      batch = ToDevice(cpu_batch, device_);
      return absl::OkStatus();
    }));
    const absl::Time train = absl::Now();
    const bool fit_due = (updates_ + 1) % kFitEvery == 0;
    HEM_ASSIGN_OR_RETURN(const UpdateStats stats, algorithm_->Train(batch, fit_due));
    LearnerMetrics::UpdatePhases& phases = metrics_.phases();
    phases.to_device.Observe(train - copy);
    phases.forward_backward.Observe(absl::Now() - train - stats.optimizer_time);
    phases.optimizer.Observe(stats.optimizer_time);
    if (!fit_due) return absl::OkStatus();
    return RecordFit(stats, batch);
  }

  // Loss, the algorithm's other fit figures and the data's staleness (syncs
  // with the device).
  absl::Status RecordFit(const UpdateStats& stats, const TrainingBatch& batch) {
    return CatchTorch("reading update statistics", [&] {
      auto value = [](const torch::Tensor& t) { return t.defined() ? t.item<double>() : kNaN; };
      const double loss = stats.loss.item<double>();
      if (!std::isfinite(loss)) {
        HEM_LOG(WARNING) << "non-finite loss " << loss << " at update " << updates_;
      }
      metrics_.RecordFit(loss, value(stats.entropy), value(stats.sigma));
      metrics_.RecordValueFit(value(stats.actor_loss), value(stats.mean_q));
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
  // Training thread only (and Checkpoint outside Run).
  const std::unique_ptr<Algorithm> algorithm_;
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
  HEM_ASSIGN_OR_RETURN(const torch::Device device, ParseDevice(config.device));
  SetTorchThreads(config.torch_threads, config.torch_interop_threads);
  HEM_ASSIGN_OR_RETURN(std::unique_ptr<Algorithm> algorithm,
                       MakeAlgorithm(config, spec, device));
  HEM_LOG(INFO) << "learner: "
                << hem::v1::Algorithm_Name(algorithm->acting_network()->config().algorithm())
                << ", env " << config.env << ", device " << device.str()
                << ", hidden " << absl::StrJoin(config.hidden_sizes, ",") << ", batch "
                << config.batch_size << ", torch threads " << config.torch_threads;
  auto impl = std::make_unique<Impl>(std::move(config), std::move(spec), device,
                                     std::move(algorithm), std::move(source));
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
  LearnerConfig resolved = config;  // rdzv:replay/<i> -> host:port.
  absl::StatusOr<std::vector<std::string>> shards =
      ResolveAddresses(config.net.rendezvous_dir, config.replay_addresses,
                       config.net.rendezvous_timeout, &stop);
  if (!shards.ok()) {
    return absl::Status(shards.status().code(),
                        absl::StrCat("replay_addresses: ", shards.status().message()));
  }
  resolved.replay_addresses = *std::move(shards);
  HEM_ASSIGN_OR_RETURN(std::unique_ptr<BatchSource> source,
                       MakeReplayBatchSource(resolved, spec.spec_id()));
  HEM_ASSIGN_OR_RETURN(std::unique_ptr<Learner> learner,
                       Learner::Create(resolved, std::move(source)));
  HEM_LOG(INFO) << "learner ready: parameter service on "
                << ListenAddress(learner->port(), config.net.bind_host)
                << (config.net.credentials_dir.empty() ? "" : " (TLS, token required)")
                << (learner->metrics_port() >= 0
                        ? absl::StrCat(", /metrics on port ", learner->metrics_port())
                        : std::string())
                << ", replay shards " << absl::StrJoin(resolved.replay_addresses, ",");
  return learner->Run(stop);
}

}  // namespace hem
