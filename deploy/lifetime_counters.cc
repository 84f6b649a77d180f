// Counters carried across a process's lives (see lifetime_counters.h).
#include "deploy/lifetime_counters.h"

#include <algorithm>

namespace hem {

void LifetimeCounters::Observe(int64_t pid, double uptime_seconds) {
  const bool new_life = lives_ == 0 || pid != pid_ || uptime_seconds < uptime_;
  pid_ = pid;
  uptime_ = uptime_seconds;
  if (!new_life) return;
  ++lives_;
  for (auto& [name, counter] : counters_) {
    counter.offset += counter.last;
    counter.last = 0;
  }
}

double LifetimeCounters::Cumulative(const std::string& name, double value) {
  Counter& counter = counters_[name];
  // A drop within what looked like one life: a restart between two polls
  // that kept the pid (another machine, a container).
  if (value < counter.last) counter.offset += counter.last;
  counter.last = value;
  counter.reported = counter.offset + value;
  return counter.reported;
}

double LifetimeCounters::Restored(const std::string& name, double value) {
  Counter& counter = counters_[name];
  counter.high = std::max(counter.high, value);
  counter.reported = counter.high;
  return counter.reported;
}

double LifetimeCounters::Last(const std::string& name) const {
  auto it = counters_.find(name);
  return it == counters_.end() ? 0 : it->second.reported;
}

}  // namespace hem
