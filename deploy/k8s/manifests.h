// Kubernetes manifests of a run description (proto/run.proto): the same
// processes and command lines as the local plan (deploy/process_plan.h),
// placed as Kubernetes objects, with Service names where the local plan
// uses the rendezvous.
//
//   replay shards  StatefulSet <name>-replay (replicas = shards, pods start in
//                  parallel) behind the headless Service <name>-replay: shard i
//                  is the pod <name>-replay-i, reached at
//                  <name>-replay-i.<name>-replay.<namespace>.svc:<port>, its
//                  --shard_index from the pod-index label, its checkpoints and
//                  episode log on its own PersistentVolumeClaim.
//   learner        StatefulSet <name>-learner of 1 behind the headless Service
//                  <name>-learner (checkpoints and metrics on a claim, so a
//                  rescheduled learner resumes); nvidia.com/gpu when
//                  learner.device is cuda or the role asks for GPUs.
//   actors         Deployment <name>-actor, replicas = actors.role.count, so
//                  `kubectl scale deployment <name>-actor --replicas=N` is the
//                  paper's N ablation. Its pods have no index: each takes its
//                  actor id from its pod name (actor_entrypoint.sh).
//   evaluator      Deployment <name>-evaluator of 1 (none when its count is 0).
//   credentials    with network.tls, the Secret <name>-credentials (ca.crt,
//                  node.crt, node.key, token) mounted read-only in every pod
//                  at kCredentialsMount; CredentialsSecret makes it from a
//                  deploy/make_credentials.sh directory.
// Every pod binds 0.0.0.0 inside its own network namespace, so the run must
// have network.tls (or network.insecure, which exposes every service to the
// cluster's network). Kubernetes restarts what dies (restartPolicy Always,
// its own backoff); the run's stop rules and restart limits do not apply.
#ifndef HEM_DEPLOY_K8S_MANIFESTS_H_
#define HEM_DEPLOY_K8S_MANIFESTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "deploy/k8s/yaml_node.h"
#include "proto/run.pb.h"

namespace hem {

// Where things are inside the image (deploy/k8s/Dockerfile) and the pods.
inline constexpr char kImageBinDir[] = "/opt/hem/bin";
inline constexpr char kActorEntrypoint[] = "/opt/hem/bin/deploy/k8s/actor_entrypoint.sh";
inline constexpr char kCredentialsMount[] = "/etc/hem/credentials";
inline constexpr char kLearnerDataMount[] = "/var/lib/hem/run";
inline constexpr char kReplayDataMount[] = "/var/lib/hem/replay";

struct ManifestOptions {
  // Prefix of every object's name and the app.kubernetes.io/instance label;
  // runs side by side in one namespace need different names.
  std::string name = "hem";
  // Used where the description's kubernetes {} leaves them empty.
  std::string default_namespace = "hem";
  std::string default_image = "hem:latest";
  // First port when the description's base_port is 0 (the local plan's
  // layout: shards at +0, learner +50, evaluator +99, actors +100).
  int default_base_port = 7000;
  // Size of each shard's and the learner's PersistentVolumeClaim.
  std::string replay_storage = "10Gi";
  std::string learner_storage = "10Gi";
  // Requests of a role whose resources say nothing: cores and MiB.
  int default_cpus = 1;
  int64_t replay_memory_mb = 4096;
  int64_t learner_memory_mb = 4096;
  int64_t actor_memory_mb = 1024;
  // Seconds a pod gets after SIGTERM: the learner and shards write their
  // final checkpoints, actors flush.
  int termination_grace_seconds = 60;
};

// The objects of `run` (validated as ReadRunDescription does), in the order
// to apply them: Namespace, Services, StatefulSets, Deployments. The Secret
// is not among them (see CredentialsSecret). FAILED_PRECONDITION when the
// run has neither network.tls nor network.insecure.
absl::StatusOr<std::vector<YamlNode>> KubernetesManifests(const hem::v1::RunDescription& run,
                                                          const ManifestOptions& options);

// The Secret <name>-credentials holding the four files of `credentials_dir`
// (deploy/make_credentials.sh), base64 in `data`. Errors name the file.
absl::StatusOr<YamlNode> CredentialsSecret(const hem::v1::RunDescription& run,
                                           const ManifestOptions& options,
                                           const std::string& credentials_dir);

}  // namespace hem

#endif  // HEM_DEPLOY_K8S_MANIFESTS_H_
