// The goal-conditioned policy pi_theta(a | s, g), shared by the learner (which
// trains it) and the actors (which act with it). LibTorch stays behind this
// header, so actor code that includes it compiles in seconds.
//
//   continuous actions: Gaussian N(mu_theta(s, g), sigma^2) with one global
//                       sigma (learned or fixed), MLP on [s, g];
//   discrete actions:   categorical over actions, MLP on [s, g];
//   image observations: CNN [32,8,4] -> [64,4,2] -> [64,3,2] (ReLU) on the
//                       image, features concatenated with the goal (or the
//                       goal image's features) before the MLP.
#ifndef HEM_LEARNER_POLICY_H_
#define HEM_LEARNER_POLICY_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "proto/policy.pb.h"

namespace hem {

// Inputs for a batch of B (state, goal) pairs, as contiguous row-major arrays
// in the spec's dtypes; unused pointers may be null.
struct PolicyInputs {
  int batch_size = 0;
  const float* states = nullptr;        // [B, obs]; FLOAT32 observations.
  const uint8_t* images = nullptr;      // [B, obs]; UINT8 observations.
  const float* goals = nullptr;         // [B, goal_dim]
  const uint8_t* goal_images = nullptr; // [B, goal obs]; tasks with image goals.
};

class Policy {
 public:
  // A freshly initialised network for config.spec(), on CPU, for inference.
  static absl::StatusOr<std::unique_ptr<Policy>> Create(
      const hem::v1::PolicyConfig& config, uint64_t seed);
  // A network built from config and loaded with the weights.
  static absl::StatusOr<std::unique_ptr<Policy>> FromWeights(
      const hem::v1::PolicyWeights& weights);
  virtual ~Policy() = default;

  // Replaces the parameters with `weights` (same config). Fails, leaving the
  // policy unchanged, if they do not fit.
  virtual absl::Status LoadWeights(const hem::v1::PolicyWeights& weights) = 0;

  // Chooses one action per input row into `actions` ([B, ActionDim]; a
  // discrete action is written as its index in a float). Deterministic: the
  // mean (continuous) or argmax (discrete); otherwise a sample from pi, drawn
  // with the policy's own generator (seeded at creation).
  // Runs in inference mode on the calling thread.
  virtual absl::Status Act(const PolicyInputs& inputs, bool deterministic,
                           absl::Span<float> actions) = 0;

  virtual int64_t version() const = 0;  // Version of the loaded weights; -1 if none.
  virtual const hem::v1::PolicyConfig& config() const = 0;
};

}  // namespace hem

#endif  // HEM_LEARNER_POLICY_H_
