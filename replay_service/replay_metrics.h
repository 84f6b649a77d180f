// A replay shard's /metrics page (Prometheus text, common/prometheus_text.h):
// what it stores, what went in and out (counters Prometheus turns into
// rates), rate-limiter waits on each side, evictions, rejected trajectories
// by reason, its episode log's writes and how old its newest checkpoint is.
// The numbers are the ones ReplayServer::Stats() and the StatusService
// report; this only names and formats them.
#ifndef HEM_REPLAY_SERVICE_REPLAY_METRICS_H_
#define HEM_REPLAY_SERVICE_REPLAY_METRICS_H_

#include <cstdint>
#include <string>

#include "proto/replay_service.pb.h"
#include "replay_service/episode_log.h"

namespace hem {

struct ReplayMetricsInputs {
  hem::v1::ReplayStats stats;          // ReplayServer::Stats().
  int64_t duplicate_trajectories = 0;  // Resends of episodes already held.
  int64_t open_streams = 0;
  const EpisodeLog::Stats* log = nullptr;  // Null without an episode log.
};

// Appends the page to *out; names start "hem_replay_".
void AppendReplayMetrics(const ReplayMetricsInputs& inputs, std::string* out);

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_REPLAY_METRICS_H_
