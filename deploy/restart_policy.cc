// Restart decisions per role (see restart_policy.h).
#include "deploy/restart_policy.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace hem {

RoleRestarts::RoleRestarts(std::string role, hem::v1::RestartPolicy policy)
    : role_(std::move(role)), policy_(std::move(policy)) {}

RestartDecision RoleRestarts::OnDeath(int index, absl::Time now, absl::Duration lifetime) {
  const absl::Duration window = absl::Seconds(policy_.window_seconds());
  while (!recent_.empty() && now - recent_.front() >= window) recent_.pop_front();
  RestartDecision decision;
  if (policy_.max_restarts() == 0) {
    decision.refusal = "restarts are off (max_restarts: 0)";
    return decision;
  }
  if (static_cast<int>(recent_.size()) >= policy_.max_restarts()) {
    decision.refusal = absl::StrCat(recent_.size(), " restarts of ", role_, " within ",
                                    policy_.window_seconds(), "s already (the limit)");
    return decision;
  }
  int& streak = streak_[index];
  streak = lifetime >= window ? 1 : streak + 1;
  absl::Duration backoff = absl::Seconds(policy_.initial_backoff_seconds());
  for (int i = 1; i < streak && backoff < absl::Seconds(policy_.max_backoff_seconds()); ++i) {
    backoff *= 2;
  }
  decision.restart = true;
  decision.backoff = std::min(backoff, absl::Seconds(policy_.max_backoff_seconds()));
  recent_.push_back(now);
  decision.restarts_in_window = static_cast<int>(recent_.size());
  ++total_;
  return decision;
}

}  // namespace hem
