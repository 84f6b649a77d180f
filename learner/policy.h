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
//   HER (config.algorithm): the same network as DDPG's deterministic actor
//                       or DQN's greedy Q (her_policy.h).
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

// What runs the network in Act. kDefault: the lean path (lean_mlp.h: the
// weights unpacked into plain float buffers once per version, a few matrix
// products per batch, no framework per step) for MLP policies, LibTorch for
// policies with an image encoder. kLibTorch: LibTorch always - the
// reference the lean path is tested against, and benchmarks' baseline.
// LogProb and weight loading use LibTorch either way.
enum class InferenceEngine { kDefault, kLibTorch };

class Policy {
 public:
  // A freshly initialised network for config.spec(), on CPU, for inference.
  static absl::StatusOr<std::unique_ptr<Policy>> Create(
      const hem::v1::PolicyConfig& config, uint64_t seed,
      InferenceEngine engine = InferenceEngine::kDefault);
  // A network built from config and loaded with the weights; its sampling
  // generator is seeded from std::random_device.
  static absl::StatusOr<std::unique_ptr<Policy>> FromWeights(
      const hem::v1::PolicyWeights& weights,
      InferenceEngine engine = InferenceEngine::kDefault);
  virtual ~Policy() = default;

  // Replaces the parameters with `weights` (same config). Fails, leaving the
  // policy unchanged, if they do not fit. Costs a deserialisation (and, on
  // the lean path, an unpacking): actors call it off their stepping thread.
  virtual absl::Status LoadWeights(const hem::v1::PolicyWeights& weights) = 0;

  // Chooses one action per input row into `actions` ([B, ActionDim]; a
  // discrete action is written as its index in a float). Deterministic: the
  // mean (continuous) or argmax (discrete); otherwise a sample from pi, drawn
  // with the policy's own generator (seeded at creation).
  // Runs in inference mode on the calling thread.
  virtual absl::Status Act(const PolicyInputs& inputs, bool deterministic,
                           absl::Span<float> actions) = 0;

  // log pi(a | s, g) for each row into `log_probs` ([B]); `actions` as Act
  // writes them ([B, ActionDim], a discrete index as a float). For tests and
  // diagnostics; runs in inference mode on the calling thread.
  virtual absl::Status LogProb(const PolicyInputs& inputs,
                               absl::Span<const float> actions,
                               absl::Span<float> log_probs) = 0;

  virtual int64_t version() const = 0;  // Version of the loaded weights; -1 if none.
  virtual const hem::v1::PolicyConfig& config() const = 0;
};

// The weights of a freshly initialised network for `config` (seeded), as
// version `version`: what a learner publishes before its first update, and
// what benchmarks and tests serve without training.
absl::StatusOr<hem::v1::PolicyWeights> InitialPolicyWeights(
    const hem::v1::PolicyConfig& config, uint64_t seed, int64_t version);

// Sets the threads LibTorch uses for Act in this process: intra-op threads
// (at::set_num_threads, and OpenBLAS's pool when LibTorch uses OpenBLAS, whose
// idle workers otherwise spin on every core) and inter-op threads (honoured
// only by the first call in a process). Call once at start-up; 1 and 1 suit
// actors on a small machine.
void SetPolicyThreads(int intra_op_threads, int inter_op_threads);

}  // namespace hem

#endif  // HEM_LEARNER_POLICY_H_
