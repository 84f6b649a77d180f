// Paces sampling against inserting for one table, in the manner of Reverb's
// SampleToInsertRatio limiter, counting transitions on both sides.
//
// Let I = transitions inserted, S = transitions sampled,
// D = I * samples_per_insert - S, and offset = min_size_to_sample *
// samples_per_insert. Then:
//   - sampling waits until I >= min_size_to_sample and, if the ratio is on,
//     D >= offset - tolerance;
//   - inserting waits (ratio on) while I >= min_size_to_sample and
//     D > offset + tolerance.
// The checks are made before each call, so D stays within
// [offset - tolerance - largest batch, offset + tolerance + largest episode
// * samples_per_insert]: the side that is ahead blocks, the other proceeds.
//
// No configuration deadlocks: inserting is never blocked before
// min_size_to_sample is reached (S = 0 there, so D < offset), and after it
// the two wait conditions D > offset + tol and D < offset - tol cannot hold
// together for any tolerance >= 0. Waits honour a deadline
// (DEADLINE_EXCEEDED), a caller's cancellation predicate and Cancel()
// (CANCELLED).
#ifndef HEM_REPLAY_SERVICE_RATE_LIMITER_H_
#define HEM_REPLAY_SERVICE_RATE_LIMITER_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace hem {

struct RateLimiterOptions {
  // Transitions that must have been inserted before the first sample.
  // Default 1 (sample as soon as anything is stored); must be >= 1.
  int64_t min_size_to_sample = 1;
  // Sampled transitions per inserted transition the limiter aims for;
  // 0 disables the ratio (only min_size_to_sample applies).
  double samples_per_insert = 0;
  // Half-width of the allowed band for D, in sampled transitions; >= 0.
  double tolerance = 0;
};

absl::Status ValidateRateLimiterOptions(const RateLimiterOptions& options);

class RateLimiter {
 public:
  // Returns true when the waiting caller has gone away.
  using CancelledFn = std::function<bool()>;

  // REQUIRES: ValidateRateLimiterOptions(options) is OK.
  explicit RateLimiter(RateLimiterOptions options);

  // Blocks until an insert is allowed. OK, DEADLINE_EXCEEDED, or CANCELLED.
  // On OK, `reserve` transitions count as inserted for later inserts' checks
  // (not for sampling) until Inserted releases them: an episode still being
  // written to the log keeps the band exact without being sampleable.
  absl::Status AwaitCanInsert(absl::Time deadline, const CancelledFn& cancelled,
                              int64_t reserve = 0) ABSL_LOCKS_EXCLUDED(mu_);
  // Records `transitions` inserted (after AwaitCanInsert, or on restore) and
  // releases `reserved` transitions of AwaitCanInsert's reservation.
  void Inserted(int64_t transitions, int64_t reserved = 0)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Blocks until a sample is allowed. OK, DEADLINE_EXCEEDED, or CANCELLED.
  absl::Status AwaitCanSample(absl::Time deadline, const CancelledFn& cancelled)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Sampled(int64_t transitions) ABSL_LOCKS_EXCLUDED(mu_);

  // After restoring `inserted` transitions from a checkpoint: place D in the
  // middle of the band, as if sampling had kept pace.
  void Restore(int64_t inserted) ABSL_LOCKS_EXCLUDED(mu_);

  // Wakes every waiter with CANCELLED, now and in future (shutdown).
  void Cancel() ABSL_LOCKS_EXCLUDED(mu_);

  struct Stats {
    int64_t inserted = 0;
    int64_t sampled = 0;
    int64_t insert_waits = 0;  // Calls to AwaitCanInsert that had to wait.
    int64_t sample_waits = 0;
  };
  Stats stats() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  bool CanInsert() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool CanSample() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Await(bool (RateLimiter::*allowed)() const, absl::Time deadline,
                     const CancelledFn& cancelled, int64_t* waits)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RateLimiterOptions options_;
  const double offset_;

  mutable absl::Mutex mu_;
  int64_t inserted_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t reserved_ ABSL_GUARDED_BY(mu_) = 0;  // Admitted, not yet stored.
  int64_t sampled_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t insert_waits_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t sample_waits_ ABSL_GUARDED_BY(mu_) = 0;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_RATE_LIMITER_H_
