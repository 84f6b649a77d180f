// The replay_server binary's command-line flags: the only place that knows
// their names. Each flag's default is ReplayServerConfig()'s (including its
// ReplayShardConfig, ReplayTableOptions and RateLimiterOptions); errors the
// library reports by field ("shard.table.capacity_transitions: ...") are
// reported by flag ("--capacity_transitions: ...").
#ifndef HEM_REPLAY_SERVICE_REPLAY_SERVER_FLAGS_H_
#define HEM_REPLAY_SERVICE_REPLAY_SERVER_FLAGS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "replay_service/replay_server.h"

namespace hem {

// Reads the (already parsed) absl flags into a validated ReplayServerConfig;
// errors name the flag.
absl::StatusOr<ReplayServerConfig> ReplayServerConfigFromFlags();

// Rewrites the "field: ..." prefix of an error from ValidateReplayServerConfig
// or RunReplayServer into "--flag: ..."; other errors pass unchanged.
absl::Status ReplayServerFlagError(absl::Status status);

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_REPLAY_SERVER_FLAGS_H_
