// A deliberately tiny HTTP/1.0 server for Prometheus scraping: GET /metrics
// answers 200 with the handler's text (Content-Type text/plain;
// version=0.0.4); other paths get 404, other methods 405. One connection at a
// time on one thread, each closed after its response - enough for a scraper
// every few seconds, and no extra library.
#ifndef HEM_LEARNER_METRICS_HTTP_SERVER_H_
#define HEM_LEARNER_METRICS_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace hem {

class MetricsHttpServer {
 public:
  using Handler = std::function<std::string()>;  // Must be thread-safe.

  // Listens on 127.0.0.1:port (0.0.0.0 with bind_all; port 0 = any free).
  // UNAVAILABLE naming the port when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      int port, bool bind_all, Handler handler);
  ~MetricsHttpServer();  // Stops accepting and joins the thread.

  int port() const { return port_; }

 private:
  MetricsHttpServer(int fd, int port, Handler handler);
  void Serve();
  void HandleConnection(int fd);

  const int listen_fd_;
  const int port_;
  const Handler handler_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace hem

#endif  // HEM_LEARNER_METRICS_HTTP_SERVER_H_
