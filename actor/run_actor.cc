// RunActor (see run_actor.h): the actor's status service wired to its loop.
#include "actor/run_actor.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "actor/actor_loop.h"
#include "common/grpc_util.h"
#include "common/logging.h"
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

}  // namespace

absl::Status RunActor(const ActorOptions& options, const std::atomic<bool>& stop) {
  HEM_RETURN_IF_ERROR(ValidateActorOptions(options));
  SetPolicyThreads(options.torch_threads, 1);
  const std::string role = options.eval ? "evaluator" : "actor";
  ProcessStatusService status_service(role, absl::StrCat(role, "-", options.actor_id));
  int port = 0;
  absl::StatusOr<std::unique_ptr<grpc::Server>> server =
      StartServer(ListenAddress(options.status_port), {&status_service}, &port);
  if (!server.ok()) {
    return absl::Status(server.status().code(),
                        absl::StrCat("status_port: ", server.status().message()));
  }
  ActorLoop loop(options);
  status_service.SetReporter([&loop, &options](hem::v1::ProcessStatus* status) {
    ReportProgress(loop.progress(), options.env_name, status);
  });
  status_service.SetReady(true);
  HEM_LOG(INFO) << role << " " << options.actor_id << " on " << options.env_name
                << " with " << options.num_envs << " envs; status on 127.0.0.1:" << port;

  absl::Status status = loop.Run(stop);
  // The reporter reads `loop`: stop serving before it goes away.
  (*server)->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  const ActorProgress p = loop.progress();
  HEM_LOG(INFO) << role << " done: " << p.env_steps << " env steps, " << p.episodes
                << " episodes";
  return status;
}

}  // namespace hem
