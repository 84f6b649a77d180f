// hEM's M-step (m_step.h) as the learner's Algorithm: each relabeled batch
// first updates the policy's running normaliser (when it has one), then gets
// one Adam step on -mean log pi(a|s,g). Batches need no next observations.
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
  HemUpdate(PolicyNetwork network, MStepConfig config);

  absl::StatusOr<UpdateStats> Train(const TrainingBatch& batch, bool with_stats) override;
  PolicyNetwork acting_network() override { return network_; }
  CheckpointParts checkpoint_parts() override;

 private:
  PolicyNetwork network_;
  MStep m_step_;
};

}  // namespace hem

#endif  // HEM_LEARNER_HEM_UPDATE_H_
