// launch.sh's flags mapped onto the run description (see launch_flags.h).
#include "deploy/launch_flags.h"

#include <cmath>
#include <functional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/flag_errors.h"
#include "common/task_presets.h"
#include "deploy/run_description.h"

namespace hem {
namespace {

using hem::v1::RunDescription;

struct LaunchFlag {
  const char* name;   // Without the dashes.
  const char* value;  // Placeholder in the help ("N"); "" for on/off flags.
  const char* field;  // The description field it sets, as errors name it.
  const char* help;
  std::function<absl::Status(absl::string_view, RunDescription*)> set;
  std::function<std::string(const RunDescription&)> get;  // For the help.
};

absl::Status BadValue(absl::string_view flag, absl::string_view value, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": '", value, "' is not ", what));
}

// 50000000, not 5e+07.
std::string NumberText(double value) {
  if (std::abs(value) < 1e15 && value == std::floor(value)) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  return absl::StrCat(value);
}

template <typename Setter, typename Getter>
LaunchFlag Int(const char* name, const char* value, const char* field, const char* help,
               Setter setter, Getter getter) {
  return {name, value, field, help,
          [name, setter](absl::string_view text, RunDescription* run) {
            int32_t parsed = 0;
            if (!absl::SimpleAtoi(text, &parsed)) return BadValue(name, text, "an integer");
            setter(run, parsed);
            return absl::OkStatus();
          },
          [getter](const RunDescription& run) { return absl::StrCat(getter(run)); }};
}

template <typename Setter, typename Getter>
LaunchFlag Number(const char* name, const char* value, const char* field, const char* help,
                  Setter setter, Getter getter) {
  return {name, value, field, help,
          [name, setter](absl::string_view text, RunDescription* run) {
            double parsed = 0;
            if (!absl::SimpleAtod(text, &parsed)) return BadValue(name, text, "a number");
            setter(run, parsed);
            return absl::OkStatus();
          },
          [getter](const RunDescription& run) { return NumberText(getter(run)); }};
}

// `unset` is what the help shows for an empty default.
template <typename Setter, typename Getter>
LaunchFlag Text(const char* name, const char* value, const char* field, const char* help,
                Setter setter, Getter getter, const char* unset = "none") {
  return {name, value, field, help,
          [setter](absl::string_view text, RunDescription* run) {
            setter(run, std::string(text));
            return absl::OkStatus();
          },
          [getter, unset](const RunDescription& run) {
            const std::string value = getter(run);
            return value.empty() ? std::string(unset) : value;
          }};
}

template <typename Setter, typename Getter>
LaunchFlag Bool(const char* name, const char* field, const char* help, Setter setter,
                Getter getter) {
  return {name, "", field, help,
          [name, setter](absl::string_view text, RunDescription* run) {
            bool parsed = true;
            if (!text.empty() && !absl::SimpleAtob(text, &parsed)) {
              return BadValue(name, text, "true or false");
            }
            setter(run, parsed);
            return absl::OkStatus();
          },
          [getter](const RunDescription& run) { return getter(run) ? "on" : "off"; }};
}

// Extra flags of a role: one string split at whitespace, as the shell splits
// an unquoted variable ("--lr=1e-3 --hidden_sizes=64,64").
template <typename Mutable, typename Getter>
LaunchFlag Words(const char* name, const char* help, Mutable role, Getter getter) {
  return {name, "\"...\"", "", help,
          [role](absl::string_view text, RunDescription* run) {
            hem::v1::RoleSpec* spec = role(run);
            spec->clear_extra_flags();
            for (absl::string_view word :
                 absl::StrSplit(text, absl::ByAnyChar(" \t\n"), absl::SkipEmpty())) {
              spec->add_extra_flags(std::string(word));
            }
            return absl::OkStatus();
          },
          [getter](const RunDescription& run) {
            const auto& words = getter(run).extra_flags();
            return words.empty() ? std::string("none") : absl::StrJoin(words, " ");
          }};
}

