// Fixed-bucket duration histogram (see duration_histogram.h).
#include "common/duration_histogram.h"

#include <algorithm>

namespace hem {
namespace {

constexpr double kBounds[DurationHistogram::kBuckets] = {
    1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01,
    0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

}  // namespace

absl::Span<const double> DurationHistogram::Bounds() { return kBounds; }

void DurationHistogram::Observe(absl::Duration duration) {
  const double seconds = absl::ToDoubleSeconds(duration);
  // Prometheus buckets are "less than or equal to" their bound.
  const int bucket =
      static_cast<int>(std::lower_bound(std::begin(kBounds), std::end(kBounds), seconds) -
                       std::begin(kBounds));
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_nanoseconds_.fetch_add(absl::ToInt64Nanoseconds(duration), std::memory_order_relaxed);
}

DurationHistogram::Snapshot DurationHistogram::Read() const {
  Snapshot snapshot;
  uint64_t running = 0;
  for (int i = 0; i <= kBuckets; ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative[i] = running;
  }
  snapshot.count = running;
  snapshot.sum_seconds = sum_nanoseconds_.load(std::memory_order_relaxed) * 1e-9;
  return snapshot;
}

}  // namespace hem
