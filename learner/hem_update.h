// hEM's M-step (m_step.h) as the learner's Algorithm: each relabeled batch
// first updates the policy's running normaliser (when it has one), then gets
// one Adam step on -mean log pi(a|s,g). Batches need no next observations
// (unless the M-step skips no-op transitions).
//
// With an acting average (ActingAverage(config) = d > 0, the default) actors act
// with a second network holding an exponential moving average of the
// trained weights, updated after every step as avg <- d avg + (1 - d) w
// (SoftUpdate, her_targets.h; the normaliser's statistics copied, not
// averaged); checkpoints keep it.
//
// Torch-internal header (learner .cc files only).
#ifndef HEM_LEARNER_HEM_UPDATE_H_
#define HEM_LEARNER_HEM_UPDATE_H_

#include "learner/algorithm.h"
#include "learner/m_step.h"
#include "learner/networks.h"

namespace hem {

class HemUpdate final : public Algorithm {
 public:
  // `averaged` null: act with `network` itself. Otherwise a network of the
  // same config, which starts as a copy of `network`; decay in (0, 1).
  HemUpdate(PolicyNetwork network, MStepConfig config, PolicyNetwork averaged = nullptr,
            double decay = 0);

  absl::StatusOr<UpdateStats> Train(const TrainingBatch& batch, bool with_stats) override;
  PolicyNetwork acting_network() override { return averaged_ ? averaged_ : network_; }
  CheckpointParts checkpoint_parts() override;

 private:
  // averaged_ <- decay_ averaged_ + (1 - decay_) network_; buffers copied.
  void UpdateAverage(double decay);

  PolicyNetwork network_;
  MStep m_step_;
  PolicyNetwork averaged_;
  const double decay_;
};

}  // namespace hem

#endif  // HEM_LEARNER_HEM_UPDATE_H_
