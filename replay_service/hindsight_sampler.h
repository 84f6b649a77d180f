// The E-step: draws transitions uniformly from a table and relabels their
// goals in hindsight, producing samples of the paper's q_h(tau, g).
//
// For a transition (s_t, a_t) of an episode with T steps, with probability
// `relabel_probability` its goal becomes an achieved goal chosen by the
// strategy:
//   future:  achieved_goals[t'] with t' uniform in [t+1, T] (HER 'future'),
//            or in [t+1, min(T, t+W)] with a future window W
//   final:   achieved_goals[T]
//   episode: achieved_goals[t'] with t' uniform in [0, T]
//   random:  achieved_goals[t2+1] of a uniform stored transition (e2, t2)
//   none:    never relabel
// otherwise it keeps the goal the actor pursued. With image goals, the goal
// image of a relabeled goal is the observation at the chosen step (so the
// spec's goal_observation shape must equal its observation shape).
//
// Rewards (with_next) are 1[success after a_t]: recomputed with IsSuccess
// for a relabeled goal, the actor's recorded success otherwise. A transition
// is terminal when it is the episode's last (t+1 == T) or, for specs that
// terminate on success, when its reward is 1.
//
// Tensors are written straight into the Batch's byte fields, sized once and
// reused across calls, so a sampler allocates nothing per transition (and
// nothing per batch once warm).
#ifndef HEM_REPLAY_SERVICE_HINDSIGHT_SAMPLER_H_
#define HEM_REPLAY_SERVICE_HINDSIGHT_SAMPLER_H_

#include <cstdint>

#include "absl/status/status.h"
#include "proto/batch.pb.h"
#include "proto/replay_service.pb.h"
#include "replay_service/random.h"
#include "replay_service/replay_table.h"

namespace hem {

struct HindsightOptions {
  int batch_size = 256;  // >= 1.
  // Never RELABEL_STRATEGY_UNSPECIFIED here: the shard resolves its default.
  hem::v1::RelabelStrategy strategy = hem::v1::RELABEL_FUTURE;
  double relabel_probability = 1.0;  // In [0, 1].
  // RELABEL_FUTURE: at most this many steps ahead; 0 = to the episode's
  // end. A window favours the quickest way to each goal: only trajectories
  // that got there within W steps teach how to.
  int future_window = 0;
  bool with_next = false;
};

// Bytes of tensor data one transition adds to a Batch (every tensor
// Sample fills, per row).
int64_t BatchBytesPerTransition(const SpecLayout& layout, bool with_next);

// The fewest bytes a transition of any valid spec takes: one observation
// byte, one goal and one action float, and the version.
inline constexpr int64_t kMinBatchBytesPerTransition = 1 + 4 + 4 + 8;

// INVALID_ARGUMENT naming the field when options are unusable for `spec`.
absl::Status ValidateHindsightOptions(const HindsightOptions& options,
                                      const hem::v1::EnvSpec& spec);

class HindsightSampler {
 public:
  // REQUIRES: ValidateHindsightOptions(options, table->spec()) is OK;
  // `table` outlives the sampler.
  HindsightSampler(const ReplayTable* table, HindsightOptions options,
                   uint64_t seed);

  // Fills `batch` with batch_size relabeled transitions. FAILED_PRECONDITION
  // if the table is empty. Thread-compatible (one sampler per thread).
  absl::Status Sample(hem::v1::Batch* batch);

 private:
  void PrepareBatch(hem::v1::Batch* batch) const;

  const ReplayTable* table_;
  const HindsightOptions options_;
  FastRng rng_;
};

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_HINDSIGHT_SAMPLER_H_
