// Fuzzes the episode log reader: any bytes as a log segment, replayed into
// an empty shard as at a shard's start. It must stop at the first record
// that does not verify and never report more valid bytes than it was given.
// (Fuzzing builds accept any record checksum; see replay_checkpoint_fuzz.)
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "replay_service/episode_log_reader.h"
#include "replay_service/replay_shard.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::FILE* file = fmemopen(const_cast<uint8_t*>(data), size, "rb");
  if (file == nullptr) return 0;
  hem::ReplayShardConfig config;
  config.table.capacity_transitions = 1000;
  hem::ReplayShard shard(config);
  const hem::LogSegmentScan scan = hem::ReplayLogSegment(file, size, "fuzz", 0, &shard);
  std::fclose(file);
  if (scan.valid_bytes > size) std::abort();
  if (scan.problem.empty() && scan.valid_bytes != size) std::abort();
  if (shard.Stats().inserted_episodes() != scan.episodes) std::abort();
  return 0;
}
