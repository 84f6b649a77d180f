// Start-up and shutdown of the learner's servers (see learner_servers.h).
#include "learner/learner_servers.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_util.h"

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
  absl::StatusOr<std::unique_ptr<grpc::Server>> server =
      StartServer(ListenAddress(config.port, config.bind_all),
                  {&servers->parameter_service_, &servers->status_service_}, &servers->port_);
  if (!server.ok()) {
    return absl::Status(server.status().code(),
                        absl::StrCat("port: ", server.status().message()));
  }
  servers->server_ = *std::move(server);
  if (config.metrics_port >= 0) {
    absl::StatusOr<std::unique_ptr<MetricsHttpServer>> http = MetricsHttpServer::Start(
        config.metrics_port, config.bind_all,
        [metrics] { return PrometheusText(metrics->Snapshot()); });
    if (!http.ok()) {
      return absl::Status(http.status().code(),
                          absl::StrCat("metrics_port: ", http.status().message()));
    }
    servers->http_ = *std::move(http);
  }
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
