// Kubernetes objects of a run description (see manifests.h).
#include "deploy/k8s/manifests.h"

#include <algorithm>
#include <map>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/atomic_file.h"
#include "common/rendezvous.h"
#include "deploy/process_plan.h"
#include "deploy/run_description.h"

namespace hem {
namespace {

using hem::v1::RunDescription;

// Kubernetes >= 1.28 labels each StatefulSet pod with its ordinal.
constexpr char kPodIndexLabel[] = "apps.kubernetes.io/pod-index";
constexpr char kCredentialFiles[][9] = {"ca.crt", "node.crt", "node.key", "token"};
constexpr int kSecretMode = 0400;

std::string Namespace(const RunDescription& run, const ManifestOptions& options) {
  return run.kubernetes().namespace_().empty() ? options.default_namespace
                                               : run.kubernetes().namespace_();
}

std::string ObjectName(const ManifestOptions& options, const char* component) {
  return absl::StrCat(options.name, "-", component);
}

YamlNode Labels(const ManifestOptions& options, const char* component) {
  return YamlNode::Map()
      .Set("app.kubernetes.io/name", "hem")
      .Set("app.kubernetes.io/instance", options.name)
      .Set("app.kubernetes.io/component", component);
}

YamlNode Metadata(const std::string& name, const std::string& ns, YamlNode labels) {
  return YamlNode::Map().Set("name", name).Set("namespace", ns).Set("labels", std::move(labels));
}

bool IsFlag(const std::string& arg, absl::string_view name) {
  return arg == absl::StrCat("--", name) || absl::StartsWith(arg, absl::StrCat("--", name, "="));
}

// Replaces --name=... in argv; INTERNAL when the plan has no such flag.
absl::Status SetFlag(std::vector<std::string>* argv, absl::string_view name,
                     absl::string_view value) {
  for (std::string& arg : *argv) {
    if (IsFlag(arg, name)) {
      arg = absl::StrCat("--", name, "=", value);
      return absl::OkStatus();
    }
  }
  return absl::InternalError(absl::StrCat("the plan of ", (*argv)[0], " has no --", name));
}

void RemoveFlag(std::vector<std::string>* argv, absl::string_view name) {
  argv->erase(std::remove_if(argv->begin(), argv->end(),
                             [&](const std::string& arg) { return IsFlag(arg, name); }),
              argv->end());
}

// Every rdzv:<role>/<index> inside a flag's value replaced by the Service
// name the process has on Kubernetes.
absl::Status MapRendezvousAddresses(const std::map<std::string, std::string>& services,
                                    std::vector<std::string>* argv) {
  for (std::string& arg : *argv) {
    const size_t equals = arg.find('=');
    if (equals == std::string::npos || !absl::StrContains(arg, kRendezvousPrefix)) continue;
    std::vector<std::string> entries = absl::StrSplit(arg.substr(equals + 1), ',');
    for (std::string& entry : entries) {
      if (!IsRendezvousAddress(entry)) continue;
      auto it = services.find(entry);
      if (it == services.end()) {
        return absl::InternalError(absl::StrCat("no Service for ", entry, " in ", arg));
      }
      entry = it->second;
    }
    arg = absl::StrCat(arg.substr(0, equals + 1), absl::StrJoin(entries, ","));
  }
  return absl::OkStatus();
}

YamlNode Resources(const hem::v1::Resources& resources, int64_t default_memory_mb, int gpus,
                   const ManifestOptions& options) {
  const int cpus = resources.cpus() > 0 ? resources.cpus() : options.default_cpus;
  const int64_t memory_mb = resources.memory_mb() > 0 ? resources.memory_mb() : default_memory_mb;
  YamlNode out = YamlNode::Map().Set(
      "requests",
      YamlNode::Map().Set("cpu", absl::StrCat(cpus)).Set("memory", absl::StrCat(memory_mb, "Mi")));
  // GPUs are requested through limits (extended resources are not overcommitted).
  if (gpus > 0) {
    out.Set("limits", YamlNode::Map().Set("nvidia.com/gpu", absl::StrCat(gpus)));
  }
  return out;
}

YamlNode EnvFromField(const char* name, const std::string& field_path) {
  return YamlNode::Map().Set("name", name).Set(
      "valueFrom", YamlNode::Map().Set("fieldRef", YamlNode::Map().Set("fieldPath", field_path)));
}

struct ContainerSpec {
  const char* name;
  std::vector<std::string> command;  // Entry point: the binary or actor_entrypoint.sh.
  std::vector<std::string> args;
  int port = 0;
  YamlNode resources = YamlNode::Map();
  YamlNode env = YamlNode::List();
  YamlNode mounts = YamlNode::List();
};

YamlNode Container(const RunDescription& run, const ManifestOptions& options,
                   ContainerSpec spec) {
  const std::string image =
      run.kubernetes().image().empty() ? options.default_image : run.kubernetes().image();
  YamlNode container = YamlNode::Map()
                           .Set("name", spec.name)
                           .Set("image", image)
                           .Set("imagePullPolicy", "IfNotPresent")
                           .Set("command", YamlNode::ListOf(spec.command))
                           .Set("args", YamlNode::ListOf(spec.args))
                           .Set("ports", YamlNode::List().Add(YamlNode::Map()
                                                                  .Set("name", "grpc")
                                                                  .Set("containerPort", spec.port)
                                                                  .Set("protocol", "TCP")))
                           // Listening means serving: each server starts listening
                           // once it is ready.
                           .Set("readinessProbe",
                                YamlNode::Map()
                                    .Set("tcpSocket", YamlNode::Map().Set("port", "grpc"))
                                    .Set("periodSeconds", 5));
  if (!spec.env.items().empty()) container.Set("env", std::move(spec.env));
  container.Set("resources", std::move(spec.resources));
  if (run.network().tls()) {
    spec.mounts.Add(YamlNode::Map()
                        .Set("name", "credentials")
                        .Set("mountPath", kCredentialsMount)
                        .Set("readOnly", YamlNode::Bool(true)));
  }
  if (!spec.mounts.items().empty()) container.Set("volumeMounts", std::move(spec.mounts));
  return container;
}

YamlNode PodTemplate(const RunDescription& run, const ManifestOptions& options, YamlNode labels,
                     YamlNode container) {
  YamlNode spec = YamlNode::Map()
                      .Set("restartPolicy", "Always")
                      .Set("terminationGracePeriodSeconds", options.termination_grace_seconds)
                      .Set("enableServiceLinks", YamlNode::Bool(false))
                      .Set("containers", YamlNode::List().Add(std::move(container)));
  if (run.network().tls()) {
    spec.Set("volumes",
             YamlNode::List().Add(YamlNode::Map().Set("name", "credentials").Set(
                 "secret", YamlNode::Map()
                               .Set("secretName", ObjectName(options, "credentials"))
                               .Set("defaultMode", kSecretMode))));
  }
  return YamlNode::Map()
      .Set("metadata", YamlNode::Map().Set("labels", std::move(labels)))
      .Set("spec", std::move(spec));
}

YamlNode HeadlessService(const std::string& name, const std::string& ns, YamlNode labels,
                         int port) {
  return YamlNode::Map()
      .Set("apiVersion", "v1")
      .Set("kind", "Service")
      .Set("metadata", Metadata(name, ns, labels))
      .Set("spec", YamlNode::Map()
                       .Set("clusterIP", "None")
                       // Names resolve while pods start: clients retry until
                       // the server listens.
                       .Set("publishNotReadyAddresses", YamlNode::Bool(true))
                       .Set("selector", labels)
                       .Set("ports", YamlNode::List().Add(YamlNode::Map()
                                                              .Set("name", "grpc")
                                                              .Set("port", port)
                                                              .Set("targetPort", "grpc")
                                                              .Set("protocol", "TCP"))));
}

YamlNode StatefulSet(const std::string& name, const std::string& ns, YamlNode labels,
                     int replicas, YamlNode pod_template, const std::string& storage) {
  return YamlNode::Map()
      .Set("apiVersion", "apps/v1")
      .Set("kind", "StatefulSet")
      .Set("metadata", Metadata(name, ns, labels))
      .Set("spec",
           YamlNode::Map()
               .Set("serviceName", name)
               .Set("replicas", replicas)
               .Set("podManagementPolicy", "Parallel")
               .Set("selector", YamlNode::Map().Set("matchLabels", labels))
               .Set("template", std::move(pod_template))
               .Set("volumeClaimTemplates",
                    YamlNode::List().Add(
                        YamlNode::Map()
                            .Set("metadata", YamlNode::Map().Set("name", "data"))
                            .Set("spec", YamlNode::Map()
                                             .Set("accessModes", YamlNode::ListOf({"ReadWriteOnce"}))
                                             .Set("resources",
                                                  YamlNode::Map().Set(
                                                      "requests",
                                                      YamlNode::Map().Set("storage", storage)))))));
}

YamlNode Deployment(const std::string& name, const std::string& ns, YamlNode labels,
                    int replicas, YamlNode pod_template) {
  return YamlNode::Map()
      .Set("apiVersion", "apps/v1")
      .Set("kind", "Deployment")
      .Set("metadata", Metadata(name, ns, labels))
      .Set("spec", YamlNode::Map()
                       .Set("replicas", replicas)
                       .Set("selector", YamlNode::Map().Set("matchLabels", labels))
                       .Set("template", std::move(pod_template)));
}

YamlNode DataMount(const char* path) {
  return YamlNode::List().Add(YamlNode::Map().Set("name", "data").Set("mountPath", path));
}

const PlannedProcess* Find(const std::vector<PlannedProcess>& plan, const std::string& name) {
  for (const PlannedProcess& p : plan) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// argv[1..]: what follows the entry point.
std::vector<std::string> Args(const std::vector<std::string>& argv) {
  return std::vector<std::string>(argv.begin() + 1, argv.end());
}

}  // namespace

absl::StatusOr<std::vector<YamlNode>> KubernetesManifests(const RunDescription& run,
                                                          const ManifestOptions& options) {
  if (!run.network().tls() && !run.network().insecure()) {
    return absl::FailedPreconditionError(
        "network.tls: pods listen on every interface of their own network namespace, "
        "so a run on Kubernetes needs TLS and the token (or network.insecure, which opens "
        "every service to the cluster's network)");
  }
  // The local plan, as it would run inside the pods: files on the pods'
  // volumes, every process listening on its pod's addresses, and addresses
  // through the rendezvous, which become Service names below.
  RunDescription in_pods = run;
  in_pods.set_run_dir(kLearnerDataMount);
  hem::v1::Network& net = *in_pods.mutable_network();
  net.set_bind_host("0.0.0.0");
  net.clear_advertise_host();
  net.set_rendezvous(true);
  if (net.tls()) net.set_credentials_dir(kCredentialsMount);
  for (hem::v1::RoleSpec* role :
       {in_pods.mutable_replay()->mutable_role(), in_pods.mutable_learner()->mutable_role(),
        in_pods.mutable_actors()->mutable_role(), in_pods.mutable_evaluator()->mutable_role()}) {
    role->clear_placement();  // Kubernetes places pods.
  }
  if (absl::Status valid = ValidateRunDescription(in_pods); !valid.ok()) return valid;
  const int base_port = run.base_port() > 0 ? run.base_port() : options.default_base_port;
  const std::vector<PlannedProcess> plan = PlanProcesses(in_pods, base_port, kImageBinDir);
  const PlannedProcess* replay = Find(plan, "replay-0");
  const PlannedProcess* learner = Find(plan, "learner");
  const PlannedProcess* actor = Find(plan, "actor-0");
  const PlannedProcess* evaluator = Find(plan, "evaluator");
  if (replay == nullptr || learner == nullptr || actor == nullptr) {
    return absl::InternalError("the plan lacks a shard, the learner or an actor");
  }

  const std::string ns = Namespace(run, options);
  const std::string replay_name = ObjectName(options, "replay");
  const std::string learner_name = ObjectName(options, "learner");
  std::map<std::string, std::string> services;
  const int shards = run.replay().role().count();
  for (int s = 0; s < shards; ++s) {
    services[absl::StrCat("rdzv:replay/", s)] =
        absl::StrCat(replay_name, "-", s, ".", replay_name, ".", ns, ".svc:", replay->port);
  }
  services["rdzv:learner/0"] = absl::StrCat(learner_name, ".", ns, ".svc:", learner->port);
  auto argv_in_pod = [&](const PlannedProcess& p) -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> argv = p.argv;
    RemoveFlag(&argv, "rendezvous_dir");
    if (absl::Status mapped = MapRendezvousAddresses(services, &argv); !mapped.ok()) return mapped;
    return argv;
  };

