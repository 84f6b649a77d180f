// A histogram of durations for Prometheus (its "histogram" type, in
// seconds): fixed buckets from 10 us to 10 s in 1-2.5-5 steps, counted with
// relaxed atomics so that hot loops (an actor's inference step, the
// learner's update phases) can record every event for the price of a few
// uncontended atomic adds. Read() may run on any thread while others record;
// it sees each event whole in count and bucket, possibly not yet in sum.
#ifndef HEM_COMMON_DURATION_HISTOGRAM_H_
#define HEM_COMMON_DURATION_HISTOGRAM_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "absl/time/time.h"
#include "absl/types/span.h"

namespace hem {

class DurationHistogram {
 public:
  static constexpr int kBuckets = 19;  // Finite upper bounds; +Inf besides.
  // The upper bounds in seconds, ascending.
  static absl::Span<const double> Bounds();

  void Observe(absl::Duration duration);

  struct Snapshot {
    std::array<uint64_t, kBuckets + 1> cumulative{};  // Per bound, then +Inf.
    double sum_seconds = 0;
    uint64_t count = 0;  // == cumulative.back().
  };
  Snapshot Read() const;

 private:
  std::array<std::atomic<uint64_t>, kBuckets + 1> buckets_{};  // Not cumulative.
  std::atomic<int64_t> sum_nanoseconds_{0};
};

}  // namespace hem

#endif  // HEM_COMMON_DURATION_HISTOGRAM_H_
