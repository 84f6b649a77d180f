// Defaults, validation and the text file of a run description (see
// run_description.h).
#include "deploy/run_description.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/atomic_file.h"
#include "common/env_catalog.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace hem {
namespace {

using hem::v1::RunDescription;

// Ports are laid out from base_port (process_plan.h): shards below +50.
constexpr int kMaxShards = 50;

absl::Status FieldError(absl::string_view field, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", reason));
}

absl::Status AtLeast(absl::string_view field, double value, double minimum) {
  if (value >= minimum) return absl::OkStatus();
  return FieldError(field, absl::StrCat("must be >= ", minimum, ", got ", value));
}

absl::Status ValidateRestartPolicy(absl::string_view field,
                                   const hem::v1::RestartPolicy& policy) {
  if (policy.max_restarts() < 0) {
    return FieldError(absl::StrCat(field, ".max_restarts"),
                      absl::StrCat("must be >= 0, got ", policy.max_restarts()));
  }
  if (!(policy.window_seconds() > 0)) {
    return FieldError(absl::StrCat(field, ".window_seconds"),
                      absl::StrCat("must be > 0, got ", policy.window_seconds()));
  }
  if (!(policy.initial_backoff_seconds() >= 0)) {
    return FieldError(absl::StrCat(field, ".initial_backoff_seconds"),
                      absl::StrCat("must be >= 0, got ", policy.initial_backoff_seconds()));
  }
  if (!(policy.max_backoff_seconds() >= policy.initial_backoff_seconds())) {
    return FieldError(absl::StrCat(field, ".max_backoff_seconds"),
                      absl::StrCat("must be >= initial_backoff_seconds (",
                                   policy.initial_backoff_seconds(), "), got ",
                                   policy.max_backoff_seconds()));
  }
  return absl::OkStatus();
}

// Collects the line and column of a text-format error.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) first_ = absl::StrCat("line ", line + 1, ":", column + 1, ": ", message);
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

}  // namespace

RunDescription DefaultRunDescription() {
  RunDescription run;
  run.set_env("flip_bit:k=40");
  run.set_seed(1);
  run.set_backend(hem::v1::BACKEND_LOCAL);
  run.set_base_port(0);

  hem::v1::ReplayRole& replay = *run.mutable_replay();
  replay.mutable_role()->set_count(1);
  // Each stored transition sampled ~8 times: on a small machine free-running
  // actors would otherwise take the CPU from the learner (ARCHITECTURE.md).
  replay.set_samples_per_insert(8);
  replay.set_min_size_to_sample(2000);
  hem::v1::LearnerRole& learner = *run.mutable_learner();
  learner.mutable_role()->set_count(1);
  learner.set_device("auto");
  learner.set_batch_size(256);
  hem::v1::ActorRole& actors = *run.mutable_actors();
  actors.mutable_role()->set_count(2);
  actors.set_envs_per_actor(32);
  hem::v1::EvaluatorRole& evaluator = *run.mutable_evaluator();
  evaluator.mutable_role()->set_count(1);
  evaluator.set_episodes(100);
  evaluator.set_interval_seconds(1);

  run.mutable_network()->set_bind_host("127.0.0.1");
  run.mutable_stop()->set_target_success(0.95);
  run.mutable_stop()->set_max_env_steps(50e6);
  run.mutable_stop()->set_time_limit_seconds(900);
  run.mutable_stop()->set_settle_evaluations(0);
  hem::v1::RestartPolicy& restart = *run.mutable_restart();
  restart.set_max_restarts(5);
  restart.set_window_seconds(600);
  restart.set_initial_backoff_seconds(1);
  restart.set_max_backoff_seconds(30);
  run.set_progress_seconds(3);
  run.set_sample_seconds(1);
  return run;
}

