// Lists of replay shard addresses and the routing of episodes to shards.
#ifndef HEM_COMMON_SHARD_ADDRESSES_H_
#define HEM_COMMON_SHARD_ADDRESSES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"

namespace hem {

// Parses "host:port,host:port" (a bare port means 127.0.0.1:port). An entry
// may instead name a process in the rendezvous, "rdzv:<role>/<index>"
// (common/rendezvous.h): it is kept as is, for ResolveAddresses at start.
// Errors on an empty list, a bad or out-of-range port, a malformed rdzv:
// entry, or a duplicate address, naming `flag_name` so the user knows which
// flag to fix.
absl::StatusOr<std::vector<std::string>> ParseAddressList(
    absl::string_view list, absl::string_view flag_name);

// The shard an episode goes to: a stable hash of (actor_id, episode_id), so
// one actor's episodes spread evenly and a retry lands on the same shard.
int ShardForEpisode(uint64_t actor_id, uint64_t episode_id, int num_shards);

}  // namespace hem

#endif  // HEM_COMMON_SHARD_ADDRESSES_H_
