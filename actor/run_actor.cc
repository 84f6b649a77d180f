// RunActor (see run_actor.h): the actor's status service wired to its loop.
#include "actor/run_actor.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "actor/actor_loop.h"
#include "actor/actor_metrics.h"
#include "common/grpc_util.h"
#include "common/logging.h"
#include "common/metrics_endpoint.h"
#include "common/rendezvous.h"
#include "common/status_macros.h"
#include "common/status_service.h"
#include "grpcpp/server.h"
#include "learner/policy.h"

namespace hem {
namespace {

// The metrics deploy/cluster_status reads, by name.
void ReportProgress(const ActorProgress& p, const std::string& env_name,
                    hem::v1::ProcessStatus* status) {
  auto& m = *status->mutable_metrics();
  m["env_steps"] = p.env_steps;
  m["episodes"] = p.episodes;
  m["train_success_rate"] = p.recent_success_rate;
  m["policy_version"] = p.policy_version;
  m["env_steps_per_second"] = p.env_steps_per_second;
  m["trajectories_acknowledged"] = p.trajectories_acknowledged;
  m["eval_success_rate"] = p.last_eval_success_rate;
  (*status->mutable_labels())["env"] = env_name;
}

// `addresses` with rdzv: entries resolved; errors name `field`.
absl::StatusOr<std::vector<std::string>> Resolve(const NetConfig& net,
                                                 const std::vector<std::string>& addresses,
                                                 absl::string_view field,
                                                 const std::atomic<bool>& stop) {
  absl::StatusOr<std::vector<std::string>> resolved =
      ResolveAddresses(net.rendezvous_dir, addresses, net.rendezvous_timeout, &stop);
  if (resolved.ok()) return resolved;
  return absl::Status(resolved.status().code(),
                      absl::StrCat(field, ": ", resolved.status().message()));
}

}  // namespace

absl::Status RunActor(const ActorOptions& given, const std::atomic<bool>& stop) {
  HEM_RETURN_IF_ERROR(ValidateActorOptions(given));
  SetPolicyThreads(given.torch_threads, 1);
  const std::string role = given.eval ? "evaluator" : "actor";
  ProcessStatusService status_service(role, absl::StrCat(role, "-", given.actor_id));
  HEM_ASSIGN_OR_RETURN(const std::shared_ptr<const Credentials> credentials,
                       LoadNetCredentials(given.net));
  int port = 0;
  absl::StatusOr<std::unique_ptr<grpc::Server>> server =
      StartServer(ListenAddress(given.status_port, given.net.bind_host), {&status_service},
                  &port, credentials.get());
  if (!server.ok()) {
    return absl::Status(server.status().code(),
                        absl::StrCat("status_port: ", server.status().message()));
  }
  ActorOptions options = given;
  HEM_ASSIGN_OR_RETURN(options.replay_addresses, Resolve(options.net, options.replay_addresses,
                                                         "replay_addresses", stop));
  if (!options.learner_address.empty()) {
    HEM_ASSIGN_OR_RETURN(std::vector<std::string> learner,
                         Resolve(options.net, {options.learner_address}, "learner_address",
                                 stop));
    options.learner_address = learner[0];
  }
  ActorLoop loop(options);
  status_service.SetReporter([&loop, &options](hem::v1::ProcessStatus* status) {
    ReportProgress(loop.progress(), options.env_name, status);
  });
  absl::StatusOr<std::unique_ptr<HttpServer>> metrics = StartMetricsEndpoint(
      options.metrics_port, options.net, credentials, role, options.actor_id,
      [&loop, eval = options.eval](std::string* out) {
        AppendActorMetrics(loop.progress(), loop.inference_seconds(), eval, out);
      },
      &status_service);
  if (!metrics.ok()) {
    (*server)->Shutdown();
    return metrics.status();
  }
  status_service.SetReady(true);
  const std::string address = HostPort(AdvertiseHost(options.net), port);
  if (!options.net.rendezvous_dir.empty()) {
    const absl::Status published = NetFieldError(
        PublishAddress(options.net.rendezvous_dir, role, options.actor_id, address));
    if (!published.ok()) {
      (*server)->Shutdown();  // Before `loop`, which the reporter reads, goes.
      return published;
    }
  }
  HEM_LOG(INFO) << role << " " << options.actor_id << " on " << options.env_name
                << " with " << options.num_envs << " envs; status on "
                << ListenAddress(port, options.net.bind_host) << ", reached as " << address;

  absl::Status status = loop.Run(stop);
  // The reporter and the metrics page read `loop`: stop serving before it
  // goes away.
  metrics->reset();
  (*server)->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  const ActorProgress p = loop.progress();
  HEM_LOG(INFO) << role << " done: " << p.env_steps << " env steps, " << p.episodes
                << " episodes";
  return status;
}

}  // namespace hem
