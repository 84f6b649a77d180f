// Cumulative counters of one process that never go backwards across its
// restarts. A restarted actor counts env steps from zero again, and a
// restarted learner counts updates from its checkpoint; the cluster's
// numbers must not drop with them. A new life is recognised by the
// process's pid or uptime (from its StatusService), or by a counter that
// drops.
#ifndef HEM_DEPLOY_LIFETIME_COUNTERS_H_
#define HEM_DEPLOY_LIFETIME_COUNTERS_H_

#include <cstdint>
#include <map>
#include <string>

namespace hem {

class LifetimeCounters {
 public:
  // Call with every status before the counters it carries. A pid other
  // than the last one, or an uptime below the last, starts a new life.
  void Observe(int64_t pid, double uptime_seconds);

  // A counter that restarts from zero with each life (an actor's env steps
  // and episodes): what earlier lives counted plus `value`.
  double Cumulative(const std::string& name, double value);

  // A counter a new life restores from a checkpoint (the learner's updates),
  // which may be older than the last value seen: the highest value seen, so
  // the number pauses, instead of dropping, until the new life catches up.
  double Restored(const std::string& name, double value);

  // What `name` last reported (0 before it did): for a process that does not
  // answer now, whose counts still belong to the cluster's.
  double Last(const std::string& name) const;

  int64_t lives() const { return lives_; }  // 1 after the first Observe.

 private:
  struct Counter {
    double last = 0;    // This life's last value.
    double offset = 0;  // Earlier lives' total (Cumulative).
    double high = 0;    // Highest value seen (Restored).
    double reported = 0;  // The last value returned.
  };
  int64_t pid_ = -1;
  double uptime_ = 0;
  int64_t lives_ = 0;
  std::map<std::string, Counter> counters_;
};

}  // namespace hem

#endif  // HEM_DEPLOY_LIFETIME_COUNTERS_H_
