// Checks a LearnerConfig field by field (see learner_config.h).
#include "learner/learner_config.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/env_catalog.h"
#include "learner/sigma_limits.h"

namespace hem {
namespace {

absl::Status FieldError(absl::string_view field, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", reason));
}

bool InRange(int64_t value, int64_t low, int64_t high) {
  return value >= low && value <= high;
}

absl::Status RangeError(absl::string_view field, int64_t value, int64_t low,
                        int64_t high) {
  return FieldError(field, absl::StrCat(value, " not in [", low, ", ", high, "]"));
}

}  // namespace

absl::StatusOr<LearnerAlgorithm> ParseLearnerAlgorithm(absl::string_view name) {
  if (name == "hem") return LearnerAlgorithm::kHem;
  if (name == "her") return LearnerAlgorithm::kHer;
  return absl::InvalidArgumentError(absl::StrCat("'", name, "' is not one of hem, her"));
}

absl::string_view LearnerAlgorithmName(LearnerAlgorithm algorithm) {
  return algorithm == LearnerAlgorithm::kHer ? "her" : "hem";
}

absl::Status ValidateLearnerConfig(const LearnerConfig& c) {
  if (c.replay_addresses.empty()) {
    return FieldError("replay_addresses", "no replay shard given");
  }
  if (c.env.empty()) return FieldError("env", "required (e.g. fetch_reach)");
  absl::StatusOr<hem::v1::EnvSpec> spec = MakeEnvSpec(c.env);
  if (!spec.ok()) return FieldError("env", spec.status().message());
  if (!InRange(c.batch_size, 1, 1 << 20)) {
    return RangeError("batch_size", c.batch_size, 1, 1 << 20);
  }
  if (!(c.learning_rate > 0) || !std::isfinite(c.learning_rate)) {
    return FieldError("learning_rate",
                      absl::StrCat(c.learning_rate, " must be a positive number"));
  }
  if (!(c.max_grad_norm >= 0)) {
    return FieldError("max_grad_norm", "must be >= 0 (0 = no clipping)");
  }
  if (c.hidden_sizes.empty()) return FieldError("hidden_sizes", "needs at least one width");
  for (int h : c.hidden_sizes) {
    if (!InRange(h, 1, 65536)) {
      return FieldError("hidden_sizes", absl::StrCat("width ", h, " not in [1, 65536]"));
    }
  }
  if (!(c.sigma > 0) || !std::isfinite(c.sigma) || std::log(c.sigma) < kMinLogSigma ||
      std::log(c.sigma) > kMaxLogSigma) {
    return FieldError("sigma", absl::StrCat(c.sigma, " not in [", std::exp(kMinLogSigma),
                                            ", ", std::exp(kMaxLogSigma), "]"));
  }
  if (c.device != "auto" && c.device != "cpu" && c.device != "cuda") {
    return FieldError("device", absl::StrCat("'", c.device, "' is not one of auto, cpu, cuda"));
  }
  if (!InRange(c.torch_threads, 1, 256)) {
    return RangeError("torch_threads", c.torch_threads, 1, 256);
  }
  if (!InRange(c.torch_interop_threads, 1, 256)) {
    return RangeError("torch_interop_threads", c.torch_interop_threads, 1, 256);
  }
  if (!InRange(c.port, 0, 65535)) return RangeError("port", c.port, 0, 65535);
  if (absl::Status net = ValidateNetConfig(c.net); !net.ok()) return NetFieldError(net);
  if (!InRange(c.metrics_port, -1, 65535)) {
    return RangeError("metrics_port", c.metrics_port, -1, 65535);
  }
  if (c.publish_every < 1) {
    return FieldError("publish_every", absl::StrCat(c.publish_every, " must be >= 1"));
  }
  if (c.resume && c.run_dir.empty()) {
    return FieldError("resume", "needs a run_dir (where the checkpoints are)");
  }
  if (c.max_updates < 0) return FieldError("max_updates", "must be >= 0 (0 = no limit)");
  if (c.keep_checkpoints < 1) return FieldError("keep_checkpoints", "must be >= 1");
  if (c.report_interval <= absl::ZeroDuration()) {
    return FieldError("report_interval", "must be > 0");
  }
  if (c.relabel_probability > 1 || std::isnan(c.relabel_probability)) {
    return FieldError("relabel_probability",
                      absl::StrCat(c.relabel_probability, " must be <= 1 (< 0: shard default)"));
  }
  if (c.prefetch_batches < 1) return FieldError("prefetch_batches", "must be >= 1");
  if (c.future_window < 0) {
    return FieldError("future_window", "must be >= 0 (0 = to the episode's end)");
  }
  if (!(c.acting_average < 1)) {  // Also NaN.
    return FieldError("acting_average",
                      "must be < 1 (0 = act with the trained weights, < 0 = the default)");
  }
  if (c.algo == LearnerAlgorithm::kHer && c.acting_average > 0) {
    return FieldError("acting_average",
                      "is for hEM; HER acts with its actor (its target networks are averaged)");
  }
  if (c.algo == LearnerAlgorithm::kHer && c.skip_noop_transitions) {
    return FieldError("skip_noop_transitions", "is for hEM's M-step; HER learns from every transition");
  }
  if (c.algo == LearnerAlgorithm::kHer) {
    absl::Status her = ValidateHerConfig(c.her);
    if (!her.ok()) return her;
  }
  return absl::OkStatus();
}

double ActingAverage(const LearnerConfig& config) {
  if (config.acting_average >= 0) return config.acting_average;
  return config.algo == LearnerAlgorithm::kHem ? kHemActingAverage : 0;
}

}  // namespace hem
