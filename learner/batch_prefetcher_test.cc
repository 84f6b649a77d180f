// The decode thread: batches arrive decoded and in order, malformed ones are
// dropped, a full queue holds the producer back, and Stop() ends it at once.
#include "learner/batch_prefetcher.h"

#include <atomic>
#include <vector>

#include "common/env_catalog.h"
#include "common/tensor_codec.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

// Batches of nav:k=2 whose first observation is the batch's index; every
// `bad_every`-th batch (if > 0) has size 0 and must be dropped.
class CountingSource final : public BatchSource {
 public:
  explicit CountingSource(int bad_every = 0)
      : spec_(MakeEnvSpec("nav:k=2").value()), bad_every_(bad_every) {}

  absl::StatusOr<hem::v1::Batch> Next(absl::Duration) override {
    const int index = calls_++;
    hem::v1::Batch batch;
    batch.set_spec_id(spec_.spec_id());
    if (bad_every_ > 0 && index % bad_every_ == bad_every_ - 1) return batch;  // size 0.
    const int B = 4;
    std::vector<float> s(B * 2, static_cast<float>(index)), g(B * 2, 0.5f), a(B * 2, 0.1f);
    batch.set_size(B);
    EncodeTensor<float>(s, {B, 2}, batch.mutable_observations());
    EncodeTensor<float>(g, {B, 2}, batch.mutable_goals());
    EncodeTensor<float>(a, {B, 2}, batch.mutable_actions());
    return batch;
  }

  const hem::v1::EnvSpec& spec() const { return spec_; }
  int calls() const { return calls_; }

 private:
  const hem::v1::EnvSpec spec_;
  const int bad_every_;
  std::atomic<int> calls_{0};
};

float FirstObservation(const TrainingBatch& batch) {
  return batch.inputs.observations[0][0].item<float>();
}

TEST(BatchPrefetcher, DeliversDecodedBatchesInOrderAndDropsMalformedOnes) {
  CountingSource source(/*bad_every=*/3);
  BatchPrefetcher prefetcher(&source, source.spec(), /*pin_memory=*/false, 4, "test");
  std::vector<float> seen;
  for (int i = 0; i < 6; ++i) {
    absl::StatusOr<TrainingBatch> batch = prefetcher.Pop(absl::Seconds(10));
    ASSERT_TRUE(batch.ok()) << batch.status();
    EXPECT_EQ(batch->size, 4);
    EXPECT_EQ(batch->actions.sizes().vec(), (std::vector<int64_t>{4, 2}));
    seen.push_back(FirstObservation(*batch));
  }
  // Batches 2, 5, 8 were malformed.
  EXPECT_EQ(seen, (std::vector<float>{0, 1, 3, 4, 6, 7}));
}

TEST(BatchPrefetcher, AFullQueueHoldsTheProducerBack) {
  CountingSource source;
  BatchPrefetcher prefetcher(&source, source.spec(), false, /*capacity=*/2, "test");
  absl::SleepFor(absl::Milliseconds(300));
  // Two queued, one decoded and waiting for room.
  EXPECT_LE(source.calls(), 3);
  ASSERT_TRUE(prefetcher.Pop(absl::Seconds(10)).ok());
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_LE(source.calls(), 4);
}

TEST(BatchPrefetcher, StopEndsABlockedProducerAndDrainsTheQueue) {
  CountingSource source;
  BatchPrefetcher prefetcher(&source, source.spec(), false, /*capacity=*/2, "test");
  absl::SleepFor(absl::Milliseconds(200));  // Full, producer blocked.
  const absl::Time start = absl::Now();
  prefetcher.Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  int drained = 0;
  absl::StatusOr<TrainingBatch> batch;
  while ((batch = prefetcher.Pop(absl::Seconds(1))).ok()) ++drained;
  EXPECT_EQ(drained, 2);
  EXPECT_TRUE(absl::IsCancelled(batch.status())) << batch.status();
  prefetcher.Stop();  // Idempotent.
}

// A source that never yields: Pop times out, and Stop still returns promptly.
TEST(BatchPrefetcher, PopTimesOutWithoutData) {
  class Silent final : public BatchSource {
   public:
    absl::StatusOr<hem::v1::Batch> Next(absl::Duration timeout) override {
      absl::SleepFor(timeout);
      return absl::DeadlineExceededError("nothing");
    }
  };
  Silent source;
  BatchPrefetcher prefetcher(&source, MakeEnvSpec("nav:k=2").value(), false, 2, "test");
  EXPECT_TRUE(absl::IsDeadlineExceeded(prefetcher.Pop(absl::Milliseconds(100)).status()));
  const absl::Time start = absl::Now();
  prefetcher.Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

}  // namespace
}  // namespace hem