absl::Status ValidateRunDescription(const RunDescription& run) {
  if (absl::StatusOr<hem::v1::EnvSpec> spec = MakeEnvSpec(run.env()); !spec.ok()) {
    return FieldError("env", spec.status().message());
  }
  if (run.run_dir().empty()) return FieldError("run_dir", "must be set");
  if (run.backend() == hem::v1::BACKEND_KUBERNETES) {
    return FieldError("backend",
                      "BACKEND_KUBERNETES is not launched from here: "
                      "deploy/k8s/generate_manifests makes its manifests (docs/CLUSTER.md)");
  }
  if (run.backend() == hem::v1::BACKEND_SLURM) {
    if (run.slurm().nodes() < 0) {
      return FieldError("slurm.nodes", absl::StrCat("must be >= 0, got ", run.slurm().nodes()));
    }
    // Job steps listen on every interface of their node.
    if (!run.network().tls() && !run.network().insecure()) {
      return FieldError("network.tls",
                        "the slurm backend's processes listen on every interface of their "
                        "nodes: they need tls (or insecure, which exposes every service)");
    }
  }
  if (run.base_port() != 0 && (run.base_port() < 1024 || run.base_port() >= 65000)) {
    return FieldError("base_port",
                      absl::StrCat("must be 0 (pick a free range) or in [1024, 65000), got ",
                                   run.base_port()));
  }
  const int shards = run.replay().role().count();
  if (shards < 1 || shards > kMaxShards) {
    return FieldError("replay.role.count",
                      absl::StrCat("must be in [1, ", kMaxShards, "], got ", shards));
  }
  if (!(run.replay().samples_per_insert() >= 0)) {
    return FieldError("replay.samples_per_insert",
                      absl::StrCat("must be >= 0, got ", run.replay().samples_per_insert()));
  }
  if (run.replay().min_size_to_sample() < 0) {
    return FieldError("replay.min_size_to_sample", "must be >= 0");
  }
  if (run.replay().capacity_transitions() < 0) {
    return FieldError("replay.capacity_transitions", "must be >= 0 (0 = the shard's default)");
  }
  if (run.learner().role().count() != 1) {
    return FieldError("learner.role.count",
                      absl::StrCat("must be 1, got ", run.learner().role().count()));
  }
  const std::string& device = run.learner().device();
  if (device != "auto" && device != "cpu" && device != "cuda") {
    return FieldError("learner.device",
                      absl::StrCat("must be auto, cpu or cuda, got '", device, "'"));
  }
  if (run.learner().batch_size() < 1) {
    return FieldError("learner.batch_size",
                      absl::StrCat("must be >= 1, got ", run.learner().batch_size()));
  }
  if (run.actors().role().count() < 1) {
    return FieldError("actors.role.count",
                      absl::StrCat("must be >= 1, got ", run.actors().role().count()));
  }
  if (run.actors().envs_per_actor() < 1) {
    return FieldError("actors.envs_per_actor",
                      absl::StrCat("must be >= 1, got ", run.actors().envs_per_actor()));
  }
  const int evaluators = run.evaluator().role().count();
  if (evaluators < 0 || evaluators > 1) {
    return FieldError("evaluator.role.count", absl::StrCat("must be 0 or 1, got ", evaluators));
  }
  if (run.evaluator().episodes() < 1) {
    return FieldError("evaluator.episodes",
                      absl::StrCat("must be >= 1, got ", run.evaluator().episodes()));
  }
  if (!(run.evaluator().interval_seconds() >= 0)) {
    return FieldError("evaluator.interval_seconds", "must be >= 0");
  }
  if (run.network().bind_host().empty()) return FieldError("network.bind_host", "must be set");
  if (std::isnan(run.stop().target_success())) {
    return FieldError("stop.target_success", "must be a number");
  }
  if (absl::Status s = AtLeast("stop.max_env_steps", run.stop().max_env_steps(), 0); !s.ok()) {
    return s;
  }
  if (absl::Status s = AtLeast("stop.time_limit_seconds", run.stop().time_limit_seconds(), 0);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          AtLeast("stop.settle_evaluations", run.stop().settle_evaluations(), 0);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateRestartPolicy("restart", run.restart()); !s.ok()) return s;
  struct RoleField {
    const char* name;
    const hem::v1::RoleSpec& role;
  };
  for (const RoleField& r : {RoleField{"replay", run.replay().role()},
                             RoleField{"learner", run.learner().role()},
                             RoleField{"actors", run.actors().role()},
                             RoleField{"evaluator", run.evaluator().role()}}) {
    if (absl::Status s = ValidateRestartPolicy(absl::StrCat(r.name, ".role.restart"),
                                               EffectiveRestartPolicy(run, r.role));
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = AtLeast("checkpoint_seconds", run.checkpoint_seconds(), 0); !s.ok()) {
    return s;
  }
  if (!(run.sample_seconds() > 0)) {
    return FieldError("sample_seconds", absl::StrCat("must be > 0, got ", run.sample_seconds()));
  }
  if (!(run.progress_seconds() > 0)) {
    return FieldError("progress_seconds",
                      absl::StrCat("must be > 0, got ", run.progress_seconds()));
  }
  return absl::OkStatus();
}

absl::StatusOr<RunDescription> ReadRunDescription(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  RunDescription file;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(*text, &file)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", errors.first()));
  }
  RunDescription run = DefaultRunDescription();
  run.MergeFrom(file);  // Repeated fields append to the defaults' (empty) ones.
  // A hand-written file may leave run_dir to the launcher's --run_dir (or
  // its default); everything else must stand on its own.
  RunDescription checked = run;
  if (checked.run_dir().empty()) checked.set_run_dir(".");
  if (absl::Status valid = ValidateRunDescription(checked); !valid.ok()) {
    return absl::Status(valid.code(), absl::StrCat(path, ": ", valid.message()));
  }
  return run;
}

absl::Status WriteRunDescription(const std::string& path, const RunDescription& run) {
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(run, &text)) {
    return absl::InternalError("cannot print the run description");
  }
  return WriteFileAtomically(
      path, absl::StrCat("# hem.v1.RunDescription (proto/run.proto). Run it again with\n",
                         "#   deploy/launch.sh --run=", path, " [--run_dir=DIR]\n", text));
}

hem::v1::RestartPolicy EffectiveRestartPolicy(const RunDescription& run,
                                              const hem::v1::RoleSpec& role) {
  hem::v1::RestartPolicy policy = run.restart();
  if (role.has_restart()) policy.MergeFrom(role.restart());
  return policy;
}

std::string DefaultRunDir(const std::string& env) {
  return absl::StrCat("runs/", absl::StrReplaceAll(env, {{":", "_"}, {",", "-"}, {"=", "_"}}),
                      "-", absl::FormatTime("%Y%m%d-%H%M%S", absl::Now(), absl::LocalTimeZone()));
}

}  // namespace hem
