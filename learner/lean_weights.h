// The bridge from LibTorch's policy network to the lean MLP path: the
// network's MLP and input normaliser copied out as plain arrays
// (LeanMlpWeights), once per weight version. Kept apart from lean_mlp.h so
// that the lean path itself never sees LibTorch.
//
// Torch-internal header (learner .cc files only).
#ifndef HEM_LEARNER_LEAN_WEIGHTS_H_
#define HEM_LEARNER_LEAN_WEIGHTS_H_

#include "learner/lean_mlp.h"
#include "learner/networks.h"

namespace hem {

// True when LeanMlp can run `spec`'s network: vector observations and goals
// (no image encoder).
bool LeanMlpServes(const hem::v1::EnvSpec& spec);

// The network's current MLP and normaliser. REQUIRES: LeanMlpServes(spec).
LeanMlpWeights LeanWeightsOf(PolicyNetworkImpl& network);

}  // namespace hem

#endif  // HEM_LEARNER_LEAN_WEIGHTS_H_
