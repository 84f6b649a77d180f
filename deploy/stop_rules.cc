// The launcher's stop rules (see stop_rules.h).
#include "deploy/stop_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hem {

std::string StopJudge::Judge(const ClusterProgress& p) {
  if (!reached_ && p.eval_success_rate >= rules_.target_success) {
    if (rules_.settle_evaluations <= 0) {
      return absl::StrFormat("test success %.4f >= target %s", p.eval_success_rate,
                             absl::StrCat(rules_.target_success));
    }
    reached_ = true;
    reached_seconds_ = p.elapsed_seconds;
    last_version_ = p.eval_version;
  } else if (reached_ && p.eval_version != last_version_ && p.eval_success_rate >= 0) {
    // The evaluator measures each policy version once: a new version is a
    // new evaluation.
    last_version_ = p.eval_version;
    ++settled_;
    low_ = std::min(low_, p.eval_success_rate);
    high_ = std::max(high_, p.eval_success_rate);
    if (settled_ >= rules_.settle_evaluations) {
      return absl::StrFormat(
          "test success >= target %s at %.0fs, then %d evaluations in [%.4f, %.4f]",
          absl::StrCat(rules_.target_success), reached_seconds_, settled_, low_, high_);
    }
  }
  if (rules_.max_env_steps > 0 && p.env_steps >= rules_.max_env_steps) {
    return absl::StrFormat("step budget %.0f reached", rules_.max_env_steps);
  }
  if (rules_.time_limit_seconds > 0 && p.elapsed_seconds >= rules_.time_limit_seconds) {
    return absl::StrFormat("time limit %ss reached", absl::StrCat(rules_.time_limit_seconds));
  }
  return "";
}

std::string StopReason(const StopRules& rules, const ClusterProgress& progress) {
  StopRules once = rules;
  once.settle_evaluations = 0;
  return StopJudge(once).Judge(progress);
}

}  // namespace hem
