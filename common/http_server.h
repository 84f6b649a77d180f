// The HTTP endpoint every hem process may serve (/metrics for Prometheus)
// and the supervisor's dashboard, on cpp-httplib (Debian's
// libcpp-httplib-dev): GET routes with exact paths, answered by handlers.
//
// Security follows the gRPC servers' rules (common/grpc_util.h): without
// credentials it speaks plaintext, and its callers keep it on loopback
// unless told otherwise; with credentials it speaks only TLS (the run's node
// certificate) and answers every request that lacks
// "Authorization: Bearer <token>" with 401, counting it in the process's
// UnauthenticatedCallCount(). A browser cannot send that header, so a server
// with `browser_login` also accepts "?token=<token>" once and answers it
// with an HttpOnly cookie that stands for the token afterwards.
//
// Bounds: cpp-httplib caps the request line and each header line (8 KiB
// each, compiled into the library); here each read and write waits at most
// `io_timeout`, a connection serves at most kMaxRequestsPerConnection
// requests, and `threads` connections are served at once (others queue).
// Requests are answered before any body is read: only GET and HEAD are
// served (405 otherwise), unknown paths get 404 - after the token check, so
// nothing is revealed without it.
#ifndef HEM_COMMON_HTTP_SERVER_H_
#define HEM_COMMON_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/net_config.h"

namespace httplib {
class Server;
}

namespace hem {

struct HttpServerOptions {
  // Where to listen: loopback by default; port 0 = any free port.
  std::string bind_host = kLoopbackHost;
  int port = 0;
  // TLS and the bearer token; null = plaintext without a token.
  std::shared_ptr<const Credentials> credentials;
  // Also accept "?token=" (then a cookie) for people's browsers.
  bool browser_login = false;
  // The longest one read or write of a connection waits.
  absl::Duration io_timeout = absl::Seconds(5);
  // Connections served at once.
  int threads = 2;
};

struct HttpRequest {
  std::string path;                          // Without the query.
  std::map<std::string, std::string> query;  // Decoded parameters.
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Seconds a browser may reuse it; 0 = "no-store".
  int cache_seconds = 0;
};

// Must be thread-safe: requests are served on `threads` threads.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  static constexpr int kMaxRequestsPerConnection = 100;

  // Starts serving `routes` (exact path -> handler) on a thread of its own.
  // INVALID_ARGUMENT for a port outside [0, 65535] or unusable credentials,
  // UNAVAILABLE naming host:port when it cannot listen there.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      HttpServerOptions options, std::map<std::string, HttpHandler> routes);
  ~HttpServer();  // Stops accepting, finishes requests in flight, joins.

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  bool tls() const { return tls_; }

 private:
  HttpServer(std::unique_ptr<httplib::Server> server, int port, bool tls);

  const std::unique_ptr<httplib::Server> server_;
  const int port_;
  const bool tls_;
  std::atomic<bool> listening_done_{false};
  std::thread thread_;
};

}  // namespace hem

#endif  // HEM_COMMON_HTTP_SERVER_H_
