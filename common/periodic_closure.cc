#include "common/periodic_closure.h"

#include <utility>

namespace hem {

PeriodicClosure::PeriodicClosure(absl::Duration period, std::function<void()> fn,
                                 std::string name)
    : period_(period > absl::ZeroDuration() ? period : absl::Milliseconds(1)),
      fn_(std::move(fn)),
      name_(std::move(name)) {}

PeriodicClosure::~PeriodicClosure() { Stop(); }

void PeriodicClosure::Start() {
  thread_ = std::thread([this] {
    // Deadlines, not sleeps of `period`, so the schedule does not drift by
    // the time fn_ takes (unless fn_ overruns, which delays the next call).
    absl::Time next = absl::Now() + period_;
    while (!stop_.WaitForNotificationWithDeadline(next)) {
      fn_();
      next = std::max(next + period_, absl::Now());
    }
  });
}

void PeriodicClosure::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hem
