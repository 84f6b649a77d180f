// hem's HTTP(S) endpoint on cpp-httplib (see http_server.h).
#include "common/http_server.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/grpc_util.h"
#include "httplib.h"

namespace hem {
namespace {

constexpr size_t kMaxBodyBytes = 4 << 10;

// The cookie a browser_login server sets for a "?token=" that was right.
constexpr char kTokenCookie[] = "hem_token";

// SO_REUSEADDR only: cpp-httplib's default also sets SO_REUSEPORT, with
// which a second server on a busy port would silently share it.
void ListenSocketOptions(int socket) {
  const int yes = 1;
  setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

// A TLS server with the node certificate and key (PEM, in memory).
absl::StatusOr<std::unique_ptr<httplib::Server>> TlsServer(const Credentials& credentials) {
  BIO* cert_bio = BIO_new_mem_buf(credentials.node_cert.data(),
                                  static_cast<int>(credentials.node_cert.size()));
  BIO* key_bio = BIO_new_mem_buf(credentials.node_key.data(),
                                 static_cast<int>(credentials.node_key.size()));
  X509* cert = cert_bio ? PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr) : nullptr;
  EVP_PKEY* key = key_bio ? PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr) : nullptr;
  std::unique_ptr<httplib::SSLServer> server;
  if (cert != nullptr && key != nullptr) {
    // The context takes its own references.
    server = std::make_unique<httplib::SSLServer>(cert, key);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  BIO_free(cert_bio);
  BIO_free(key_bio);
  if (server == nullptr || !server->is_valid()) {
    return absl::InvalidArgumentError(
        "credentials: node.crt/node.key are not a usable PEM certificate and key");
  }
  SSL_CTX_set_min_proto_version(server->ssl_context(), TLS1_2_VERSION);
  return std::unique_ptr<httplib::Server>(std::move(server));
}

std::string CookieValue(const httplib::Request& request, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(request.get_header_value("Cookie"), ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
      return std::string(part);
    }
  }
  return "";
}

// True when the request carries the token (and, for a browser's
// "?token=", sets the cookie that carries it from then on).
bool Authorized(const HttpServerOptions& options, const httplib::Request& request,
                httplib::Response& response) {
  const std::string& token = options.credentials->token;
  if (IsBearerToken(request.get_header_value("Authorization"), token)) return true;
  if (!options.browser_login) return false;
  if (IsBearerToken(absl::StrCat("Bearer ", CookieValue(request, kTokenCookie)), token)) {
    return true;
  }
  if (request.has_param("token") &&
      IsBearerToken(absl::StrCat("Bearer ", request.get_param_value("token")), token)) {
    response.set_header("Set-Cookie", absl::StrCat(kTokenCookie, "=", token,
                                                   "; Path=/; Secure; HttpOnly; "
                                                   "SameSite=Strict"));
    return true;
  }
  return false;
}

void Reply(httplib::Response& response, const HttpResponse& reply) {
  response.status = reply.status;
  response.set_header("Cache-Control", reply.cache_seconds > 0
                                           ? absl::StrCat("max-age=", reply.cache_seconds)
                                           : std::string("no-store"));
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_content(reply.body, reply.content_type);
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    HttpServerOptions options, std::map<std::string, HttpHandler> routes) {
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.port, " is not a port in [0, 65535]"));
  }
  std::unique_ptr<httplib::Server> server;
  if (options.credentials != nullptr) {
    absl::StatusOr<std::unique_ptr<httplib::Server>> tls = TlsServer(*options.credentials);
    if (!tls.ok()) return tls.status();
    server = *std::move(tls);
  } else {
    server = std::make_unique<httplib::Server>();
  }
  const int threads = std::max(1, options.threads);
  server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server->set_socket_options(ListenSocketOptions);
  const auto timeout = absl::ToChronoMicroseconds(options.io_timeout);
  server->set_read_timeout(timeout);
  server->set_write_timeout(timeout);
  server->set_keep_alive_timeout(std::max<time_t>(1, absl::ToInt64Seconds(options.io_timeout)));
  server->set_keep_alive_max_count(kMaxRequestsPerConnection);
  // Bodies are never read (see the header); should one be, it is small.
  server->set_payload_max_length(kMaxBodyBytes);
  // Every request is answered here: the token first, then method and path.
  server->set_pre_routing_handler(
      [options, routes = std::move(routes)](const httplib::Request& request,
                                            httplib::Response& response) {
        if (options.credentials != nullptr && !Authorized(options, request, response)) {
          CountUnauthenticatedCall();
          response.set_header("WWW-Authenticate", "Bearer");
          Reply(response, {401, "text/plain; charset=utf-8",
                           "401 unauthorized: send Authorization: Bearer <token>\n"});
          return httplib::Server::HandlerResponse::Handled;
        }
        if (request.method != "GET" && request.method != "HEAD") {
          response.set_header("Allow", "GET, HEAD");
          Reply(response, {405, "text/plain; charset=utf-8", "405 only GET\n"});
          return httplib::Server::HandlerResponse::Handled;
        }
        auto route = routes.find(request.path);
        if (route == routes.end()) {
          Reply(response, {404, "text/plain; charset=utf-8", "404 not found\n"});
          return httplib::Server::HandlerResponse::Handled;
        }
        HttpRequest call;
        call.path = request.path;
        for (const auto& [key, value] : request.params) call.query.emplace(key, value);
        Reply(response, route->second(call));
        return httplib::Server::HandlerResponse::Handled;
      });
  int port = options.port;
  bool bound = false;
  if (port == 0) {
    port = server->bind_to_any_port(options.bind_host);
    bound = port > 0;
  } else {
    bound = server->bind_to_port(options.bind_host, port);
  }
  if (!bound) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ",
                                               HostPort(options.bind_host, options.port),
                                               " (port in use, or address not local?)"));
  }
  return std::unique_ptr<HttpServer>(
      new HttpServer(std::move(server), port, options.credentials != nullptr));
}

HttpServer::HttpServer(std::unique_ptr<httplib::Server> server, int port, bool tls)
    : server_(std::move(server)), port_(port), tls_(tls) {
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listening_done_ = true;
  });
}

HttpServer::~HttpServer() {
  // stop() only takes effect once the accept loop runs, which it may not
  // yet: wait for it (or for its end, should it have failed).
  while (!listening_done_.load()) {
    if (server_->is_running()) {
      server_->stop();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  thread_.join();
}

}  // namespace hem
