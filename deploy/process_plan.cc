// Command lines of a run's processes (see process_plan.h).
#include "deploy/process_plan.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/task_presets.h"
#include "deploy/run_description.h"

namespace hem {
namespace {

using hem::v1::RunDescription;

constexpr int kLearnerOffset = 50;
constexpr int kMetricsOffset = 51;
constexpr int kEvaluatorOffset = 99;
constexpr int kActorOffset = 100;
// The evaluator's actor id: apart from every training actor's.
constexpr int kEvaluatorActorId = 1000;
// At most this many evaluation episodes run side by side.
constexpr int kMaxEvaluatorEnvs = 32;

std::string Flag(const char* name, const std::string& value) {
  return absl::StrCat("--", name, "=", value);
}
template <typename T>
std::string Flag(const char* name, T value) {
  return absl::StrCat("--", name, "=", value);
}

// The net flags every process takes (common/net_config.h), only where they
// differ from the processes' defaults; `placed` is the process's placement
// host ("" = none).
void AddNetFlags(const RunDescription& run, const hem::v1::Placement& placement,
                 const std::string& placed, std::vector<std::string>* argv) {
  const hem::v1::Network& net = run.network();
  const std::string& bind =
      placement.bind_to_host() && !placed.empty() ? placed : net.bind_host();
  if (bind != "127.0.0.1") argv->push_back(Flag("bind_host", bind));
  const std::string& advertise = placed.empty() ? net.advertise_host() : placed;
  if (!advertise.empty()) argv->push_back(Flag("advertise_host", advertise));
  if (net.tls()) argv->push_back(Flag("credentials_dir", CredentialsDir(run)));
  if (net.insecure()) argv->push_back("--insecure");
  if (net.rendezvous()) argv->push_back(Flag("rendezvous_dir", RendezvousDir(run)));
}

std::vector<std::string> ExecPrefix(const hem::v1::Placement& placement,
                                    const std::string& placed) {
  std::vector<std::string> prefix;
  for (const std::string& word : placement.exec_prefix()) {
    prefix.push_back(absl::StrReplaceAll(word, {{"{host}", placed}}));
  }
  return prefix;
}

void AddExtraFlags(const hem::v1::RoleSpec& role, std::vector<std::string>* argv) {
  argv->insert(argv->end(), role.extra_flags().begin(), role.extra_flags().end());
}

}  // namespace

std::string ConnectHost(const hem::v1::Network& network) {
  if (!network.advertise_host().empty()) return network.advertise_host();
  const std::string& bind = network.bind_host();
  if (bind.empty() || bind == "0.0.0.0" || bind == "::" || bind == "[::]") return "127.0.0.1";
  return bind;
}

std::string CredentialsDir(const RunDescription& run) {
  if (!run.network().tls()) return "";
  if (!run.network().credentials_dir().empty()) return run.network().credentials_dir();
  return absl::StrCat(run.run_dir(), "/credentials");
}

std::vector<std::string> CommandLine(const PlannedProcess& process) {
  std::vector<std::string> command = process.exec_prefix;
  command.insert(command.end(), process.argv.begin(), process.argv.end());
  return command;
}

std::string PlacementHost(const hem::v1::Placement& placement, int index) {
  if (placement.hosts().empty()) return "";
  const std::string& host =
      placement.hosts(std::min(index, placement.hosts_size() - 1));
  return host == "any" ? "" : host;
}

std::vector<std::string> PlacementHosts(const RunDescription& run) {
  std::vector<std::string> hosts;
  for (const hem::v1::RoleSpec* role : {&run.replay().role(), &run.learner().role(),
                                        &run.actors().role(), &run.evaluator().role()}) {
    for (const std::string& host : role->placement().hosts()) {
      if (host.empty() || host == "any") continue;
      if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) hosts.push_back(host);
    }
  }
  return hosts;
}

std::string RendezvousDir(const RunDescription& run) {
  if (!run.network().rendezvous()) return "";
  return absl::StrCat(run.run_dir(), "/rendezvous");
}

int MetricsPort(int base_port) { return base_port + kMetricsOffset; }

