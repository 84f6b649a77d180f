// Runs a function every `period` on its own thread until stopped: the one way
// hem runs background chores (metric reports, rate sampling, shard-size
// polling, periodic checkpoints).
//
// The first call happens one period after Start(). Stop() wakes the thread at
// once (it never sleeps out the period), waits for a call in progress to
// return, and joins; it is idempotent and the destructor calls it. A call
// that takes longer than the period delays the next one rather than
// overlapping it.
//
//   PeriodicClosure reporter(absl::Seconds(5), [this] { WriteReport(); }, "report");
//   reporter.Start();
//   ...
//   reporter.Stop();
#ifndef HEM_COMMON_PERIODIC_CLOSURE_H_
#define HEM_COMMON_PERIODIC_CLOSURE_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace hem {

class PeriodicClosure {
 public:
  // REQUIRES: period > 0. `name` appears in nothing but debugging aids.
  PeriodicClosure(absl::Duration period, std::function<void()> fn,
                  std::string name = "periodic");
  ~PeriodicClosure();  // Stop().

  PeriodicClosure(const PeriodicClosure&) = delete;
  PeriodicClosure& operator=(const PeriodicClosure&) = delete;

  // Starts the thread. REQUIRES: called at most once.
  void Start();
  // Stops and joins (see above). Safe to call without Start().
  void Stop();

  // True once Stop() was called: lets a long `fn` cut its work short.
  bool stopping() const { return stop_.HasBeenNotified(); }
  const std::string& name() const { return name_; }

 private:
  const absl::Duration period_;
  const std::function<void()> fn_;
  const std::string name_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace hem

#endif  // HEM_COMMON_PERIODIC_CLOSURE_H_
