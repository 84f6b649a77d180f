#include "learner/learner_loop.h"

#include <atomic>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/env_catalog.h"
#include "common/env_spec_util.h"
#include "common/grpc_util.h"
#include "common/logging.h"
#include "common/process.h"
#include "common/status_service.h"
#include "grpcpp/server.h"
#include "learner/checkpoint.h"
#include "learner/m_step.h"
#include "learner/metrics_http_server.h"
#include "learner/networks.h"
#include "learner/parameter_service.h"
#include "learner/training_batch.h"
#include "learner/version_lease.h"
#include "replay_service/sharded_replay_client.h"

namespace hem {
namespace {

namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Fit statistics need a device sync; read them every this many updates.
constexpr int kFitEvery = 10;
// How often a stall in the data stream is logged.
constexpr absl::Duration kStallLogInterval = absl::Seconds(10);

absl::Status FlagError(absl::string_view flag, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", reason));
}

class ReplayBatchSource final : public BatchSource {
 public:
  explicit ReplayBatchSource(std::unique_ptr<ShardedReplaySampler> sampler)
      : sampler_(std::move(sampler)) {}
  absl::StatusOr<hem::v1::Batch> Next(absl::Duration timeout) override {
    return sampler_->Next(timeout);
  }
  int64_t live_shards() const override { return sampler_->stats().live_shards; }

