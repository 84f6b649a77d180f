// hEM's M-step behind the Algorithm interface (see hem_update.h).
#include "learner/hem_update.h"

#include <utility>

#include "common/status_macros.h"

namespace hem {

HemUpdate::HemUpdate(PolicyNetwork network, MStepConfig config)
    : network_(std::move(network)), m_step_(network_, config) {}

absl::StatusOr<UpdateStats> HemUpdate::Train(const TrainingBatch& batch, bool with_stats) {
  HEM_RETURN_IF_ERROR(CatchTorch("updating the normaliser", [&] {
    network_->UpdateNormalizer(batch.inputs);  // No-op without a normaliser.
    return absl::OkStatus();
  }));
  HEM_ASSIGN_OR_RETURN(MStepStats m_step, m_step_.Update(batch.inputs, batch.actions, with_stats,
                                                         batch.next_observations));
  UpdateStats stats;
  stats.loss = m_step.loss;
  stats.entropy = m_step.entropy;
  stats.sigma = m_step.sigma;
  stats.optimizer_time = m_step.optimizer_time;
  return stats;
}

CheckpointParts HemUpdate::checkpoint_parts() {
  CheckpointParts parts;
  parts.network = network_.get();
  parts.optimizer = &m_step_.optimizer();
  return parts;
}

}  // namespace hem