const std::vector<LaunchFlag>& Flags() {
  using R = RunDescription;
  static const std::vector<LaunchFlag>* const flags = new std::vector<LaunchFlag>{
      Text("env", "NAME", "env",
           "task: flip_bit:k=K, nav:k=K, four_rooms, point_mass, reacher, fetch_reach, "
           "sawyer_reach (+ :image=48|84)",
           [](R* r, std::string v) { r->set_env(v); }, [](const R& r) { return r.env(); }),
      {"backend", "local|slurm|kubernetes", "backend",
       "where the processes run: this machine, or job steps of one Slurm job (turns on "
       "--tls, the rendezvous and --bind_host=0.0.0.0; later flags may change them); "
       "kubernetes: see docs/CLUSTER.md",
       [](absl::string_view text, R* r) {
         hem::v1::Backend backend;
         if (!hem::v1::Backend_Parse(absl::StrCat("BACKEND_", absl::AsciiStrToUpper(text)),
                                     &backend) ||
             backend == hem::v1::BACKEND_UNSPECIFIED) {
           return BadValue("backend", text, "local, slurm or kubernetes");
         }
         r->set_backend(backend);
         if (backend == hem::v1::BACKEND_SLURM) {
           // Processes on other nodes find each other through the run
           // directory and are reached over the network: authenticated.
           hem::v1::Network& net = *r->mutable_network();
           net.set_tls(true);
           net.set_rendezvous(true);
           if (net.bind_host() == "127.0.0.1") net.set_bind_host("0.0.0.0");
         }
         return absl::OkStatus();
       },
       [](const R& r) {
         return absl::AsciiStrToLower(
             absl::StripPrefix(hem::v1::Backend_Name(r.backend()), "BACKEND_"));
       }},
      Int("actors", "N", "actors.role.count", "actor processes; the paper's N ablation",
          [](R* r, int32_t v) { r->mutable_actors()->mutable_role()->set_count(v); },
          [](const R& r) { return r.actors().role().count(); }),
      Int("envs_per_actor", "M", "actors.envs_per_actor",
          "environment instances per actor (image tasks: the paper's N / 2, a preset)",
          [](R* r, int32_t v) { r->mutable_actors()->set_envs_per_actor(v); },
          [](const R& r) { return r.actors().envs_per_actor(); }),
      Int("shards", "S", "replay.role.count", "replay shards",
          [](R* r, int32_t v) { r->mutable_replay()->mutable_role()->set_count(v); },
          [](const R& r) { return r.replay().role().count(); }),
      Number("steps", "N", "stop.max_env_steps", "stop after N env steps (0 = no budget)",
             [](R* r, double v) { r->mutable_stop()->set_max_env_steps(v); },
             [](const R& r) { return r.stop().max_env_steps(); }),
      Number("target_success", "X", "stop.target_success",
             "stop once the evaluator measures test success >= X (above 1 = never)",
             [](R* r, double v) { r->mutable_stop()->set_target_success(v); },
             [](const R& r) { return r.stop().target_success(); }),
      Int("settle_evaluations", "N", "stop.settle_evaluations",
          "once test success reaches --target_success, go on for N more evaluations "
          "(to see it hold; the stop reason gives their range), then stop",
          [](R* r, int32_t v) { r->mutable_stop()->set_settle_evaluations(v); },
          [](const R& r) { return r.stop().settle_evaluations(); }),
      Number("time_limit", "SECONDS", "stop.time_limit_seconds",
             "stop after this long (0 = no limit)",
             [](R* r, double v) { r->mutable_stop()->set_time_limit_seconds(v); },
             [](const R& r) { return r.stop().time_limit_seconds(); }),
      Text("device", "auto|cpu|cuda", "learner.device", "learner device",
           [](R* r, std::string v) { r->mutable_learner()->set_device(v); },
           [](const R& r) { return r.learner().device(); }),
      {"algo", "hem|her", "learner.algo",
       "what the learner trains: hem, or her, the paper's baseline (DDPG+HER for continuous "
       "actions, DQN+HER for discrete ones; actors and shards follow the learner)",
       [](absl::string_view text, R* r) {
         if (text != "hem" && text != "her") return BadValue("algo", text, "hem or her");
         r->mutable_learner()->set_algo(std::string(text));
         return absl::OkStatus();
       },
       [](const R& r) { return r.learner().algo().empty() ? "hem" : r.learner().algo(); }},
      Int("batch_size", "B", "learner.batch_size",
          "learner batch size (image tasks: 64, reacher 1024, presets)",
          [](R* r, int32_t v) { r->mutable_learner()->set_batch_size(v); },
          [](const R& r) { return r.learner().batch_size(); }),
      Number("samples_per_insert", "R", "replay.samples_per_insert",
             "replay rate limit: each stored transition is sampled ~R times (0 = actors "
             "run free); keeps the learner from falling behind on a small machine",
             [](R* r, double v) { r->mutable_replay()->set_samples_per_insert(v); },
             [](const R& r) { return r.replay().samples_per_insert(); }),
      Int("eval_episodes", "N", "evaluator.episodes", "episodes per evaluation",
          [](R* r, int32_t v) { r->mutable_evaluator()->set_episodes(v); },
          [](const R& r) { return r.evaluator().episodes(); }),
      Text("run_dir", "DIR", "run_dir",
           "where logs, metrics, checkpoints and plots go; processes resume from the "
           "newest checkpoints there",
           [](R* r, std::string v) { r->set_run_dir(v); },
           [](const R& r) { return r.run_dir(); }, "runs/<env>-<date>"),
      {"seed", "N", "seed", "base seed",
       [](absl::string_view text, R* r) {
         uint64_t seed = 0;
         if (!absl::SimpleAtoi(text, &seed)) return BadValue("seed", text, "an integer >= 0");
         r->set_seed(seed);
         return absl::OkStatus();
       },
       [](const R& r) { return absl::StrCat(r.seed()); }},
      Int("base_port", "P", "base_port", "first port to use (0 = a free range is picked)",
          [](R* r, int32_t v) { r->set_base_port(v); },
          [](const R& r) { return r.base_port(); }),
      Number("checkpoint_seconds", "S", "checkpoint_seconds",
             "seconds between checkpoints of the learner and the shards, from which a "
             "restarted one resumes (0 = the binaries' default, 10 minutes)",
             [](R* r, double v) { r->set_checkpoint_seconds(v); },
             [](const R& r) { return r.checkpoint_seconds(); }),
      Int("max_restarts", "N", "restart.max_restarts",
          "restarts of one role within --restart_window before the run fails "
          "(0 = the first death ends the run)",
          [](R* r, int32_t v) { r->mutable_restart()->set_max_restarts(v); },
          [](const R& r) { return r.restart().max_restarts(); }),
      Number("restart_window", "SECONDS", "restart.window_seconds",
             "the window of --max_restarts; a process that ran this long restarts with the "
             "shortest backoff again",
             [](R* r, double v) { r->mutable_restart()->set_window_seconds(v); },
             [](const R& r) { return r.restart().window_seconds(); }),
      Text("bind_host", "HOST", "network.bind_host",
           "address every process listens on (beyond loopback needs --tls or --insecure)",
           [](R* r, std::string v) { r->mutable_network()->set_bind_host(v); },
           [](const R& r) { return r.network().bind_host(); }),
      Text("advertise_host", "HOST", "network.advertise_host",
           "host the processes give each other",
           [](R* r, std::string v) { r->mutable_network()->set_advertise_host(v); },
           [](const R& r) { return r.network().advertise_host(); }, "the bind host"),
      Bool("tls", "network.tls",
           "TLS and a bearer token on every service: deploy/make_credentials.sh makes "
           "<run_dir>/credentials",
           [](R* r, bool v) { r->mutable_network()->set_tls(v); },
           [](const R& r) { return r.network().tls(); }),
      Bool("insecure", "network.insecure",
           "allow --bind_host beyond loopback without --tls (every service open to the network)",
           [](R* r, bool v) { r->mutable_network()->set_insecure(v); },
           [](const R& r) { return r.network().insecure(); }),
      Text("partition", "NAME", "slurm.partition", "slurm: the job's partition (sbatch --partition)",
           [](R* r, std::string v) { r->mutable_slurm()->set_partition(v); },
           [](const R& r) { return r.slurm().partition(); }, "the cluster's default"),
      Int("nodes", "N", "slurm.nodes",
          "slurm: nodes of the job (sbatch --nodes); roles are spread over them (0 = "
          "Slurm's default, 1)",
          [](R* r, int32_t v) { r->mutable_slurm()->set_nodes(v); },
          [](const R& r) { return r.slurm().nodes(); }),
      Text("time", "[D-]HH:MM:SS", "slurm.time",
           "slurm: the job's time limit (sbatch --time); the run stops in order, with final "
           "checkpoints, shortly before it",
           [](R* r, std::string v) { r->mutable_slurm()->set_time(v); },
           [](const R& r) { return r.slurm().time(); }, "the partition's"),
      Text("account", "NAME", "slurm.account", "slurm: the account charged (sbatch --account)",
           [](R* r, std::string v) { r->mutable_slurm()->set_account(v); },
           [](const R& r) { return r.slurm().account(); }, "the user's default"),
      Text("learner_gres", "GRES", "slurm.learner_gres",
           "slurm: generic resources of the learner's step, e.g. gpu:1 (the job asks for them "
           "too)",
           [](R* r, std::string v) { r->mutable_slurm()->set_learner_gres(v); },
           [](const R& r) { return r.slurm().learner_gres(); }),
      {"sbatch_flag", "FLAG", "slurm.sbatch_flags",
       "slurm: one more sbatch flag, verbatim (repeat for several), e.g. --sbatch_flag=--qos=long",
       [](absl::string_view text, R* r) {
         r->mutable_slurm()->add_sbatch_flags(std::string(text));
         return absl::OkStatus();
       },
       [](const R& r) {
         return r.slurm().sbatch_flags().empty() ? std::string("none")
                                                 : absl::StrJoin(r.slurm().sbatch_flags(), " ");
       }},
      Words("learner_flags", "extra flags passed to the learner verbatim",
            [](R* r) { return r->mutable_learner()->mutable_role(); },
            [](const R& r) -> const hem::v1::RoleSpec& { return r.learner().role(); }),
      Words("replay_flags", "extra flags passed to every replay shard verbatim",
            [](R* r) { return r->mutable_replay()->mutable_role(); },
            [](const R& r) -> const hem::v1::RoleSpec& { return r.replay().role(); }),
      Words("actor_flags", "extra flags passed to every actor verbatim",
            [](R* r) { return r->mutable_actors()->mutable_role(); },
            [](const R& r) -> const hem::v1::RoleSpec& { return r.actors().role(); }),
      Words("evaluator_flags",
            "extra flags passed to the evaluator verbatim (e.g. --eval_deterministic=false "
            "to sample from pi)",
            [](R* r) { return r->mutable_evaluator()->mutable_role(); },
            [](const R& r) -> const hem::v1::RoleSpec& { return r.evaluator().role(); }),
  };
  return *flags;
}

