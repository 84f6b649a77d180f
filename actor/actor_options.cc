// Checks ActorOptions field by field (see actor_options.h).
#include "actor/actor_options.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/env_catalog.h"

namespace hem {
namespace {

absl::Status FieldError(absl::string_view field, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", reason));
}

}  // namespace

uint64_t FirstEpisodeId(const ActorOptions& options) {
  if (options.first_episode_id >= 0) return static_cast<uint64_t>(options.first_episode_id);
  return static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
}

absl::Status ValidateActorOptions(const ActorOptions& o) {
  if (o.num_envs < 1) {
    return FieldError("num_envs", absl::StrCat("must be >= 1, got ", o.num_envs));
  }
  if (absl::StatusOr<hem::v1::EnvSpec> spec = MakeEnvSpec(o.env_name); !spec.ok()) {
    return FieldError("env_name", spec.status().message());
  }
  if (!(o.exploration.action_noise >= 0)) {
    return FieldError("exploration.action_noise",
                      absl::StrCat("must be >= 0, got ", o.exploration.action_noise));
  }
  if (!(o.exploration.epsilon >= 0 && o.exploration.epsilon <= 1)) {
    return FieldError("exploration.epsilon",
                      absl::StrCat("must be in [0, 1], got ", o.exploration.epsilon));
  }
  if (o.metrics_port < -1 || o.metrics_port > 65535) {
    return FieldError("metrics_port",
                      absl::StrCat(o.metrics_port, " not -1 (off) or in [0, 65535]"));
  }
  if (o.status_port < 0 || o.status_port > 65535) {
    return FieldError("status_port", absl::StrCat(o.status_port, " not in [0, 65535]"));
  }
  if (absl::Status net = ValidateNetConfig(o.net); !net.ok()) return NetFieldError(net);
  if (o.first_episode_id < -1) {
    return FieldError("first_episode_id",
                      absl::StrCat("must be >= 0, or -1 for the clock, got ", o.first_episode_id));
  }
  if (o.torch_threads < 1) {
    return FieldError("torch_threads", absl::StrCat("must be >= 1, got ", o.torch_threads));
  }
  if (o.eval) {
    if (o.learner_address.empty()) {
      return FieldError("learner_address", "evaluation needs the learner");
    }
    if (o.eval_episodes < 1) {
      return FieldError("eval_episodes", absl::StrCat("must be >= 1, got ", o.eval_episodes));
    }
    return absl::OkStatus();
  }
  if (o.replay_addresses.empty()) {
    return FieldError("replay_addresses", "no replay shard addresses");
  }
  return absl::OkStatus();
}

}  // namespace hem
