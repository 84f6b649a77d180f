// A process's Prometheus endpoint: GET /metrics on its own port
// (`metrics_port` in every role's config: -1 = off, 0 = any free port), on
// the process's bind host, with TLS and the token when it has credentials
// (common/http_server.h). The page is the role's metrics followed by what
// every process reports (refused unauthenticated requests, start time).
//
// Where it listens is advertised like the gRPC address: the StatusService
// label "metrics_address" (advertised host:port), and, with a rendezvous
// directory, the file "<dir>/<role>-<index>.metrics" (common/rendezvous.h's
// naming), which a scraper's file discovery can read.
#ifndef HEM_COMMON_METRICS_ENDPOINT_H_
#define HEM_COMMON_METRICS_ENDPOINT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/http_server.h"
#include "common/net_config.h"
#include "common/status_service.h"

namespace hem {

// Appends the role's metrics (Prometheus text) to *out; thread-safe.
using MetricsPage = std::function<void(std::string* out)>;

// The metrics every process serves, after its role's: refused
// unauthenticated requests (gRPC and HTTP) and the process's start time.
std::string ProcessMetricsText();

// Starts /metrics on net.bind_host:port for process <role>-<index>, or
// returns null when port is -1. `credentials` as LoadNetCredentials(net)
// gave them; `status` (may be null) gets the "metrics_address" label.
// Errors name the field: "metrics_port: ...".
absl::StatusOr<std::unique_ptr<HttpServer>> StartMetricsEndpoint(
    int port, const NetConfig& net, std::shared_ptr<const Credentials> credentials,
    absl::string_view role, uint64_t index, MetricsPage page, ProcessStatusService* status);

}  // namespace hem

#endif  // HEM_COMMON_METRICS_ENDPOINT_H_