std::vector<int> PlannedPorts(const RunDescription& run, int base_port) {
  std::vector<int> ports;
  for (int s = 0; s < run.replay().role().count(); ++s) ports.push_back(base_port + s);
  ports.push_back(base_port + kLearnerOffset);
  ports.push_back(base_port + kMetricsOffset);
  if (run.evaluator().role().count() > 0) ports.push_back(base_port + kEvaluatorOffset);
  for (int a = 0; a < run.actors().role().count(); ++a) {
    ports.push_back(base_port + kActorOffset + a);
  }
  return ports;
}

namespace {

// The /metrics port of process `index` of `role` other than the learner's.
int OtherMetricsPort(const RunDescription& run, int base_port, absl::string_view role,
                     int index) {
  // Laid out as the gRPC ports are: shards below +50 (kLearnerOffset).
  const int first = base_port + kActorOffset + run.actors().role().count();
  if (role == "replay") return first + index;
  if (role == "evaluator") return first + kLearnerOffset;
  return first + kLearnerOffset + 1 + index;  // Actors.
}

}  // namespace

std::vector<int> PlannedMetricsPorts(const RunDescription& run, int base_port) {
  std::vector<int> ports;
  for (int s = 0; s < run.replay().role().count(); ++s) {
    ports.push_back(OtherMetricsPort(run, base_port, "replay", s));
  }
  if (run.evaluator().role().count() > 0) {
    ports.push_back(OtherMetricsPort(run, base_port, "evaluator", 0));
  }
  for (int a = 0; a < run.actors().role().count(); ++a) {
    ports.push_back(OtherMetricsPort(run, base_port, "actor", a));
  }
  return ports;
}