  std::vector<YamlNode> objects;
  if (ns != "default") {
    objects.push_back(YamlNode::Map()
                          .Set("apiVersion", "v1")
                          .Set("kind", "Namespace")
                          .Set("metadata", YamlNode::Map().Set("name", ns)));
  }
  objects.push_back(HeadlessService(replay_name, ns, Labels(options, "replay"), replay->port));
  objects.push_back(
      HeadlessService(learner_name, ns, Labels(options, "learner"), learner->port));

  {  // Replay shards: one pod template, the shard index from the pod's ordinal.
    absl::StatusOr<std::vector<std::string>> argv = argv_in_pod(*replay);
    if (!argv.ok()) return argv.status();
    if (absl::Status s = SetFlag(&*argv, "shard_index", "$(POD_INDEX)"); !s.ok()) return s;
    if (absl::Status s = SetFlag(&*argv, "checkpoint_dir", kReplayDataMount); !s.ok()) return s;
    ContainerSpec spec{"replay", {(*argv)[0]}, Args(*argv), replay->port};
    spec.resources = Resources(run.replay().role().resources(), options.replay_memory_mb,
                               run.replay().role().resources().gpus(), options);
    spec.env.Add(EnvFromField("POD_INDEX", absl::StrCat("metadata.labels['", kPodIndexLabel, "']")));
    spec.mounts = DataMount(kReplayDataMount);
    objects.push_back(StatefulSet(
        replay_name, ns, Labels(options, "replay"), shards,
        PodTemplate(run, options, Labels(options, "replay"), Container(run, options, std::move(spec))),
        options.replay_storage));
  }
  {  // The learner: checkpoints on its claim; a GPU when it trains on CUDA.
    absl::StatusOr<std::vector<std::string>> argv = argv_in_pod(*learner);
    if (!argv.ok()) return argv.status();
    const hem::v1::RoleSpec& role = run.learner().role();
    int gpus = role.resources().gpus();
    if (run.learner().device() == "cuda") gpus = std::max(gpus, 1);
    ContainerSpec spec{"learner", {(*argv)[0]}, Args(*argv), learner->port};
    spec.resources = Resources(role.resources(), options.learner_memory_mb, gpus, options);
    spec.mounts = DataMount(kLearnerDataMount);
    objects.push_back(StatefulSet(learner_name, ns, Labels(options, "learner"), 1,
                                  PodTemplate(run, options, Labels(options, "learner"),
                                              Container(run, options, std::move(spec))),
                                  options.learner_storage));
  }
  {  // Actors: replicas are the N ablation; ids from pod names.
    absl::StatusOr<std::vector<std::string>> argv = argv_in_pod(*actor);
    if (!argv.ok()) return argv.status();
    RemoveFlag(&*argv, "actor_id");  // actor_entrypoint.sh passes it.
    ContainerSpec spec{"actor", {kActorEntrypoint}, Args(*argv), actor->port};
    spec.resources = Resources(run.actors().role().resources(), options.actor_memory_mb,
                               run.actors().role().resources().gpus(), options);
    spec.env.Add(EnvFromField("POD_NAME", "metadata.name"));
    objects.push_back(Deployment(ObjectName(options, "actor"), ns, Labels(options, "actor"),
                                 run.actors().role().count(),
                                 PodTemplate(run, options, Labels(options, "actor"),
                                             Container(run, options, std::move(spec)))));
  }
  if (evaluator != nullptr) {
    absl::StatusOr<std::vector<std::string>> argv = argv_in_pod(*evaluator);
    if (!argv.ok()) return argv.status();
    // The evaluator's pod has no volume for the run directory: its episode
    // log would have nowhere to go.
    RemoveFlag(&*argv, "eval_episode_log");
    ContainerSpec spec{"evaluator", {(*argv)[0]}, Args(*argv), evaluator->port};
    spec.resources = Resources(run.evaluator().role().resources(), options.actor_memory_mb,
                               run.evaluator().role().resources().gpus(), options);
    objects.push_back(Deployment(ObjectName(options, "evaluator"), ns,
                                 Labels(options, "evaluator"), run.evaluator().role().count(),
                                 PodTemplate(run, options, Labels(options, "evaluator"),
                                             Container(run, options, std::move(spec)))));
  }
  return objects;
}

absl::StatusOr<YamlNode> CredentialsSecret(const RunDescription& run,
                                           const ManifestOptions& options,
                                           const std::string& credentials_dir) {
  YamlNode data = YamlNode::Map();
  for (const char* file : kCredentialFiles) {
    absl::StatusOr<std::string> contents =
        ReadFileToString(absl::StrCat(credentials_dir, "/", file));
    if (!contents.ok()) {
      return absl::Status(contents.status().code(),
                          absl::StrCat("credentials_dir: ", contents.status().message()));
    }
    data.Set(file, absl::Base64Escape(*contents));
  }
  return YamlNode::Map()
      .Set("apiVersion", "v1")
      .Set("kind", "Secret")
      .Set("metadata", Metadata(ObjectName(options, "credentials"), Namespace(run, options),
                                Labels(options, "credentials")))
      .Set("type", "Opaque")
      .Set("data", std::move(data));
}

}  // namespace hem
