// Start-up and shutdown of the learner's servers (see learner_servers.h).
#include "learner/learner_servers.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_util.h"
#include "common/metrics_endpoint.h"
#include "common/rendezvous.h"

namespace hem {
namespace {

// How long Shutdown waits for gRPC calls in flight before cancelling them.
constexpr absl::Duration kShutdownGrace = absl::Seconds(2);

}  // namespace

LearnerServers::LearnerServers(const LearnerConfig& config, LearnerMetrics* metrics)
    : parameter_service_(metrics), status_service_("learner", config.name) {}

absl::StatusOr<std::unique_ptr<LearnerServers>> LearnerServers::Start(
    const LearnerConfig& config, LearnerMetrics* metrics,
    ProcessStatusService::Reporter reporter) {
  std::unique_ptr<LearnerServers> servers(new LearnerServers(config, metrics));
  servers->status_service_.SetReporter(std::move(reporter));
  absl::StatusOr<std::shared_ptr<const Credentials>> credentials =
      LoadNetCredentials(config.net);
  if (!credentials.ok()) return credentials.status();
  absl::StatusOr<std::unique_ptr<grpc::Server>> server = StartServer(
      ListenAddress(config.port, config.net.bind_host),
      {&servers->parameter_service_, &servers->status_service_}, &servers->port_,
      credentials->get());
  if (!server.ok()) {
    return absl::Status(server.status().code(),
                        absl::StrCat("port: ", server.status().message()));
  }
  servers->server_ = *std::move(server);
  if (!config.net.rendezvous_dir.empty()) {
    absl::Status published =
        PublishAddress(config.net.rendezvous_dir, "learner", 0,
                       HostPort(AdvertiseHost(config.net), servers->port_));
    if (!published.ok()) return NetFieldError(published);
  }
  absl::StatusOr<std::unique_ptr<HttpServer>> http = StartMetricsEndpoint(
      config.metrics_port, config.net, *credentials, "learner", 0,
      [metrics](std::string* out) { *out += LearnerMetricsPage(*metrics); },
      &servers->status_service_);
  if (!http.ok()) return http.status();
  servers->http_ = *std::move(http);
  return servers;
}

LearnerServers::~LearnerServers() { Shutdown(); }

void LearnerServers::Shutdown() {
  parameter_service_.Stop();
  if (server_ != nullptr) {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + kShutdownGrace));
    server_.reset();
  }
  http_.reset();
}

}  // namespace hem
