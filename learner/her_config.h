// The settings of HER, the paper's baseline (Appendix C.2): DDPG+HER for
// continuous actions, DQN+HER for discrete ones, with OpenAI baselines'
// published defaults (baselines/her/experiment/config.py), each stated once
// here. Torch-free.
//
// How baselines' pieces map onto hem:
// - Relabeling: replay_k = 4 'future' goals per original one, i.e. future_p =
//   1 - 1/(1 + 4) = 0.8. The learner asks the shards for 'future' batches
//   with relabel_probability 0.8 and with_next, so the shards recompute
//   rewards and terminals for the relabeled goals (hindsight_sampler.h).
// - Rewards: hem's are 1 on success and 0 otherwise; baselines' are 0 and -1.
//   The learner uses r - 1, so Q estimates minus the expected steps to
//   success and targets are clipped to [-1/(1 - gamma), 0] as baselines'
//   clip_return (with clip_pos_returns) does.
// - Terminals: a shard marks a transition terminal when the episode ended
//   there, at a success (every hem task ends on success) or at the horizon.
//   Only a success ends the return; an episode cut at the horizon
//   bootstraps, since time is not part of the state (baselines never cuts).
// - Update cadence: baselines alternates a cycle of 2 episodes x T steps per
//   worker with n_batches = 40 updates of batch 256, then moves the target
//   networks once (polyak 0.95). hem's actors and learner run concurrently:
//   targets move every target_update_every = 40 updates, and the data to
//   update ratio is the shards' rate limit (--samples_per_insert, each stored
//   transition sampled ~R times): baselines' ratio is 40 x 256 / (2 x 50) =
//   ~100 samples per inserted transition (T = 50). deploy/launch.sh keeps
//   its own default (8) for both algorithms, so a comparison gives both the
//   same data and compute; pass --samples_per_insert=100 for baselines'.
// - Networks: 3 x 256 ReLU (LearnerConfig.hidden_sizes), the same CNN encoder
//   as hEM's for images, observations and goals normalised by running mean
//   and std clipped to 5 (baselines' norm_clip; its clip_obs = 200 never
//   binds on hem's tasks). Adam 1e-3 for actor (LearnerConfig.learning_rate,
//   baselines' pi_lr) and critic (Q_lr).
#ifndef HEM_LEARNER_HER_CONFIG_H_
#define HEM_LEARNER_HER_CONFIG_H_

#include "absl/status/status.h"

namespace hem {

struct HerConfig {
  // Discount factor.
  double gamma = 0.98;
  // Target networks move target <- polyak * target + (1 - polyak) * main
  // every target_update_every updates (baselines: once per 40-update cycle).
  double polyak = 0.95;
  int target_update_every = 40;
  // Adam step size of the critic (DDPG) or Q-network (DQN); DDPG's actor
  // uses LearnerConfig.learning_rate.
  double critic_learning_rate = 1e-3;
  // Weight of mean(tanh(pre-activation)^2), the squared normalised action,
  // in DDPG's actor loss (action_l2).
  double action_l2 = 1.0;
  // Clip TD targets to [-1/(1 - gamma), 0] (clip_return).
  bool clip_target = true;
  // Running mean/std normalisation of observations and goals, clipped to 5.
  bool normalize_inputs = true;
  // Probability of a 'future' goal when LearnerConfig.relabel_probability
  // is < 0 (future_p).
  float relabel_probability = 0.8f;
  // DDPG exploration (the actors apply it): Gaussian noise of this std in
  // half-widths of the action box (noise_eps, of max_u), then with
  // probability random_action_probability a uniform action (random_eps).
  float exploration_noise = 0.2f;
  float random_action_probability = 0.3f;
  // DQN exploration: epsilon-greedy with a fixed epsilon. Fixed, because
  // asynchronous actors share no notion of training progress to decay
  // against; 0.2 keeps the achieved goals (all that HER learns from) varied
  // around the greedy path without making flip_bit's k-step episodes, which
  // end at the horizon, mostly random.
  float epsilon = 0.2f;
};

// OK, or INVALID_ARGUMENT "her.<field>: <why>".
absl::Status ValidateHerConfig(const HerConfig& config);

}  // namespace hem

#endif  // HEM_LEARNER_HER_CONFIG_H_
