// The learner's network endpoints, started and stopped together: one gRPC
// server with the ParameterService (weights for actors, their reports back)
// and the StatusService (for deploy/ tools), and the optional Prometheus
// /metrics endpoint (common/metrics_endpoint.h). Torch-free.
#ifndef HEM_LEARNER_LEARNER_SERVERS_H_
#define HEM_LEARNER_LEARNER_SERVERS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/http_server.h"
#include "common/status_service.h"
#include "grpcpp/server.h"
#include "learner/learner_config.h"
#include "learner/metrics.h"
#include "learner/parameter_service.h"

namespace hem {

class LearnerServers {
 public:
  // Listens on config.net.bind_host:config.port, with TLS and the token when
  // config.net has credentials, and publishes itself as "learner-0" in
  // config.net.rendezvous_dir when set. /metrics (config.metrics_port unless
  // -1) listens beside it under the same rules (TLS and the token with
  // credentials) and is advertised as "learner-0.metrics". `metrics` must
  // outlive the servers; `reporter` fills the StatusService's metrics and
  // labels. Errors name the field ("port: ...", "metrics_port: ...") when a
  // port cannot be bound.
  static absl::StatusOr<std::unique_ptr<LearnerServers>> Start(
      const LearnerConfig& config, LearnerMetrics* metrics,
      ProcessStatusService::Reporter reporter);
  ~LearnerServers();  // Shutdown().

  LearnerServers(const LearnerServers&) = delete;
  LearnerServers& operator=(const LearnerServers&) = delete;

  // Where published weights go (thread-safe).
  ParameterService* parameters() { return &parameter_service_; }

  // What the StatusService says: ready once the first weights are published.
  void SetReady(bool ready) { status_service_.SetReady(ready); }

  int port() const { return port_; }  // gRPC.
  int metrics_port() const { return http_ == nullptr ? -1 : http_->port(); }

  // Ends blocked ParameterService calls, then stops both servers (waiting up
  // to 2 s for calls in flight). Idempotent.
  void Shutdown();

 private:
  LearnerServers(const LearnerConfig& config, LearnerMetrics* metrics);

  ParameterService parameter_service_;
  ProcessStatusService status_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HttpServer> http_;
  int port_ = 0;
};

}  // namespace hem

#endif  // HEM_LEARNER_LEARNER_SERVERS_H_