std::vector<PlannedProcess> PlanProcesses(const RunDescription& run, int base_port,
                                          const std::string& bin_dir) {
  const std::string host = ConnectHost(run.network());
  const std::string replay_server = absl::StrCat(bin_dir, "/replay_service/replay_server");
  const std::string learner_binary = absl::StrCat(bin_dir, "/learner/learner");
  const std::string actor_binary = absl::StrCat(bin_dir, "/actor/actor");
  // Where others reach process `index` of `role`.
  const bool rendezvous = run.network().rendezvous();
  auto address_of = [&](const char* name, const hem::v1::RoleSpec& role, int index, int port) {
    if (rendezvous) return absl::StrCat("rdzv:", name, "/", index);
    const std::string placed = PlacementHost(role.placement(), index);
    return absl::StrCat(placed.empty() ? host : placed, ":", port);
  };
  const int shards = run.replay().role().count();
  std::vector<std::string> replay_addresses;
  for (int s = 0; s < shards; ++s) {
    replay_addresses.push_back(address_of("replay", run.replay().role(), s, base_port + s));
  }
  const std::string replay_list = absl::StrJoin(replay_addresses, ",");
  const std::string learner_address =
      address_of("learner", run.learner().role(), 0, base_port + kLearnerOffset);
  // Checkpoints a restarted process resumes from; 0 = the binaries' default.
  const double checkpoint_seconds = run.checkpoint_seconds();

  std::vector<PlannedProcess> plan;
  auto add = [&](std::string name, std::string role, int index, StartGroup group, int port,
                 const hem::v1::RoleSpec& spec, std::vector<std::string> argv) {
    PlannedProcess p;
    p.name = std::move(name);
    p.role = std::move(role);
    p.index = index;
    p.group = group;
    p.port = port;
    const std::string placed = PlacementHost(spec.placement(), index);
    p.status_address = absl::StrCat(placed.empty() ? host : placed, ":", port);
    const int metrics_port = p.role == "learner" ? base_port + kMetricsOffset
                                                 : OtherMetricsPort(run, base_port, p.role, index);
    p.metrics_address = absl::StrCat(placed.empty() ? host : placed, ":", metrics_port);
    if (p.role != "learner") argv.push_back(Flag("metrics_port", metrics_port));
    AddNetFlags(run, spec.placement(), placed, &argv);
    AddExtraFlags(spec, &argv);
    p.argv = std::move(argv);
    p.exec_prefix = ExecPrefix(spec.placement(), placed);
    p.restart = EffectiveRestartPolicy(run, spec);
    plan.push_back(std::move(p));
  };

  const hem::v1::ReplayRole& replay = run.replay();
  for (int s = 0; s < shards; ++s) {
    std::vector<std::string> argv = {
        replay_server, Flag("port", base_port + s), Flag("shard_index", s),
        Flag("num_shards", shards),
        Flag("checkpoint_dir", absl::StrCat(run.run_dir(), "/replay-", s)),
        Flag("samples_per_insert", replay.samples_per_insert()),
        // A wide band: the shard blocks actors on the ratio, not on bursts.
        Flag("samples_per_insert_tolerance", 100000),
        Flag("min_size_to_sample", replay.min_size_to_sample())};
    if (replay.capacity_transitions() > 0) {
      argv.push_back(Flag("capacity_transitions", replay.capacity_transitions()));
    }
    if (checkpoint_seconds > 0) {
      argv.push_back(Flag("checkpoint_interval_seconds",
                          std::max(1, static_cast<int>(std::ceil(checkpoint_seconds)))));
    }
    add(absl::StrCat("replay-", s), "replay", s, StartGroup::kReplay, base_port + s,
        replay.role(), std::move(argv));
  }

  const hem::v1::LearnerRole& learner = run.learner();
  // Task presets (common/task_presets.h) were measured for hEM, not HER.
  const bool paper_algorithm = learner.algo().empty() || learner.algo() == "hem";
  {
    std::vector<std::string> argv = {
        learner_binary, Flag("env", run.env()), Flag("replay", replay_list),
        Flag("port", base_port + kLearnerOffset),
        Flag("metrics_port", base_port + kMetricsOffset), Flag("device", learner.device()),
        Flag("batch_size", learner.batch_size()), Flag("run_dir", run.run_dir()),
        // Always: a fresh run directory has no checkpoint, and a restarted
        // learner continues from its newest one.
        "--resume", Flag("seed", run.seed())};
    if (!learner.algo().empty()) argv.push_back(Flag("algo", learner.algo()));
    // Before the role's extra flags, which therefore win.
    if (paper_algorithm) {
      for (std::string& flag : PresetFlags(run.env(), "learner")) argv.push_back(std::move(flag));
    }
    if (checkpoint_seconds > 0) {
      argv.push_back(Flag("checkpoint_every_seconds", checkpoint_seconds));
    }
    add("learner", "learner", 0, StartGroup::kLearner, base_port + kLearnerOffset,
        learner.role(), std::move(argv));
  }

  const hem::v1::ActorRole& actors = run.actors();
  for (int a = 0; a < actors.role().count(); ++a) {
    const int port = base_port + kActorOffset + a;
    std::vector<std::string> argv = {
        actor_binary, Flag("env", run.env()), Flag("actor_id", a), Flag("seed", run.seed()),
        Flag("num_envs", actors.envs_per_actor()), Flag("replay", replay_list),
        Flag("learner", learner_address), Flag("port", port)};
    if (paper_algorithm) {
      for (std::string& flag : PresetFlags(run.env(), "actor")) argv.push_back(std::move(flag));
    }
    add(absl::StrCat("actor-", a), "actor", a, StartGroup::kActors, port, actors.role(),
        std::move(argv));
  }
  const hem::v1::EvaluatorRole& evaluator = run.evaluator();
  if (evaluator.role().count() > 0) {
    const int port = base_port + kEvaluatorOffset;
    add("evaluator", "evaluator", 0, StartGroup::kActors, port, evaluator.role(),
        {actor_binary, "--eval", Flag("env", run.env()), Flag("actor_id", kEvaluatorActorId),
         Flag("seed", run.seed()),
         Flag("num_envs", std::min(evaluator.episodes(), kMaxEvaluatorEnvs)),
         Flag("eval_episodes", evaluator.episodes()),
         Flag("eval_interval_seconds", evaluator.interval_seconds()),
         // Which goals fail and by how much, for every evaluation of the run.
         Flag("eval_episode_log", absl::StrCat(run.run_dir(), "/eval_episodes.csv")),
         Flag("learner", learner_address), Flag("port", port)});
  }
  return plan;
}

}  // namespace hem
