// A running replay shard: start-up, background chores, status and shutdown
// (see replay_server.h).
#include "replay_service/replay_server.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/grpc_util.h"
#include "common/logging.h"
#include "common/metrics_endpoint.h"
#include "common/rendezvous.h"
#include "common/relabel_strategy.h"
#include "common/status_macros.h"
#include "replay_service/replay_metrics.h"

namespace hem {
namespace {

// Rates are averaged over this window, sampled every kTick.
constexpr absl::Duration kTick = absl::Milliseconds(500);
constexpr absl::Duration kRateWindow = absl::Seconds(5);

// How often RunReplayServer looks at its stop signal.
constexpr absl::Duration kStopPollInterval = absl::Milliseconds(50);

}  // namespace

absl::Status ValidateReplayServerConfig(const ReplayServerConfig& config) {
  absl::Status shard = ValidateReplayShardConfig(config.shard);
  if (!shard.ok()) {
    return absl::Status(shard.code(), absl::StrCat("shard.", shard.message()));
  }
  if (absl::Status net = ValidateNetConfig(config.net); !net.ok()) {
    return NetFieldError(net);
  }
  if (config.port < 0 || config.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("port: must be in [0, 65535], got ", config.port));
  }
  if (config.metrics_port < -1 || config.metrics_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics_port: must be -1 (off) or in [0, 65535], got ", config.metrics_port));
  }
  if (config.keep_checkpoints < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "keep_checkpoints: must be >= 1, got ", config.keep_checkpoints));
  }
  absl::Status limits = ValidateReplayServiceLimits(config.limits);
  if (!limits.ok()) {
    return absl::Status(limits.code(), absl::StrCat("limits.", limits.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Durability> ParseDurability(absl::string_view name) {
  if (name == "log") return Durability::kLog;
  if (name == "checkpoint") return Durability::kCheckpoint;
  return absl::InvalidArgumentError(
      absl::StrCat("'", name, "' is not one of log, checkpoint"));
}

absl::string_view DurabilityName(Durability durability) {
  return durability == Durability::kLog ? "log" : "checkpoint";
}

ReplayServer::ReplayServer(ReplayServerConfig config)
    : config_(std::move(config)),
      shard_(config_.shard),
      service_(&shard_, [this] { return Stats(); }, config_.limits),
      status_service_("replay",
                      absl::StrCat("replay-", config_.shard.shard_index)),
      rate_sampler_(kTick, [this] { RecordRates(); }, "replay-rates") {}

absl::StatusOr<std::unique_ptr<ReplayServer>> ReplayServer::Start(
    ReplayServerConfig config) {
  HEM_RETURN_IF_ERROR(ValidateReplayServerConfig(config));
  std::unique_ptr<ReplayServer> server(new ReplayServer(std::move(config)));
  const ReplayServerConfig& c = server->config_;
  if (!c.checkpoint_dir.empty()) HEM_RETURN_IF_ERROR(server->Restore());
  server->status_service_.SetReporter(
      [s = server.get()](hem::v1::ProcessStatus* status) { s->Report(status); });
  HEM_ASSIGN_OR_RETURN(const std::shared_ptr<const Credentials> credentials,
                       LoadNetCredentials(c.net));
  HEM_ASSIGN_OR_RETURN(
      server->server_,
      StartServer(ListenAddress(c.port, c.net.bind_host),
                  {&server->service_, &server->status_service_},
                  &server->port_, credentials.get()));
  HEM_ASSIGN_OR_RETURN(
      server->metrics_http_,
      StartMetricsEndpoint(c.metrics_port, c.net, credentials, "replay", c.shard.shard_index,
                           [s = server.get()](std::string* out) { s->AppendMetrics(out); },
                           &server->status_service_));
  server->status_service_.SetReady(true);
  if (!c.net.rendezvous_dir.empty()) {
    HEM_RETURN_IF_ERROR(NetFieldError(PublishAddress(
        c.net.rendezvous_dir, "replay", c.shard.shard_index, server->address())));
  }
  server->RecordRates();
  server->rate_sampler_.Start();
  if (server->checkpoints_ != nullptr &&
      c.checkpoint_interval > absl::ZeroDuration()) {
    server->checkpointer_ = std::make_unique<PeriodicClosure>(
        c.checkpoint_interval, [s = server.get()] { s->PeriodicCheckpoint(); },
        "replay-checkpoints");
    server->checkpointer_->Start();
  }
  return server;
}

absl::Status ReplayServer::Restore() {
  const ReplayServerConfig& c = config_;
  checkpoints_ = std::make_unique<CheckpointDirectory>(
      c.checkpoint_dir, c.shard.shard_index, c.keep_checkpoints);
  int64_t log_segment = -1;
  HEM_ASSIGN_OR_RETURN(restored_, checkpoints_->RestoreLatest(
                                      &shard_, &checkpoint_problems_, &log_segment));
  for (const std::string& problem : checkpoint_problems_) {
    HEM_LOG(ERROR) << "refusing checkpoint " << problem;
  }
  if (!restored_.empty()) {
    const hem::v1::ReplayStats stats = shard_.Stats();
    HEM_LOG(INFO) << "restored " << stats.episodes() << " episodes ("
                  << stats.transitions() << " transitions) from " << restored_;
  }
  // Whatever the durability now, episodes a log holds were acknowledged.
  HEM_ASSIGN_OR_RETURN(log_replay_,
                       ReplayEpisodeLog(c.checkpoint_dir, c.shard.shard_index,
                                        log_segment, &shard_));
  for (const std::string& problem : log_replay_.problems) {
    HEM_LOG(ERROR) << "episode log: " << problem;
  }
  if (log_replay_.segments > 0) {
    HEM_LOG(INFO) << "replayed " << log_replay_.episodes << " episodes from "
                  << log_replay_.segments << " log segments ("
                  << log_replay_.duplicates << " already held)";
  }
  shard_.PrimeRateLimiters();
  if (c.durability != Durability::kLog) return absl::OkStatus();
  std::vector<hem::v1::EnvSpec> specs;
  for (const auto& group : shard_.Snapshot()) specs.push_back(group.spec);
  // A fresh segment: never append after bytes a crash may have torn.
  HEM_ASSIGN_OR_RETURN(
      log_, EpisodeLog::Create(c.checkpoint_dir, c.shard.shard_index,
                               std::max<int64_t>({log_replay_.newest_segment + 1,
                                                  log_segment, 1}),
                               specs));
  shard_.AttachLog(log_.get());
  return absl::OkStatus();
}

ReplayServer::~ReplayServer() {
  absl::Status status = Shutdown();
  if (!status.ok()) HEM_LOG(ERROR) << "replay shutdown: " << status;
}

std::string ReplayServer::address() const {
  return HostPort(AdvertiseHost(config_.net), port_);
}

void ReplayServer::RecordRates() {
  const hem::v1::ReplayStats stats = shard_.Stats();
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  rate_samples_.push_back(
      {now, stats.inserted_transitions(), stats.sampled_transitions()});
  while (rate_samples_.size() > 2 &&
         now - rate_samples_[1].time >= kRateWindow) {
    rate_samples_.pop_front();
  }
}

void ReplayServer::PeriodicCheckpoint() {
  absl::StatusOr<std::string> path = Checkpoint();
  if (!path.ok()) HEM_LOG(ERROR) << "checkpoint failed: " << path.status();
}

hem::v1::ReplayStats ReplayServer::Stats() {
  hem::v1::ReplayStats stats = shard_.Stats();
  absl::MutexLock lock(&mu_);
  if (!rate_samples_.empty()) {
    const RateSample& oldest = rate_samples_.front();
    const double seconds = absl::ToDoubleSeconds(absl::Now() - oldest.time);
    if (seconds > 0.05) {
      stats.set_inserts_per_second(
          (stats.inserted_transitions() - oldest.inserted) / seconds);
      stats.set_samples_per_second(
          (stats.sampled_transitions() - oldest.sampled) / seconds);
    }
  }
  stats.set_checkpoints_written(checkpoints_written_);
  stats.set_last_checkpoint(last_checkpoint_);
  return stats;
}

absl::StatusOr<std::string> ReplayServer::Checkpoint() {
  if (checkpoints_ == nullptr) {
    return absl::FailedPreconditionError("checkpoint_dir: not set");
  }
  absl::MutexLock checkpoint_lock(&checkpoint_mu_);
  const absl::Time start = absl::Now();
  std::string path;
  if (log_ == nullptr) {
    // Segments replayed at start (an earlier life logged) are in this
    // checkpoint: it starts after them, and they go once no older
    // checkpoint is kept.
    const int64_t after_replayed =
        log_replay_.newest_segment >= 0 ? log_replay_.newest_segment + 1 : -1;
    HEM_ASSIGN_OR_RETURN(path,
                         checkpoints_->Write(shard_, shard_.Snapshot(), after_replayed));
  } else {
    // The new segment starts where the snapshot ends: nothing in both.
    int64_t segment = -1;
    HEM_ASSIGN_OR_RETURN(
        const std::vector<ReplayShard::SpecSnapshot> snapshot,
        shard_.QuiescentSnapshot(
            [this, &segment](const std::vector<hem::v1::EnvSpec>& specs) {
              HEM_ASSIGN_OR_RETURN(segment, log_->Rotate(specs));
              return absl::OkStatus();
            }));
    HEM_ASSIGN_OR_RETURN(path, checkpoints_->Write(shard_, snapshot, segment));
  }
  // Segments before the oldest checkpoint kept are in every checkpoint.
  const int64_t oldest = checkpoints_->OldestLogSegment();
  if (oldest > 0) {
    HEM_RETURN_IF_ERROR(RemoveLogSegmentsBefore(config_.checkpoint_dir,
                                                config_.shard.shard_index, oldest));
  }
  HEM_LOG(INFO) << "checkpoint " << path << " written in "
                << absl::FormatDuration(absl::Now() - start);
  absl::MutexLock lock(&mu_);
  ++checkpoints_written_;
  last_checkpoint_ = path;
  return path;
}

void ReplayServer::Report(hem::v1::ProcessStatus* status) {
  const hem::v1::ReplayStats stats = Stats();
  auto& m = *status->mutable_metrics();
  m["transitions"] = stats.transitions();
  m["episodes"] = stats.episodes();
  m["bytes"] = stats.bytes();
  m["capacity_transitions"] = stats.capacity_transitions();
  m["inserted_episodes"] = stats.inserted_episodes();
  m["inserted_transitions"] = stats.inserted_transitions();
  m["rejected_trajectories"] = stats.rejected_trajectories();
  m["duplicate_trajectories"] = shard_.duplicate_trajectories();
  m["evicted_episodes"] = stats.evicted_episodes();
  m["sampled_transitions"] = stats.sampled_transitions();
  m["relabeled_transitions"] = stats.relabeled_transitions();
  m["inserts_per_second"] = stats.inserts_per_second();
  m["samples_per_second"] = stats.samples_per_second();
  m["rate_limiter_sample_waits"] = stats.rate_limiter_sample_waits();
  m["rate_limiter_insert_waits"] = stats.rate_limiter_insert_waits();
  m["checkpoints_written"] = stats.checkpoints_written();
  m["open_streams"] = service_.open_streams();
  if (log_ != nullptr) {
    const EpisodeLog::Stats log = log_->stats();
    m["log_records"] = log.records;
    m["log_bytes"] = log.bytes;
    m["log_syncs"] = log.syncs;
    m["log_segment"] = log.segment;
  }
  auto& labels = *status->mutable_labels();
  labels["shard"] = absl::StrCat(config_.shard.shard_index, "/",
                                 config_.shard.num_shards);
  labels["relabel_strategy"] = RelabelStrategyName(config_.shard.default_strategy);
  labels["last_checkpoint"] = stats.last_checkpoint();
  labels["durability"] = std::string(DurabilityName(
      log_ != nullptr ? Durability::kLog : Durability::kCheckpoint));
  for (const auto& group : shard_.Snapshot()) {
    labels[absl::StrCat("spec.", group.spec.spec_id())] = group.spec.env_name();
  }
}

void ReplayServer::AppendMetrics(std::string* out) {
  ReplayMetricsInputs inputs;
  inputs.stats = Stats();
  inputs.duplicate_trajectories = shard_.duplicate_trajectories();
  inputs.open_streams = service_.open_streams();
  const EpisodeLog::Stats log = LogStats();
  if (log_ != nullptr) inputs.log = &log;
  AppendReplayMetrics(inputs, out);
}

absl::Status ReplayServer::Shutdown() {
  if (shut_down_) return absl::OkStatus();
  shut_down_ = true;
  metrics_http_.reset();  // Its page reads what is torn down below.
  status_service_.SetReady(false);
  shard_.Cancel();  // Wake rate-limited handlers so Shutdown can finish.
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(500));
    server_->Wait();
  }
  rate_sampler_.Stop();
  if (checkpointer_ != nullptr) checkpointer_->Stop();
  absl::Status status;
  if (checkpoints_ != nullptr && config_.checkpoint_on_shutdown) {
    status = Checkpoint().status();
  }
  log_.reset();  // No stream is left to append.
  return status;
}

absl::Status RunReplayServer(const ReplayServerConfig& config,
                             const std::atomic<bool>& stop) {
  HEM_ASSIGN_OR_RETURN(std::unique_ptr<ReplayServer> server,
                       ReplayServer::Start(config));
  std::printf("replay shard %d/%d listening on %s%s, reached as %s\n",
              config.shard.shard_index, config.shard.num_shards,
              ListenAddress(server->port(), config.net.bind_host).c_str(),
              config.net.credentials_dir.empty() ? "" : " (TLS, token required)",
              server->address().c_str());
  std::fflush(stdout);
  // A signal handler can only set an atomic, so it is polled.
  while (!stop.load()) absl::SleepFor(kStopPollInterval);
  HEM_LOG(INFO) << "shutting down replay shard " << config.shard.shard_index;
  return server->Shutdown();
}

}  // namespace hem
