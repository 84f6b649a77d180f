// The restart policy of one role (proto/run.proto, RestartPolicy): whether a
// process that died is started again, and after how long. The local backend
// applies it to the processes it forks; the Slurm backend to its job steps.
//
// Invariant: a role is restarted at most max_restarts times within any
// window_seconds; the next death fails the run. Each process waits before
// its restart initial_backoff x 2^(deaths in a row - 1), at most
// max_backoff; a life that lasted window_seconds resets its streak.
#ifndef HEM_DEPLOY_RESTART_POLICY_H_
#define HEM_DEPLOY_RESTART_POLICY_H_

#include <deque>
#include <map>
#include <string>

#include "absl/time/time.h"
#include "proto/run.pb.h"

namespace hem {

struct RestartDecision {
  bool restart = false;
  absl::Duration backoff;     // Wait this long before starting it again.
  int restarts_in_window = 0;  // Including this one, when restart.
  // Why not, when !restart: "5 restarts of replay within 600s already
  // (the limit)", "restarts are off (max_restarts: 0)".
  std::string refusal;
};

class RoleRestarts {
 public:
  // REQUIRES: ValidateRunDescription accepted the policy.
  RoleRestarts(std::string role, hem::v1::RestartPolicy policy);

  // Process `index` of the role died at `now` after running for `lifetime`.
  RestartDecision OnDeath(int index, absl::Time now, absl::Duration lifetime);

  const std::string& role() const { return role_; }
  int total() const { return total_; }  // Restarts granted so far.

 private:
  const std::string role_;
  const hem::v1::RestartPolicy policy_;
  std::deque<absl::Time> recent_;  // Restarts granted within the window.
  std::map<int, int> streak_;      // Deaths in a row, per process index.
  int total_ = 0;
};

}  // namespace hem

#endif  // HEM_DEPLOY_RESTART_POLICY_H_
