// Adapts ShardedReplaySampler to BatchSource (see replay_batch_source.h).
#include "learner/replay_batch_source.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "replay_service/replay_sampler.h"

namespace hem {
namespace {

class ReplayBatchSource final : public BatchSource {
 public:
  explicit ReplayBatchSource(std::unique_ptr<ShardedReplaySampler> sampler)
      : sampler_(std::move(sampler)) {}

  absl::StatusOr<hem::v1::Batch> Next(absl::Duration timeout) override {
    return sampler_->Next(timeout);
  }
  int64_t live_shards() const override { return sampler_->stats().live_shards; }

 private:
  const std::unique_ptr<ShardedReplaySampler> sampler_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<BatchSource>> MakeReplayBatchSource(
    const LearnerConfig& config, uint64_t spec_id) {
  ReplaySamplerOptions options;
  options.addresses = config.replay_addresses;
  options.spec_id = spec_id;
  options.batch_size = config.batch_size;
  options.strategy = config.relabel_strategy;
  options.relabel_probability = config.relabel_probability;
  options.future_window = config.future_window;
  if (config.algo == LearnerAlgorithm::kHer) {
    // HER is a TD learner: 'future' goals at baselines' future_p unless the
    // config says otherwise, and next observations, rewards and terminals
    // recomputed by the shards for the relabeled goals.
    if (options.strategy == hem::v1::RELABEL_STRATEGY_UNSPECIFIED) {
      options.strategy = hem::v1::RELABEL_FUTURE;
    }
    if (options.relabel_probability < 0) {
      options.relabel_probability = config.her.relabel_probability;
    }
    options.with_next = true;
  }
  // hEM tells no-op transitions by their next observation.
  if (config.skip_noop_transitions) options.with_next = true;
  options.prefetch_batches = config.prefetch_batches;
  absl::StatusOr<std::shared_ptr<const Credentials>> credentials =
      LoadNetCredentials(config.net);
  if (!credentials.ok()) return credentials.status();
  options.credentials = *std::move(credentials);
  absl::StatusOr<std::unique_ptr<ShardedReplaySampler>> sampler =
      ShardedReplaySampler::Create(std::move(options));
  if (!sampler.ok()) {
    return absl::Status(sampler.status().code(),
                        absl::StrCat("replay_addresses: ", sampler.status().message()));
  }
  return std::unique_ptr<BatchSource>(new ReplayBatchSource(*std::move(sampler)));
}

}  // namespace hem
