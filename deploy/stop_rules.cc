// The launcher's stop rules (see stop_rules.h).
#include "deploy/stop_rules.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hem {

std::string StopReason(const StopRules& rules, const ClusterProgress& p) {
  if (p.eval_success_rate >= rules.target_success) {
    return absl::StrFormat("test success %.4f >= target %s", p.eval_success_rate,
                           absl::StrCat(rules.target_success));
  }
  if (rules.max_env_steps > 0 && p.env_steps >= rules.max_env_steps) {
    return absl::StrFormat("step budget %.0f reached", rules.max_env_steps);
  }
  if (rules.time_limit_seconds > 0 && p.elapsed_seconds >= rules.time_limit_seconds) {
    return absl::StrFormat("time limit %ss reached", absl::StrCat(rules.time_limit_seconds));
  }
  return "";
}

}  // namespace hem
