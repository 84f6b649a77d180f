// The learner's decode thread (see batch_prefetcher.h).
#include "learner/batch_prefetcher.h"

#include <utility>

#include "common/logging.h"

namespace hem {
namespace {

// How long one Next call may block: bounds how late the thread sees Stop().
constexpr absl::Duration kNextTimeout = absl::Milliseconds(500);
// After a failure other than a timeout (e.g. no shard reachable), so a
// failing source is not spun on.
constexpr absl::Duration kRetryDelay = absl::Milliseconds(200);
// A source silent for this long is logged, at most once per kStallLogInterval.
constexpr absl::Duration kStallAfter = absl::Seconds(5);
constexpr absl::Duration kStallLogInterval = absl::Seconds(10);
// One malformed batch in this many is logged.
constexpr int64_t kRejectLogEvery = 100;

}  // namespace

BatchPrefetcher::BatchPrefetcher(BatchSource* source, hem::v1::EnvSpec spec,
                                 bool pin_memory, int capacity, std::string description)
    : source_(source),
      spec_(std::move(spec)),
      pin_memory_(pin_memory),
      description_(std::move(description)),
      queue_(capacity < 1 ? 1 : static_cast<size_t>(capacity)),
      thread_([this] { DecodeLoop(); }) {}

BatchPrefetcher::~BatchPrefetcher() { Stop(); }

absl::StatusOr<TrainingBatch> BatchPrefetcher::Pop(absl::Duration timeout) {
  return queue_.Pop(timeout);
}

void BatchPrefetcher::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  queue_.Close();  // Wakes a Push blocked on a full queue.
  if (thread_.joinable()) thread_.join();
}

void BatchPrefetcher::DecodeLoop() {
  absl::Time last_batch = absl::Now();
  absl::Time last_log = absl::InfinitePast();
  int64_t rejected = 0;
  while (!stop_.HasBeenNotified()) {
    absl::StatusOr<hem::v1::Batch> batch = source_->Next(kNextTimeout);
    if (!batch.ok()) {
      const absl::Time now = absl::Now();
      if (now - last_batch >= kStallAfter && now - last_log >= kStallLogInterval) {
        HEM_LOG(WARNING) << "no batch from " << description_ << " for "
                         << absl::FormatDuration(absl::Trunc(now - last_batch, absl::Seconds(1)))
                         << " (live shards: " << source_->live_shards()
                         << "): " << batch.status().message()
                         << "; still retrying (are the shards up and filled?)";
        last_log = now;
      }
      if (!absl::IsDeadlineExceeded(batch.status())) {
        stop_.WaitForNotificationWithTimeout(kRetryDelay);
      }
      continue;
    }
    last_batch = absl::Now();
    absl::StatusOr<TrainingBatch> decoded = DecodeTrainingBatch(*batch, spec_, pin_memory_);
    if (!decoded.ok()) {
      if (rejected++ % kRejectLogEvery == 0) {
        HEM_LOG(ERROR) << "dropping a malformed batch (" << rejected
                       << " so far): " << decoded.status();
      }
      continue;
    }
    // Blocks while `capacity` batches are waiting for the training thread;
    // fails only once Stop() closed the queue.
    if (!queue_.Push(*std::move(decoded)).ok()) return;
  }
}

}  // namespace hem
