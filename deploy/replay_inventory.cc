// replay_inventory: what a replay shard holds on disk, as a shard restarted
// from there would hold it - its newest good checkpoint plus, with the
// episode log, every episode logged after it. Prints one line per episode,
//   actor_id episode_id num_steps
// for tests that compare what actors were told was stored (actor --ack_log)
// with what survived (tests/chaos_test.sh). Run it only on a directory no
// shard is using: it restores through ReplayServer, as a restart would.
//
//   replay_inventory --checkpoint_dir=RUN/replay-0 --shard_index=0 --num_shards=2
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "common/process.h"
#include "replay_service/replay_server.h"

ABSL_FLAG(std::string, checkpoint_dir, "", "The shard's checkpoint directory");
ABSL_FLAG(int, shard_index, 0, "The shard's index");
ABSL_FLAG(int, num_shards, 1, "Number of shards of the run");

int main(int argc, char** argv) {
  hem::InitProcess(argc, argv,
                   "Lists the episodes a replay shard holds on disk: actor_id episode_id "
                   "num_steps.\n  replay_inventory --checkpoint_dir=DIR --shard_index=I "
                   "--num_shards=N");
  hem::ReplayServerConfig config;
  config.checkpoint_dir = absl::GetFlag(FLAGS_checkpoint_dir);
  config.shard.shard_index = absl::GetFlag(FLAGS_shard_index);
  config.shard.num_shards = absl::GetFlag(FLAGS_num_shards);
  // Keep what is stored however large: listing must not evict.
  config.shard.table.capacity_transitions = int64_t{1} << 40;
  config.checkpoint_interval = absl::ZeroDuration();
  config.checkpoint_on_shutdown = false;
  if (config.checkpoint_dir.empty()) {
    std::fprintf(stderr, "replay_inventory: --checkpoint_dir: must be set\n");
    return 2;
  }
  absl::StatusOr<std::unique_ptr<hem::ReplayServer>> server = hem::ReplayServer::Start(config);
  if (!server.ok()) {
    std::fprintf(stderr, "replay_inventory: %s\n", server.status().ToString().c_str());
    return 1;
  }
  int64_t episodes = 0;
  for (const auto& table : (*server)->shard()->Snapshot()) {
    for (const auto& episode : table.episodes) {
      std::printf("%llu %llu %d\n", static_cast<unsigned long long>(episode->actor_id),
                  static_cast<unsigned long long>(episode->episode_id), episode->num_steps);
      ++episodes;
    }
  }
  std::fprintf(stderr, "replay_inventory: shard %d: %lld episodes (checkpoint '%s')\n",
               config.shard.shard_index, static_cast<long long>(episodes),
               (*server)->restored_checkpoint().c_str());
  for (const std::string& problem : (*server)->checkpoint_problems()) {
    std::fprintf(stderr, "replay_inventory: skipped %s\n", problem.c_str());
  }
  absl::Status stopped = (*server)->Shutdown();
  return stopped.ok() ? 0 : 1;
}
