// Checks HerConfig field by field (see her_config.h).
#include "learner/her_config.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace hem {
namespace {

absl::Status FieldError(absl::string_view field, double value, absl::string_view range) {
  return absl::InvalidArgumentError(absl::StrCat("her.", field, ": ", value, " ", range));
}

bool In(double value, double low, double high) { return value >= low && value <= high; }

}  // namespace

absl::Status ValidateHerConfig(const HerConfig& c) {
  if (!(c.gamma > 0 && c.gamma < 1)) return FieldError("gamma", c.gamma, "not in (0, 1)");
  if (!In(c.polyak, 0, 1)) return FieldError("polyak", c.polyak, "not in [0, 1]");
  if (c.target_update_every < 1) {
    return FieldError("target_update_every", c.target_update_every, "must be >= 1");
  }
  if (!(c.critic_learning_rate > 0) || !std::isfinite(c.critic_learning_rate)) {
    return FieldError("critic_learning_rate", c.critic_learning_rate,
                      "must be a positive number");
  }
  if (!(c.action_l2 >= 0) || !std::isfinite(c.action_l2)) {
    return FieldError("action_l2", c.action_l2, "must be >= 0");
  }
  if (!In(c.relabel_probability, 0, 1)) {
    return FieldError("relabel_probability", c.relabel_probability, "not in [0, 1]");
  }
  if (!(c.exploration_noise >= 0) || !std::isfinite(c.exploration_noise)) {
    return FieldError("exploration_noise", c.exploration_noise, "must be >= 0");
  }
  if (!In(c.random_action_probability, 0, 1)) {
    return FieldError("random_action_probability", c.random_action_probability,
                      "not in [0, 1]");
  }
  if (!In(c.epsilon, 0, 1)) return FieldError("epsilon", c.epsilon, "not in [0, 1]");
  return absl::OkStatus();
}

}  // namespace hem
