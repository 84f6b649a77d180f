// A running replay shard: the ReplayShard, its gRPC services (ReplayService
// and StatusService), rate statistics, and periodic checkpoints. The binary
// replay_server is a thin main around RunReplayServer; tests start
// ReplayServer directly on port 0.
//
// ReplayServerConfig owns every default of the binary: replay_server's flags
// take theirs from it (replay_server_flags.cc).
#ifndef HEM_REPLAY_SERVICE_REPLAY_SERVER_H_
#define HEM_REPLAY_SERVICE_REPLAY_SERVER_H_

#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/http_server.h"
#include "common/net_config.h"
#include "common/periodic_closure.h"
#include "common/status_service.h"
#include "grpcpp/server.h"
#include "replay_service/checkpoint.h"
#include "replay_service/episode_log.h"
#include "replay_service/episode_log_reader.h"
#include "replay_service/replay_service_impl.h"
#include "replay_service/replay_shard.h"

namespace hem {

// When an acknowledged episode is safe.
enum class Durability {
  // On disk before it is acknowledged: appended to the shard's episode log
  // (episode_log.h), group-committed with fdatasync, replayed at start.
  kLog,
  // Only from the next checkpoint on: a crash loses what came since.
  kCheckpoint,
};
// "log" | "checkpoint".
absl::StatusOr<Durability> ParseDurability(absl::string_view name);
absl::string_view DurabilityName(Durability durability);

struct ReplayServerConfig {
  ReplayShardConfig shard;
  int port = 0;  // 0 = pick a free port.
  // Where to listen (loopback by default), TLS + token credentials, and the
  // rendezvous this shard publishes itself in as "replay-<shard_index>".
  NetConfig net;
  // Where checkpoints go and are restored from at start; "" = none.
  std::string checkpoint_dir;
  // Time between periodic checkpoints; <= 0 = only at shutdown.
  absl::Duration checkpoint_interval = absl::Minutes(10);
  int keep_checkpoints = 2;  // Newest files kept; >= 1.
  // Write a final checkpoint in Shutdown() (when checkpoint_dir is set).
  bool checkpoint_on_shutdown = true;
  // The episode log needs checkpoint_dir (it lives there); without one
  // nothing survives a restart whatever this says. Log by default: measured
  // by replay_benchmark's durability table (docs/RELIABILITY.md), it keeps
  // inserts far above what actors produce for state and image tasks alike.
  Durability durability = Durability::kLog;
  // Streams each client and all clients may hold, and per-stream bounds.
  ReplayServiceLimits limits;
  // Prometheus /metrics on net.bind_host (replay_metrics.h); -1 = off, 0 = any.
  int metrics_port = -1;
};

// INVALID_ARGUMENT naming the field ("keep_checkpoints: ...",
// "shard.table.capacity_transitions: ...") when a config is unusable.
absl::Status ValidateReplayServerConfig(const ReplayServerConfig& config);

class ReplayServer {
 public:
  // Restores the newest good checkpoint (if any), then starts serving.
  static absl::StatusOr<std::unique_ptr<ReplayServer>> Start(
      ReplayServerConfig config);
  ~ReplayServer();  // Shutdown() if not yet done.

  int port() const { return port_; }
  int metrics_port() const { return metrics_http_ ? metrics_http_->port() : -1; }
  // Advertised "host:port" (net's AdvertiseHost), as published in the
  // rendezvous: "127.0.0.1:port" by default.
  std::string address() const;
  ReplayShard* shard() { return &shard_; }
  // Path of the checkpoint restored at start ("" if none), and problems with
  // newer ones that were skipped.
  const std::string& restored_checkpoint() const { return restored_; }
  const std::vector<std::string>& checkpoint_problems() const {
    return checkpoint_problems_;
  }

  // What replaying the episode log at start found ("" / none without a log).
  const LogReplayReport& log_replay() const { return log_replay_; }
  // The episode log's counters (zeros without one, and after Shutdown).
  EpisodeLog::Stats LogStats() const {
    return log_ != nullptr ? log_->stats() : EpisodeLog::Stats{};
  }

  // Counters plus rates over the last few seconds and checkpoint fields.
  hem::v1::ReplayStats Stats() ABSL_LOCKS_EXCLUDED(mu_);

  // Writes a checkpoint now. FAILED_PRECONDITION without a checkpoint_dir.
  absl::StatusOr<std::string> Checkpoint() ABSL_LOCKS_EXCLUDED(checkpoint_mu_);

  // Stops serving (cancelling open streams), then writes the final
  // checkpoint if configured. Idempotent.
  absl::Status Shutdown();

 private:
  explicit ReplayServer(ReplayServerConfig config);
  // Restores the newest good checkpoint, replays the episode log after it,
  // and opens a new log segment (durability=log). REQUIRES: checkpoint_dir.
  absl::Status Restore();
  void RecordRates() ABSL_LOCKS_EXCLUDED(mu_);
  void PeriodicCheckpoint() ABSL_LOCKS_EXCLUDED(checkpoint_mu_);
  void Report(hem::v1::ProcessStatus* status);
  void AppendMetrics(std::string* out);  // The /metrics page.

  const ReplayServerConfig config_;
  ReplayShard shard_;
  ReplayServiceImpl service_;
  ProcessStatusService status_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HttpServer> metrics_http_;
  int port_ = 0;
  std::string restored_;
  std::vector<std::string> checkpoint_problems_;
  std::unique_ptr<CheckpointDirectory> checkpoints_;
  LogReplayReport log_replay_;
  // Outlives the gRPC server (its callbacks complete open streams' inserts).
  std::unique_ptr<EpisodeLog> log_;

  absl::Mutex checkpoint_mu_;  // One checkpoint at a time.
  absl::Mutex mu_;
  // (time, inserted transitions, sampled transitions), oldest first.
  struct RateSample {
    absl::Time time;
    int64_t inserted;
    int64_t sampled;
  };
  std::deque<RateSample> rate_samples_ ABSL_GUARDED_BY(mu_);
  int64_t checkpoints_written_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_checkpoint_ ABSL_GUARDED_BY(mu_);

  // Background chores, stopped by Shutdown() before the final checkpoint.
  PeriodicClosure rate_sampler_;                     // RecordRates.
  std::unique_ptr<PeriodicClosure> checkpointer_;  // Only with checkpoints.
  bool shut_down_ = false;
};

// What the replay_server binary does: start, print the ready line, serve
// until `stop` becomes true (replay_server passes ShutdownSignal()), then shut
// down with a final checkpoint. Notices `stop` within 50 ms.
absl::Status RunReplayServer(const ReplayServerConfig& config,
                             const std::atomic<bool>& stop);

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_REPLAY_SERVER_H_
