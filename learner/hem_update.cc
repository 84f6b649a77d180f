// hEM's M-step behind the Algorithm interface (see hem_update.h).
#include "learner/hem_update.h"

#include <utility>

#include "common/status_macros.h"
#include "learner/her_targets.h"

namespace hem {

HemUpdate::HemUpdate(PolicyNetwork network, MStepConfig config, PolicyNetwork averaged,
                     double decay)
    : network_(std::move(network)),
      m_step_(network_, config),
      averaged_(std::move(averaged)),
      decay_(decay) {
  if (averaged_) UpdateAverage(/*decay=*/0);  // Start as a copy.
}

void HemUpdate::UpdateAverage(double decay) {
  // The same Polyak step as HER's target networks.
  SoftUpdate(*averaged_, *network_, decay);
  CopyBuffers(*averaged_, *network_);
}

absl::StatusOr<UpdateStats> HemUpdate::Train(const TrainingBatch& batch, bool with_stats) {
  HEM_RETURN_IF_ERROR(CatchTorch("updating the normaliser", [&] {
    network_->UpdateNormalizer(batch.inputs);  // No-op without a normaliser.
    return absl::OkStatus();
  }));
  HEM_ASSIGN_OR_RETURN(MStepStats m_step, m_step_.Update(batch.inputs, batch.actions, with_stats,
                                                         batch.next_observations));
  if (averaged_) {
    HEM_RETURN_IF_ERROR(CatchTorch("averaging the acting weights", [&] {
      UpdateAverage(decay_);
      return absl::OkStatus();
    }));
  }
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
  if (averaged_) parts.modules.emplace_back("acting_average", averaged_.get());
  return parts;
}

}  // namespace hem
