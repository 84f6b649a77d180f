// Fuzzes the replay checkpoint reader: any bytes as a checkpoint file, and
// whatever it accepts restored into an empty shard. (Fuzzing builds accept
// any record checksum, so the fuzzer reaches the records behind them; the
// checksum itself is tested in checkpoint_test.)
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "replay_service/checkpoint.h"
#include "replay_service/replay_shard.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto contents = hem::ParseCheckpoint(
      absl::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  if (!contents.ok()) return 0;
  hem::ReplayShardConfig config;
  config.table.capacity_transitions = 1000;
  hem::ReplayShard shard(config);
  // Every spec and trajectory in an accepted file validated: restoring it
  // must work (up to the shard's spec limit).
  if (static_cast<int>(contents->groups.size()) > config.max_specs) return 0;
  if (!hem::RestoreShard(*std::move(contents), &shard).ok()) std::abort();
  return 0;
}
