// The sample-to-insert rate limiter of one table (see rate_limiter.h).
#include "replay_service/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace hem {
namespace {

// Waiters re-check the caller's cancellation this often: gRPC offers no
// callback into a blocked synchronous handler.
constexpr absl::Duration kPollInterval = absl::Milliseconds(20);

}  // namespace

absl::Status ValidateRateLimiterOptions(const RateLimiterOptions& options) {
  if (options.min_size_to_sample < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("min_size_to_sample: must be >= 1, got ",
                     options.min_size_to_sample));
  }
  if (!(options.samples_per_insert >= 0) ||
      !std::isfinite(options.samples_per_insert)) {
    return absl::InvalidArgumentError(
        absl::StrCat("samples_per_insert: must be >= 0, got ",
                     options.samples_per_insert));
  }
  if (!(options.tolerance >= 0) || !std::isfinite(options.tolerance)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tolerance: must be >= 0, got ", options.tolerance));
  }
  return absl::OkStatus();
}

RateLimiter::RateLimiter(RateLimiterOptions options)
    : options_(options),
      offset_(static_cast<double>(options.min_size_to_sample) *
              options.samples_per_insert) {}

bool RateLimiter::CanInsert() const {
  if (cancelled_) return true;  // Let Await report CANCELLED.
  if (options_.samples_per_insert <= 0) return true;
  const int64_t inserted = inserted_ + reserved_;
  if (inserted < options_.min_size_to_sample) return true;
  const double diff = inserted * options_.samples_per_insert - sampled_;
  return diff <= offset_ + options_.tolerance;
}

bool RateLimiter::CanSample() const {
  if (cancelled_) return true;
  if (inserted_ < options_.min_size_to_sample) return false;
  if (options_.samples_per_insert <= 0) return true;
  const double diff = inserted_ * options_.samples_per_insert - sampled_;
  return diff >= offset_ - options_.tolerance;
}

absl::Status RateLimiter::Await(bool (RateLimiter::*allowed)() const,
                                absl::Time deadline,
                                const CancelledFn& cancelled, int64_t* waits) {
  bool counted = false;
  while (!(this->*allowed)()) {
    if (!counted) {
      ++*waits;
      counted = true;
    }
    if (cancelled && cancelled()) {
      return absl::CancelledError("the caller cancelled while rate limited");
    }
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      return absl::DeadlineExceededError(
          "deadline passed while waiting on the rate limiter");
    }
    mu_.AwaitWithDeadline(absl::Condition(this, allowed),
                          std::min(deadline, now + kPollInterval));
  }
  if (cancelled_) return absl::CancelledError("replay shard shutting down");
  return absl::OkStatus();
}

absl::Status RateLimiter::AwaitCanInsert(absl::Time deadline,
                                         const CancelledFn& cancelled,
                                         int64_t reserve) {
  absl::MutexLock lock(&mu_);
  absl::Status status =
      Await(&RateLimiter::CanInsert, deadline, cancelled, &insert_waits_);
  if (status.ok()) reserved_ += reserve;
  return status;
}

absl::Status RateLimiter::AwaitCanSample(absl::Time deadline,
                                         const CancelledFn& cancelled) {
  absl::MutexLock lock(&mu_);
  return Await(&RateLimiter::CanSample, deadline, cancelled, &sample_waits_);
}

void RateLimiter::Inserted(int64_t transitions, int64_t reserved) {
  absl::MutexLock lock(&mu_);
  inserted_ += transitions;
  reserved_ -= reserved;
}

void RateLimiter::Sampled(int64_t transitions) {
  absl::MutexLock lock(&mu_);
  sampled_ += transitions;
}

void RateLimiter::Restore(int64_t inserted) {
  absl::MutexLock lock(&mu_);
  inserted_ = inserted;
  const double target = inserted * options_.samples_per_insert - offset_;
  sampled_ = std::max<int64_t>(0, static_cast<int64_t>(target));
}

void RateLimiter::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
}

RateLimiter::Stats RateLimiter::stats() const {
  absl::MutexLock lock(&mu_);
  Stats stats;
  stats.inserted = inserted_;
  stats.sampled = sampled_;
  stats.insert_waits = insert_waits_;
  stats.sample_waits = sample_waits_;
  return stats;
}

}  // namespace hem
