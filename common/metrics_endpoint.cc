// A process's /metrics endpoint (see metrics_endpoint.h).
#include "common/metrics_endpoint.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc_util.h"
#include "common/prometheus_text.h"
#include "common/rendezvous.h"

namespace hem {
namespace {

const absl::Time kProcessStart = absl::Now();

}  // namespace

std::string ProcessMetricsText() {
  PrometheusWriter text;
  text.Counter("hem_unauthenticated_requests_total",
               "Requests refused for a missing or wrong token (gRPC calls and HTTP).",
               static_cast<double>(UnauthenticatedCallCount()));
  text.Gauge("hem_process_start_time_seconds", "Unix time the process started.",
             absl::ToDoubleSeconds(kProcessStart - absl::UnixEpoch()));
  return text.Release();
}

absl::StatusOr<std::unique_ptr<HttpServer>> StartMetricsEndpoint(
    int port, const NetConfig& net, std::shared_ptr<const Credentials> credentials,
    absl::string_view role, uint64_t index, MetricsPage page, ProcessStatusService* status) {
  if (port == -1) return std::unique_ptr<HttpServer>();
  auto field_error = [](const absl::Status& error) {
    return absl::Status(error.code(), absl::StrCat("metrics_port: ", error.message()));
  };
  HttpServerOptions options;
  options.bind_host = net.bind_host;
  options.port = port;
  options.credentials = std::move(credentials);
  HttpHandler metrics = [page = std::move(page)](const HttpRequest&) {
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    page(&response.body);
    response.body += ProcessMetricsText();
    return response;
  };
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(std::move(options), {{"/metrics", std::move(metrics)}});
  if (!server.ok()) return field_error(server.status());
  const std::string address = HostPort(AdvertiseHost(net), (*server)->port());
  if (status != nullptr) status->SetLabel("metrics_address", address);
  if (!net.rendezvous_dir.empty()) {
    absl::Status published =
        PublishAddress(net.rendezvous_dir, role, index, address, ".metrics");
    if (!published.ok()) return NetFieldError(published);
  }
  return server;
}

}  // namespace hem