const LaunchFlag* FindFlag(absl::string_view name) {
  for (const LaunchFlag& flag : Flags()) {
    if (name == flag.name) return &flag;
  }
  return nullptr;
}

}  // namespace

absl::Status ApplyLaunchFlags(const std::vector<std::string>& words, RunDescription* run) {
  for (const std::string& word : words) {
    absl::string_view rest = word;
    if (!absl::ConsumePrefix(&rest, "--")) {
      return absl::InvalidArgumentError(absl::StrCat("'", word, "' is not a --flag"));
    }
    const size_t equals = rest.find('=');
    const absl::string_view name = rest.substr(0, equals);
    const LaunchFlag* flag = FindFlag(name);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag '--", name, "'"));
    }
    if (equals == absl::string_view::npos && flag->value[0] != '\0') {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, ": needs a value (--", name, "=", flag->value, ")"));
    }
    const absl::string_view value =
        equals == absl::string_view::npos ? absl::string_view() : rest.substr(equals + 1);
    if (absl::Status set = flag->set(value, run); !set.ok()) return set;
  }
  return absl::OkStatus();
}

absl::Status ApplyLaunchFlagsWithPresets(const std::vector<std::string>& words,
                                         RunDescription* run) {
  RunDescription probe = *run;
  if (absl::Status applied = ApplyLaunchFlags(words, &probe); !applied.ok()) return applied;
  const std::string& algo = probe.learner().algo();
  if (algo.empty() || algo == "hem") {
    if (absl::Status preset = ApplyLaunchFlags(PresetFlags(probe.env(), "launch"), run);
        !preset.ok()) {
      return absl::InternalError(
          absl::StrCat("launch preset of ", probe.env(), ": ", preset.message()));
    }
  }
  return ApplyLaunchFlags(words, run);
}

bool LaunchFlagsSetRunDir(const std::vector<std::string>& words) {
  for (const std::string& word : words) {
    if (absl::StartsWith(word, "--run_dir=")) return true;
  }
  return false;
}

absl::Status LaunchFlagError(const absl::Status& status) {
  static const std::vector<FieldFlag>* const table = [] {
    auto* table = new std::vector<FieldFlag>;
    for (const LaunchFlag& flag : Flags()) {
      if (flag.field[0] != '\0') table->emplace_back(flag.field, flag.name);
    }
    return table;
  }();
  return FieldErrorToFlagError(status, *table);
}

std::string LaunchFlagsHelp() {
  const RunDescription defaults = DefaultRunDescription();
  std::string help;
  for (const LaunchFlag& flag : Flags()) {
    const std::string usage =
        absl::StrCat("--", flag.name, flag.value[0] == '\0' ? "" : "=", flag.value);
    absl::StrAppendFormat(&help, "  %-26s %s (default %s)\n", usage, flag.help,
                          flag.get(defaults));
  }
  return help;
}

}  // namespace hem
