// Writes the seed corpora of the replay fuzz targets from real inputs:
// trajectories and specs from the catalogue, sample requests as the learner
// sends them, and checkpoint and episode log files written by the shard's
// own code. Small on purpose (short episodes), so the fuzzer mutates
// structure rather than bulk numbers.
//
//   bazel run //replay_service/fuzz:make_seeds -- "$PWD/replay_service/fuzz/corpus"
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/env_catalog.h"
#include "common/fuzz/seed_files.h"
#include "proto/replay_service.pb.h"
#include "replay_service/checkpoint.h"
#include "replay_service/episode_log.h"
#include "replay_service/replay_shard.h"
#include "replay_service/replay_testing.h"

namespace hem {
namespace {

const char* const kSpecs[] = {"flip_bit:k=8", "fetch_reach", "nav:k=2", "point_mass",
                              "reacher"};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

hem::v1::Trajectory Short(const hem::v1::EnvSpec& spec, uint64_t episode, int steps) {
  testing::TrajectoryOptions options;
  options.num_steps = steps;
  return testing::MakeTrajectory(spec, 1, episode, options);
}

int Main(const std::string& root) {
  // trajectory_fuzz: the spec selector byte, then the trajectory.
  for (int i = 0; i < 5; ++i) {
    const hem::v1::EnvSpec spec = *MakeEnvSpec(kSpecs[i]);
    for (int steps : {1, 3}) {
      WriteSeed(root + "/trajectory_fuzz", absl::StrCat("spec", i, "_steps", steps),
            std::string(1, static_cast<char>(0x80 | i)) +
                Short(spec, 7, steps).SerializeAsString());
    }
  }
  // sample_request_fuzz: what the learner's sampler sends.
  for (int strategy = 0; strategy <= 5; ++strategy) {
    hem::v1::SampleRequest request;
    request.set_batch_size(strategy == 0 ? 256 : 32);
    request.set_num_batches(1);
    request.set_strategy(static_cast<hem::v1::RelabelStrategy>(strategy));
    request.set_relabel_probability(strategy == 3 ? 0.8f : -1.0f);
    request.set_with_next(strategy % 2 == 1);
    request.set_seed(strategy);
    WriteSeed(root + "/sample_request_fuzz", absl::StrCat("strategy_", strategy),
          request.SerializeAsString());
  }
  // replay_checkpoint_fuzz and episode_log_fuzz: files as the shard writes them.
  char pattern[] = "/tmp/hem-seeds-XXXXXX";
  const std::string dir = mkdtemp(pattern);
  ReplayShard shard(ReplayShardConfig{});
  auto log = EpisodeLog::Create(dir, 0, 1, {});
  if (!log.ok()) return 1;
  shard.AttachLog(log->get());
  for (int i : {0, 2}) {
    const hem::v1::EnvSpec spec = *MakeEnvSpec(kSpecs[i]);
    if (!shard.RegisterSpec(spec).ok()) return 1;
    for (int e = 0; e < 2; ++e) {
      hem::v1::Trajectory t = Short(spec, e, 2);
      if (!shard.Insert(&t, absl::InfiniteFuture(), nullptr).ok()) return 1;
    }
  }
  log->reset();
  WriteSeed(root + "/episode_log_fuzz", "two_specs_four_episodes",
        ReadAll(*EpisodeLogFiles(dir, 0).PathFor(1)));
  const std::string checkpoint = dir + "/checkpoint";
  if (!WriteCheckpointFile(checkpoint, 0, 1, shard.Snapshot(), 3).ok()) return 1;
  WriteSeed(root + "/replay_checkpoint_fuzz", "two_specs_four_episodes", ReadAll(checkpoint));
  if (!WriteCheckpointFile(checkpoint, 0, 1, {}).ok()) return 1;
  WriteSeed(root + "/replay_checkpoint_fuzz", "empty", ReadAll(checkpoint));
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) { return hem::SeedMain(argc, argv, hem::Main); }
