// Writes the seed corpora of the learner fuzz targets from real inputs:
// policy weights archives as the learner publishes them (an MLP and a small
// CNN policy) and a framed checkpoint.
//
//   bazel run //learner/fuzz:make_seeds -- "$PWD/learner/fuzz/corpus"
#include <cstdio>
#include <string>

#include "common/env_catalog.h"
#include "common/fuzz/seed_files.h"
#include "learner/checkpoint_framing.h"
#include "learner/policy.h"
#include "proto/policy.pb.h"

namespace hem {
namespace {

int Main(const std::string& root) {
  hem::v1::PolicyConfig config;
  *config.mutable_spec() = *MakeEnvSpec("nav:k=2");
  config.add_hidden_sizes(8);
  config.set_normalize_inputs(true);
  // The loader fuzzer's own policy: same config, other seeds.
  for (int seed : {1, 2}) {
    auto weights = InitialPolicyWeights(config, seed, 1);
    if (!weights.ok()) return 1;
    WriteSeed(root + "/weights_loader_fuzz", "nav2_h8_seed" + std::to_string(seed),
          weights->weights());
    WriteSeed(root + "/weights_archive_fuzz", "nav2_h8_seed" + std::to_string(seed),
          weights->weights());
  }
  const std::string archive = "PK\x05\x06" + std::string(18, '\0');
  WriteSeed(root + "/learner_checkpoint_fuzz", "empty_archive",
        CheckpointHead(archive.size()) + archive + CheckpointTail(archive));
  return 0;
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) { return hem::SeedMain(argc, argv, hem::Main); }
