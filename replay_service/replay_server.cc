// A running replay shard: start-up, background chores, status and shutdown
// (see replay_server.h).
#include "replay_service/replay_server.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/grpc_util.h"
#include "common/logging.h"
#include "common/relabel_strategy.h"
#include "common/status_macros.h"

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
  if (config.port < 0 || config.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("port: must be in [0, 65535], got ", config.port));
  }
  if (config.keep_checkpoints < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "keep_checkpoints: must be >= 1, got ", config.keep_checkpoints));
  }
  return absl::OkStatus();
}

ReplayServer::ReplayServer(ReplayServerConfig config)
    : config_(std::move(config)),
      shard_(config_.shard),
      service_(&shard_, [this] { return Stats(); }),
      status_service_("replay",
                      absl::StrCat("replay-", config_.shard.shard_index)),
      rate_sampler_(kTick, [this] { RecordRates(); }, "replay-rates") {}

absl::StatusOr<std::unique_ptr<ReplayServer>> ReplayServer::Start(
    ReplayServerConfig config) {
  HEM_RETURN_IF_ERROR(ValidateReplayServerConfig(config));
  std::unique_ptr<ReplayServer> server(new ReplayServer(std::move(config)));
  const ReplayServerConfig& c = server->config_;
  if (!c.checkpoint_dir.empty()) {
    server->checkpoints_ = std::make_unique<CheckpointDirectory>(
        c.checkpoint_dir, c.shard.shard_index, c.keep_checkpoints);
    HEM_ASSIGN_OR_RETURN(server->restored_,
                         server->checkpoints_->RestoreLatest(
                             &server->shard_, &server->checkpoint_problems_));
    for (const std::string& problem : server->checkpoint_problems_) {
      HEM_LOG(ERROR) << "refusing checkpoint " << problem;
    }
    if (!server->restored_.empty()) {
      const hem::v1::ReplayStats stats = server->shard_.Stats();
      HEM_LOG(INFO) << "restored " << stats.episodes() << " episodes ("
                    << stats.transitions() << " transitions) from "
                    << server->restored_;
    }
  }
  server->status_service_.SetReporter(
      [s = server.get()](hem::v1::ProcessStatus* status) { s->Report(status); });
  HEM_ASSIGN_OR_RETURN(
      server->server_,
      StartServer(ListenAddress(c.port, c.bind_all),
                  {&server->service_, &server->status_service_},
                  &server->port_));
  server->status_service_.SetReady(true);
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

ReplayServer::~ReplayServer() {
  absl::Status status = Shutdown();
  if (!status.ok()) HEM_LOG(ERROR) << "replay shutdown: " << status;
}

std::string ReplayServer::address() const {
  return absl::StrCat("127.0.0.1:", port_);
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
  HEM_ASSIGN_OR_RETURN(std::string path, checkpoints_->Write(shard_));
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
  auto& labels = *status->mutable_labels();
  labels["shard"] = absl::StrCat(config_.shard.shard_index, "/",
                                 config_.shard.num_shards);
  labels["relabel_strategy"] = RelabelStrategyName(config_.shard.default_strategy);
  labels["last_checkpoint"] = stats.last_checkpoint();
  for (const auto& group : shard_.Snapshot()) {
    labels[absl::StrCat("spec.", group.spec.spec_id())] = group.spec.env_name();
  }
}

absl::Status ReplayServer::Shutdown() {
  if (shut_down_) return absl::OkStatus();
  shut_down_ = true;
  status_service_.SetReady(false);
  shard_.Cancel();  // Wake rate-limited handlers so Shutdown can finish.
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(500));
    server_->Wait();
  }
  rate_sampler_.Stop();
  if (checkpointer_ != nullptr) checkpointer_->Stop();
  if (checkpoints_ != nullptr && config_.checkpoint_on_shutdown) {
    HEM_RETURN_IF_ERROR(Checkpoint().status());
  }
  return absl::OkStatus();
}

absl::Status RunReplayServer(const ReplayServerConfig& config,
                             const std::atomic<bool>& stop) {
  HEM_ASSIGN_OR_RETURN(std::unique_ptr<ReplayServer> server,
                       ReplayServer::Start(config));
  std::printf("replay shard %d/%d listening on %s:%d\n",
              config.shard.shard_index, config.shard.num_shards,
              config.bind_all ? "0.0.0.0" : "127.0.0.1", server->port());
  std::fflush(stdout);
  // A signal handler can only set an atomic, so it is polled.
  while (!stop.load()) absl::SleepFor(kStopPollInterval);
  HEM_LOG(INFO) << "shutting down replay shard " << config.shard.shard_index;
  return server->Shutdown();
}

}  // namespace hem