 private:
  std::unique_ptr<ShardedReplaySampler> sampler_;
};

}  // namespace

absl::Status ValidateLearnerConfig(const LearnerConfig& c) {
  if (c.replay_addresses.empty()) return FlagError("replay", "no replay shard given");
  if (c.env.empty()) return FlagError("env", "required (e.g. --env=fetch_reach)");
  absl::StatusOr<hem::v1::EnvSpec> spec = MakeEnvSpec(c.env);
  if (!spec.ok()) return FlagError("env", spec.status().message());
  if (c.batch_size < 1 || c.batch_size > 1 << 20) {
    return FlagError("batch_size", absl::StrCat(c.batch_size, " not in [1, 1048576]"));
  }
  if (!(c.learning_rate > 0) || !std::isfinite(c.learning_rate)) {
    return FlagError("lr", absl::StrCat(c.learning_rate, " must be a positive number"));
  }
  if (!(c.max_grad_norm >= 0)) {
    return FlagError("max_grad_norm", "must be >= 0 (0 = no clipping)");
  }
  if (c.hidden_sizes.empty()) return FlagError("hidden_sizes", "needs at least one width");
  for (int h : c.hidden_sizes) {
    if (h < 1 || h > 65536) {
      return FlagError("hidden_sizes", absl::StrCat("width ", h, " not in [1, 65536]"));
    }
  }
  if (!(c.sigma > 0) || !std::isfinite(c.sigma) || std::log(c.sigma) < kMinLogSigma ||
      std::log(c.sigma) > kMaxLogSigma) {
    return FlagError("sigma", absl::StrCat(c.sigma, " not in [", std::exp(kMinLogSigma),
                                           ", ", std::exp(kMaxLogSigma), "]"));
  }
  if (c.device != "auto" && c.device != "cpu" && c.device != "cuda") {
    return FlagError("device", absl::StrCat("'", c.device, "' is not one of auto, cpu, cuda"));
  }
  if (c.torch_threads < 1 || c.torch_threads > 256) {
    return FlagError("torch_threads", absl::StrCat(c.torch_threads, " not in [1, 256]"));
  }
  if (c.torch_interop_threads < 1 || c.torch_interop_threads > 256) {
    return FlagError("torch_interop_threads",
                     absl::StrCat(c.torch_interop_threads, " not in [1, 256]"));
  }
  if (c.port < 0 || c.port > 65535) {
    return FlagError("port", absl::StrCat(c.port, " not in [0, 65535]"));
  }
  if (c.metrics_port < -1 || c.metrics_port > 65535) {
    return FlagError("metrics_port", absl::StrCat(c.metrics_port, " not in [-1, 65535]"));
  }
  if (c.publish_every < 1) {
    return FlagError("publish_every", absl::StrCat(c.publish_every, " must be >= 1"));
  }
  if (c.resume && c.run_dir.empty()) {
    return FlagError("resume", "needs --run_dir (where the checkpoints are)");
  }
  if (c.max_updates < 0) return FlagError("max_updates", "must be >= 0 (0 = no limit)");
  if (c.keep_checkpoints < 1) return FlagError("keep_checkpoints", "must be >= 1");
  if (c.report_interval <= absl::ZeroDuration()) {
    return FlagError("report_every_seconds", "must be > 0");
  }
  if (c.relabel_probability > 1 || std::isnan(c.relabel_probability)) {
    return FlagError("relabel_probability",
                     absl::StrCat(c.relabel_probability, " must be <= 1 (< 0: shard default)"));
  }
  if (c.prefetch_batches < 1) return FlagError("prefetch_batches", "must be >= 1");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<BatchSource>> MakeReplayBatchSource(
    const LearnerConfig& config, uint64_t spec_id) {
  ReplaySamplerOptions options;
  options.addresses = config.replay_addresses;
  options.spec_id = spec_id;
  options.batch_size = config.batch_size;
  options.strategy = config.relabel_strategy;
  options.relabel_probability = config.relabel_probability;
  options.prefetch_batches = config.prefetch_batches;
  absl::StatusOr<std::unique_ptr<ShardedReplaySampler>> sampler =
      ShardedReplaySampler::Create(std::move(options));
  if (!sampler.ok()) {
    return absl::Status(sampler.status().code(),
                        absl::StrCat("--replay: ", sampler.status().message()));
  }
  return std::unique_ptr<BatchSource>(new ReplayBatchSource(*std::move(sampler)));
}

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
        parameter_service_(&metrics_),
        status_service_("learner", config_.name) {}

  ~Impl() { Shutdown(); }

  absl::Status Start() {
    if (!config_.run_dir.empty()) {
      std::error_code error;
      fs::create_directories(config_.run_dir, error);
      if (error) {
        return FlagError("run_dir", absl::StrCat("cannot create ", config_.run_dir, ": ",
                                                 error.message()));
      }
    }
    int64_t restored_version = -1;
    if (config_.resume) {
      absl::StatusOr<RestoredCheckpoint> restored = RestoreNewestCheckpoint(
          CheckpointDir(), *network_, m_step_.optimizer());
      if (restored.ok()) {
        restored_ = restored->path;
        updates_ = restored->state.update_count;
        restored_version = restored->state.version;
        HEM_LOG(INFO) << "resumed from " << restored_ << " at update " << updates_
                      << ", version " << restored_version;
      } else if (absl::IsNotFound(restored.status())) {
        HEM_LOG(WARNING) << "--resume: " << restored.status().message()
                         << "; starting from scratch";
      } else {
        return restored.status();
      }
    }
    metrics_.SetUpdates(updates_);
    absl::StatusOr<VersionLease> lease = VersionLease::Open(
        config_.run_dir.empty() ? "" : (fs::path(config_.run_dir) / "version_lease").string(),
        restored_version);
    if (!lease.ok()) return lease.status();
    lease_.emplace(*std::move(lease));

    status_service_.SetReporter([this](hem::v1::ProcessStatus* status) { Report(status); });
    absl::StatusOr<std::unique_ptr<grpc::Server>> server = StartServer(
        ListenAddress(config_.port, config_.bind_all),
        {&parameter_service_, &status_service_}, &port_);
    if (!server.ok()) {
      return FlagError("port", server.status().message());
    }
    server_ = *std::move(server);
    if (config_.metrics_port >= 0) {
      absl::StatusOr<std::unique_ptr<MetricsHttpServer>> http = MetricsHttpServer::Start(
          config_.metrics_port, config_.bind_all,
          [this] { return PrometheusText(metrics_.Snapshot()); });
      if (!http.ok()) return http.status();
      http_ = *std::move(http);
    }
    // Actors can start acting with the initial (or restored) weights at once.
    absl::Status status = PublishNow(Snapshot(), updates_);
    if (!status.ok()) return status;
    status_service_.SetReady(true);

    decode_thread_ = std::thread([this] { DecodeLoop(); });
    publish_thread_ = std::thread([this] { PublishLoop(); });
    report_thread_ = std::thread([this] { ReportLoop(); });
    return absl::OkStatus();
  }

  absl::Status Run() {
    absl::Time last_checkpoint = absl::Now();
    absl::Status result;
    while (!ShouldStop()) {
      if (config_.max_updates > 0 && updates_ >= config_.max_updates) break;
      const absl::Time start = absl::Now();
      std::optional<TrainingBatch> batch = PopBatch();
      if (!batch.has_value()) {  // Stopping, or no data yet.
        metrics_.RecordWait(absl::Now() - start);
        continue;
      }
      const absl::Time got = absl::Now();
      result = Train(*batch);
      if (!result.ok()) break;
      const int64_t updates = ++updates_;
      metrics_.RecordUpdate(batch->size, got - start, absl::Now() - got);
      if (updates % config_.publish_every == 0) QueuePublish(updates);
      if (config_.checkpoint_interval > absl::ZeroDuration() && !config_.run_dir.empty() &&
          absl::Now() - last_checkpoint >= config_.checkpoint_interval) {
        absl::StatusOr<std::string> path = Checkpoint();
        if (!path.ok()) HEM_LOG(ERROR) << "checkpoint failed: " << path.status();
        last_checkpoint = absl::Now();
      }
    }
    // Final weights and checkpoint, even after an error (what was learned so
    // far is still worth keeping).
    StopPublisher();
    if (latest_weights() == nullptr || latest_weights()->update_count() != updates_) {
      absl::Status status = PublishNow(Snapshot(), updates_);
      if (!status.ok()) HEM_LOG(ERROR) << "final publish failed: " << status;
    }
    if (!config_.run_dir.empty()) {
      absl::StatusOr<std::string> path = Checkpoint();
      if (!path.ok()) HEM_LOG(ERROR) << "final checkpoint failed: " << path.status();
    }
    WriteReport();
    HEM_LOG(INFO) << "learner stopped after " << updates_ << " updates at version "
                  << parameter_service_.latest_version()
                  << (result.ok() ? std::string() : absl::StrCat(": ", result.ToString()));
    return result;
  }

  void Stop() { stop_requested_ = true; }

  absl::StatusOr<std::string> Checkpoint() {
    if (config_.run_dir.empty()) {
      return absl::FailedPreconditionError("checkpoints need --run_dir");
    }
    CheckpointState state;
    state.update_count = updates_;
    state.version = parameter_service_.latest_version();
    absl::StatusOr<std::string> path = WriteCheckpoint(
        CheckpointDir(), *network_, m_step_.optimizer(), state, config_.keep_checkpoints);
    if (path.ok()) HEM_LOG(INFO) << "checkpoint " << *path;
    return path;
  }

  void Shutdown() {
    stop_requested_ = true;
    {
      absl::MutexLock lock(&queue_mu_);
      shutting_down_ = true;
    }
    if (decode_thread_.joinable()) decode_thread_.join();
    StopPublisher();
    {
      absl::MutexLock lock(&report_mu_);
      report_stop_ = true;
    }
    if (report_thread_.joinable()) report_thread_.join();
    parameter_service_.Stop();
    if (server_ != nullptr) {
      server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
      server_.reset();
    }
    http_.reset();
  }

  int port() const { return port_; }
  int metrics_port() const { return http_ == nullptr ? -1 : http_->port(); }
  int64_t updates() const { return updates_; }
  int64_t version() const { return parameter_service_.latest_version(); }
  const std::string& restored() const { return restored_; }
  LearnerMetrics& metrics() { return metrics_; }
  std::shared_ptr<const hem::v1::PolicyWeights> latest_weights() const {
    return parameter_service_.latest();
  }

 private:
  std::string CheckpointDir() const {
    return (fs::path(config_.run_dir) / "checkpoints").string();
  }

  bool ShouldStop() const { return stop_requested_ || ShutdownRequested(); }

  // One M-step on a decoded batch (training thread).
  absl::Status Train(const TrainingBatch& cpu_batch) {
    TrainingBatch batch;
    absl::Status status = CatchTorch("moving a batch to the device", [&] {
      batch = ToDevice(cpu_batch, device_);
      if (config_.normalize) network_->UpdateNormalizer(batch.inputs);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    absl::StatusOr<MStepStats> stats = m_step_.Update(batch.inputs, batch.actions);
    if (!stats.ok()) return stats.status();
    if ((updates_ + 1) % kFitEvery == 0) {
      return CatchTorch("reading M-step statistics", [&] {
        const double loss = stats->loss.item<double>();
        if (!std::isfinite(loss)) {
          HEM_LOG(WARNING) << "non-finite loss " << loss << " at update " << updates_;
        }
        metrics_.RecordFit(loss, stats->entropy.item<double>(),
                           stats->sigma.defined() ? stats->sigma.item<double>() : kNaN);
        if (batch.policy_versions.defined()) {
          const double version = static_cast<double>(parameter_service_.latest_version());
          const torch::Tensor versions = batch.policy_versions.to(torch::kFloat64);
          metrics_.RecordStaleness(version - versions.mean().item<double>(),
                                   version - versions.min().item<double>());
        }
        return absl::OkStatus();
      });
    }
    return absl::OkStatus();
  }

  // --- Data: decode thread -> bounded queue -> training thread. ---

  void DecodeLoop() {
    const bool pin = device_.is_cuda();
    absl::Time last_batch = absl::Now();
    absl::Time last_log = absl::InfinitePast();
    int64_t rejected = 0;
    while (!ShouldStop()) {
      absl::StatusOr<hem::v1::Batch> batch = source_->Next(absl::Milliseconds(500));
      if (!batch.ok()) {
        const absl::Time now = absl::Now();
        if (now - last_batch >= absl::Seconds(5) && now - last_log >= kStallLogInterval) {
          HEM_LOG(WARNING) << "no batch from replay shards ["
                           << absl::StrJoin(config_.replay_addresses, ",") << "] for "
                           << absl::FormatDuration(absl::Trunc(now - last_batch, absl::Seconds(1)))
                           << " (live shards: " << source_->live_shards()
                           << "): " << batch.status().message()
                           << "; still retrying (are the shards up and filled?)";
          last_log = now;
        }
        if (!absl::IsDeadlineExceeded(batch.status())) {
          absl::SleepFor(absl::Milliseconds(200));
        }
        continue;
      }
      last_batch = absl::Now();
      absl::StatusOr<TrainingBatch> decoded = DecodeTrainingBatch(*batch, spec_, pin);
      if (!decoded.ok()) {
        if (rejected++ % 100 == 0) {
          HEM_LOG(ERROR) << "dropping a malformed batch (" << rejected
                         << " so far): " << decoded.status();
        }
        continue;
      }
      absl::MutexLock lock(&queue_mu_);
      auto room = [this]() ABSL_SHARED_LOCKS_REQUIRED(queue_mu_) {
        return shutting_down_ || static_cast<int>(queue_.size()) < config_.prefetch_batches;
      };
      while (!room() && !ShouldStop()) {
        queue_mu_.AwaitWithTimeout(absl::Condition(&room), absl::Milliseconds(100));
      }
      if (shutting_down_ || ShouldStop()) return;
      queue_.push_back(*std::move(decoded));
    }
  }

  std::optional<TrainingBatch> PopBatch() {
    absl::MutexLock lock(&queue_mu_);
    auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(queue_mu_) {
      return !queue_.empty() || shutting_down_;
    };
    queue_mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(100));
    if (queue_.empty()) return std::nullopt;
    TrainingBatch batch = std::move(queue_.front());
    queue_.pop_front();
    return batch;
  }

  // --- Publishing: snapshot on the training thread, serialise elsewhere. ---

  struct PendingSnapshot {
    std::vector<NamedTensor> tensors;
    int64_t update_count = 0;
  };

  std::vector<NamedTensor> Snapshot() {
    std::vector<NamedTensor> tensors;
    absl::Status status = CatchTorch("snapshotting weights", [&] {
      tensors = SnapshotNetwork(*network_);
      return absl::OkStatus();
    });
    if (!status.ok()) HEM_LOG(ERROR) << status;
    return tensors;
  }

  void QueuePublish(int64_t updates) {
    std::vector<NamedTensor> tensors = Snapshot();
    absl::MutexLock lock(&publish_mu_);
    // A publisher that lags skips to the newest snapshot.
    pending_ = PendingSnapshot{std::move(tensors), updates};
  }

  void PublishLoop() {
    while (true) {
      PendingSnapshot snapshot;
      {
        absl::MutexLock lock(&publish_mu_);
        auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(publish_mu_) {
          return pending_.has_value() || publish_stop_;
        };
        publish_mu_.Await(absl::Condition(&ready));
        if (!pending_.has_value()) return;  // Stopping with nothing pending.
        snapshot = std::move(*pending_);
        pending_.reset();
      }
      absl::Status status = PublishNow(snapshot.tensors, snapshot.update_count);
      if (!status.ok()) HEM_LOG(ERROR) << "publish failed: " << status;
    }
  }

  void StopPublisher() {
    {
      absl::MutexLock lock(&publish_mu_);
      publish_stop_ = true;
    }
    if (publish_thread_.joinable()) publish_thread_.join();
  }

  absl::Status PublishNow(const std::vector<NamedTensor>& tensors, int64_t update_count) {
    if (tensors.empty()) return absl::InternalError("no weights to publish");
    absl::StatusOr<std::string> bytes = SerializeTensors(tensors);
    if (!bytes.ok()) return bytes.status();
    absl::MutexLock lock(&lease_mu_);
    absl::StatusOr<int64_t> version = lease_->Next();
    if (!version.ok()) return version.status();
    hem::v1::PolicyWeights weights;
    weights.set_version(*version);
    weights.set_update_count(update_count);
    *weights.mutable_config() = network_->config();
    *weights.mutable_weights() = *std::move(bytes);
    absl::Status status = parameter_service_.Publish(std::move(weights));
    if (status.ok()) metrics_.SetVersion(*version);
    return status;
  }

  // --- Reporting. ---

  void ReportLoop() {
    while (true) {
      {
        absl::MutexLock lock(&report_mu_);
        auto stop = [this]() ABSL_SHARED_LOCKS_REQUIRED(report_mu_) { return report_stop_; };
        if (report_mu_.AwaitWithTimeout(absl::Condition(&stop), config_.report_interval)) {
          return;
        }
      }
      WriteReport();
    }
  }

  void WriteReport() {
    absl::MutexLock lock(&csv_mu_);
    metrics_.SetLiveShards(source_->live_shards());
    metrics_.Tick();
    const MetricsSnapshot snapshot = metrics_.Snapshot();
    HEM_LOG(INFO) << MetricsConsoleLine(snapshot);
    if (config_.run_dir.empty()) return;
    const fs::path path = fs::path(config_.run_dir) / "metrics.csv";
    std::error_code error;
    const bool fresh = !fs::exists(path, error) || fs::file_size(path, error) == 0;
    std::ofstream csv(path, std::ios::app);
    if (!csv) {
      HEM_LOG(WARNING) << "cannot append to " << path.string();
      return;
    }
    if (fresh) csv << MetricsCsvHeader() << "\n";
    csv << MetricsCsvRow(snapshot) << "\n";
  }

  void Report(hem::v1::ProcessStatus* status) {
    const MetricsSnapshot s = metrics_.Snapshot();
    auto& m = *status->mutable_metrics();
    m["updates"] = s.updates;
    m["samples"] = s.samples;
    m["version"] = s.version;
    m["updates_per_second"] = s.updates_per_second;
    m["samples_per_second"] = s.samples_per_second;
    m["wait_fraction"] = s.wait_fraction;
    m["loss"] = s.loss;
    m["env_steps"] = s.env_steps;
    m["eval_success_rate"] = s.eval_success_rate;
    m["staleness_mean"] = s.staleness_mean;
    m["live_shards"] = s.live_shards;
    auto& labels = *status->mutable_labels();
    labels["env"] = config_.env;
    labels["device"] = device_.str();
    labels["replay"] = absl::StrJoin(config_.replay_addresses, ",");
  }

  const LearnerConfig config_;
  const hem::v1::EnvSpec spec_;
  const torch::Device device_;
  PolicyNetwork network_;
  MStep m_step_;  // Training thread only (and Checkpoint outside Run).
  std::unique_ptr<BatchSource> source_;
  LearnerMetrics metrics_;
  ParameterService parameter_service_;
  ProcessStatusService status_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<MetricsHttpServer> http_;
  int port_ = 0;
  std::string restored_;
  std::atomic<int64_t> updates_{0};
  std::atomic<bool> stop_requested_{false};

  absl::Mutex queue_mu_;
  std::deque<TrainingBatch> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool shutting_down_ ABSL_GUARDED_BY(queue_mu_) = false;

  absl::Mutex publish_mu_;
  std::optional<PendingSnapshot> pending_ ABSL_GUARDED_BY(publish_mu_);
  bool publish_stop_ ABSL_GUARDED_BY(publish_mu_) = false;
  absl::Mutex lease_mu_;  // Versions are taken and published in one step.
  std::optional<VersionLease> lease_ ABSL_GUARDED_BY(lease_mu_);

  absl::Mutex report_mu_;
  bool report_stop_ ABSL_GUARDED_BY(report_mu_) = false;
  absl::Mutex csv_mu_;

  std::thread decode_thread_, publish_thread_, report_thread_;
};

absl::StatusOr<std::unique_ptr<Learner>> Learner::Create(
    LearnerConfig config, std::unique_ptr<BatchSource> source) {
  absl::Status status = ValidateLearnerConfig(config);
  if (!status.ok()) return status;
  if (source == nullptr) return absl::InvalidArgumentError("source: null");
  absl::StatusOr<hem::v1::EnvSpec> spec = MakeEnvSpec(config.env);
  if (!spec.ok()) return FlagError("env", spec.status().message());
  hem::v1::PolicyConfig policy_config;
  *policy_config.mutable_spec() = *spec;
  for (int h : config.hidden_sizes) policy_config.add_hidden_sizes(h);
  policy_config.set_learn_sigma(config.learn_sigma);
  policy_config.set_initial_sigma(static_cast<float>(config.sigma));
  policy_config.set_normalize_inputs(config.normalize);
  absl::StatusOr<hem::v1::PolicyConfig> completed = CompletePolicyConfig(policy_config);
  if (!completed.ok()) return completed.status();
  absl::StatusOr<torch::Device> device = ParseDevice(config.device);
  if (!device.ok()) return device.status();
  SetTorchThreads(config.torch_threads, config.torch_interop_threads);
  absl::StatusOr<PolicyNetwork> network = MakePolicyNetwork(*completed, config.seed);
  if (!network.ok()) return network.status();
  status = CatchTorch("moving the network to the device", [&] {
    (*network)->to(*device);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  HEM_LOG(INFO) << "learner: env " << config.env << ", device " << device->str()
                << ", hidden " << absl::StrJoin(config.hidden_sizes, ",") << ", batch "
                << config.batch_size << ", torch threads " << config.torch_threads;
  auto impl = std::make_unique<Impl>(std::move(config), *std::move(spec), *device,
                                     *std::move(network), std::move(source));
  status = impl->Start();
  if (!status.ok()) return status;
  return std::unique_ptr<Learner>(new Learner(std::move(impl)));
}

Learner::Learner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Learner::~Learner() = default;
absl::Status Learner::Run() { return impl_->Run(); }
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

absl::Status RunLearner(const LearnerConfig& config) {
  absl::Status status = ValidateLearnerConfig(config);
  if (!status.ok()) return status;
  absl::StatusOr<hem::v1::EnvSpec> spec = MakeEnvSpec(config.env);
  if (!spec.ok()) return FlagError("env", spec.status().message());
  absl::StatusOr<std::unique_ptr<BatchSource>> source =
      MakeReplayBatchSource(config, spec->spec_id());
  if (!source.ok()) return source.status();
  absl::StatusOr<std::unique_ptr<Learner>> learner =
      Learner::Create(config, *std::move(source));
  if (!learner.ok()) return learner.status();
  HEM_LOG(INFO) << "learner ready: parameter service on "
                << ListenAddress((*learner)->port(), config.bind_all)
                << ((*learner)->metrics_port() >= 0
                        ? absl::StrCat(", /metrics on port ", (*learner)->metrics_port())
                        : std::string())
                << ", replay shards " << absl::StrJoin(config.replay_addresses, ",");
  return (*learner)->Run();
}

}  // namespace hem
