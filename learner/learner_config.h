// The learner's configuration: every setting of the M-step process, with its
// default and its meaning stated here and nowhere else (the `learner` flags
// take their defaults from a default-constructed LearnerConfig), and the one
// check of a whole config. Torch-free.
//
// Errors name the config field ("batch_size: 0 not in [1, 1048576]"); only
// the binary's flags layer (learner_flags.h) knows which flag sets a field.
#ifndef HEM_LEARNER_LEARNER_CONFIG_H_
#define HEM_LEARNER_LEARNER_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/net_config.h"
#include "learner/her_config.h"
#include "proto/replay_service.pb.h"

namespace hem {

// What the learner trains: hEM's M-step, or HER (the paper's baseline) -
// DDPG+HER for continuous actions, DQN+HER for discrete ones.
enum class LearnerAlgorithm { kHem, kHer };

// "hem" | "her"; INVALID_ARGUMENT "'x' is not one of hem, her" otherwise.
absl::StatusOr<LearnerAlgorithm> ParseLearnerAlgorithm(absl::string_view name);
absl::string_view LearnerAlgorithmName(LearnerAlgorithm algorithm);

struct LearnerConfig {
  // The algorithm; HER's own settings are in `her` (her_config.h).
  LearnerAlgorithm algo = LearnerAlgorithm::kHem;
  HerConfig her;

  // --- Data: the replay shards and what is asked of them. ---

  // One "host:port" (or "rdzv:replay/<i>", resolved by RunLearner through
  // net.rendezvous_dir) per replay shard. Required.
  std::vector<std::string> replay_addresses;
  // Task name as in common/env_catalog.h, e.g. "fetch_reach", "flip_bit:k=40".
  // Required.
  std::string env;
  // Transitions per M-step.
  int batch_size = 256;
  // Hindsight relabeling asked of the shards (the E-step's q_h);
  // UNSPECIFIED uses each shard's configured default.
  hem::v1::RelabelStrategy relabel_strategy = hem::v1::RELABEL_STRATEGY_UNSPECIFIED;
  // Probability of relabeling a transition's goal; < 0 uses each shard's
  // default (hEM) or her.relabel_probability (HER).
  float relabel_probability = -1;
  // With the future strategy, relabel with achieved goals at most this many
  // steps ahead; 0 = to the episode's end (HER's and the paper's 'future').
  // A window teaches the quickest way seen to each goal rather than the
  // behaviour's average speed (docs/RESULTS.md, reacher and nav:k=80).
  int future_window = 0;
  // Decoded batches queued ahead of the training thread (and the sampler's
  // per-shard prefetch, in batches' worth).
  int prefetch_batches = 8;

  // --- The policy network and its optimiser. ---

  // Widths of the MLP's hidden layers.
  std::vector<int> hidden_sizes = {256, 256, 256};
  // Learn the global Gaussian sigma; false keeps it fixed at `sigma`.
  bool learn_sigma = true;
  // Initial (learned) or fixed global sigma, within exp(kMinLogSigma) and
  // exp(kMaxLogSigma) (learner/sigma_limits.h).
  double sigma = 0.5;
  // hEM, continuous actions: fit pi as the Gaussian clipped to the action
  // box (PolicyConfig.censored_likelihood). Actors store the clipped action
  // the env applied; the Gaussian density of a clipped action pulls the
  // mean back inside the box, so a task whose best actions saturate learns
  // timid ones.
  bool censored_likelihood = false;
  // Running mean/std normalisation of observations and goals (hEM; HER
  // uses her.normalize_inputs).
  bool normalize = false;
  // hEM: leave transitions whose action left the observation unchanged (a
  // move into a wall) out of the M-step. In hindsight such an action did
  // nothing towards any goal, yet maximum likelihood would still teach it;
  // on four_rooms the greedy policy then repeats it and never moves again.
  // The shards send next observations (with_next batches) to tell.
  bool skip_noop_transitions = false;
  // hEM: actors and the evaluator act with an exponential moving average of
  // the trained weights (Polyak averaging of Adam's iterates), with this
  // decay per update; 0 = the trained weights themselves (the paper). The
  // M-step is unchanged: what is acted with no longer jitters from update
  // to update. On by default because the trained weights' test success
  // swings by up to 0.34 between successive versions once a task is solved
  // (nav:k=10: 0.63-1.00 over 100 evaluations of 500 episodes), the
  // average's by at most 0.04 (docs/RESULTS.md, "Stability"). < 0 = the
  // algorithm's default (ActingAverage below): 0.995 for hEM, off for HER.
  double acting_average = -1;
  // Adam's step size (the paper's 1e-3); HER: the DDPG actor's.
  double learning_rate = 1e-3;
  // Clip the global gradient norm to this; 0 = no clipping.
  double max_grad_norm = 0;
  // Seed of the network's initialisation.
  uint64_t seed = 1;

  // --- Compute. ---

  // "auto" (CUDA when available), "cpu" or "cuda".
  std::string device = "auto";
  // LibTorch intra-op threads (at::set_num_threads).
  int torch_threads = 1;
  // LibTorch inter-op threads; set once per process.
  int torch_interop_threads = 1;

  // --- Serving weights and status. ---

  // Port of the ParameterService (weights for actors) and StatusService;
  // 0 = any free port.
  int port = 0;
  // Where to listen (loopback by default), TLS + token credentials for its
  // servers and its replay clients, and the rendezvous it publishes itself
  // in as "learner-0" and resolves rdzv: replay addresses from.
  NetConfig net;
  // Publish a new weights version every this many updates (>= 1).
  int publish_every = 10;
  // Port of the Prometheus /metrics endpoint; -1 = off, 0 = any free port.
  int metrics_port = -1;
  // Between two metrics.csv rows and console lines.
  absl::Duration report_interval = absl::Seconds(5);
  // Process name in the StatusService and in logs.
  std::string name = "learner";

  // --- Run directory, checkpoints and the end of training. ---

  // Where metrics.csv, checkpoints/ and the version lease go; "" = nowhere
  // (no checkpoints, versions restart at 1).
  std::string run_dir;
  // Between two checkpoints during training; <= 0 = only at the end.
  absl::Duration checkpoint_interval = absl::Minutes(10);
  // Checkpoints kept in run_dir/checkpoints (the newest ones).
  int keep_checkpoints = 3;
  // Continue from run_dir's newest valid checkpoint, if there is one.
  bool resume = false;
  // Stop after this many updates in total (resumed ones included); 0 = never.
  int64_t max_updates = 0;
};

// OK, or INVALID_ARGUMENT "<field>: <why>" for the first unusable value.
absl::Status ValidateLearnerConfig(const LearnerConfig& config);

// The acting average's decay in effect: config.acting_average, or where it
// is < 0 the algorithm's default (kHemActingAverage for hEM, 0 for HER).
inline constexpr double kHemActingAverage = 0.995;
double ActingAverage(const LearnerConfig& config);

}  // namespace hem

#endif  // HEM_LEARNER_LEARNER_CONFIG_H_
