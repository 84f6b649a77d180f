// Episodes and policy weights as flat files, so the encoder probe's offline
// M-step can be split across machines: episodes are rendered where MuJoCo
// and Mesa are (tests/encoder_probe --save_episodes), learned from on a GPU
// machine that cannot render (tests/offline_m_step, built by deploy/gpu/),
// and the weights it writes are tested back here in the task's own env
// (tests/encoder_probe --mode=evaluate).
//
// The two sides run different LibTorch versions (Debian's 1.13 here, a
// PyTorch wheel's there), whose archive formats differ, so both files are
// raw little-endian numbers behind a short header instead of torch::save
// archives. Readers check every header field against the file's size before
// allocating, and name what is wrong.
#ifndef HEM_TESTS_PROBE_FILES_H_
#define HEM_TESTS_PROBE_FILES_H_

#include <string>

#include <torch/torch.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "learner/networks.h"
#include "proto/env_spec.pb.h"

namespace hem {

// The network both probes train: the task's policy network as the learner
// builds it by default (hidden 3x256, learned sigma), initialised from `seed`.
absl::StatusOr<PolicyNetwork> MakeProbeNetwork(const hem::v1::EnvSpec& spec, uint64_t seed);

// E episodes of horizon T, as the probe collects them.
struct ProbeEpisodes {
  torch::Tensor observations;  // [E, T, obs...] float32 states or uint8 images.
  torch::Tensor actions;       // float32 [E, T, action_dim].
  torch::Tensor achieved;      // float32 [E, T + 1, goal_dim].
};

absl::Status WriteEpisodes(const ProbeEpisodes& episodes, const std::string& path);

// INVALID_ARGUMENT "<path>: <why>" for a file WriteEpisodes did not write
// (bad magic, dtypes, ranks, or a size that disagrees with the header).
absl::StatusOr<ProbeEpisodes> ReadEpisodes(const std::string& path);

// Every parameter and buffer of `network` (SnapshotNetwork's names and
// order), as float32.
absl::Status WriteWeights(torch::nn::Module& network, const std::string& path);

// Loads WriteWeights' output into `network`, which must have the same
// names and shapes; checks them all before changing anything.
absl::Status ReadWeights(const std::string& path, torch::nn::Module& network);

}  // namespace hem

#endif  // HEM_TESTS_PROBE_FILES_H_
