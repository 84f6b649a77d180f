// HttpServer and the /metrics endpoint built on it: routes and refusals in
// plaintext, bounds, and security with real credentials from
// deploy/make_credentials.sh - a plaintext client gets nothing from the
// HTTPS endpoint, a missing or wrong token gets 401 and is counted in
// UnauthenticatedCallCount(), the right token works, and a browser's
// "?token=" becomes a cookie.
//
// (These replace learner/metrics_test.cc's MetricsHttpServer cases, which
// asserted the old hand-written server's "HTTP/1.0" status lines; the same
// requests are asserted here on the new server, which answers HTTP/1.1.)
#include "common/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc_util.h"
#include "common/metrics_endpoint.h"
#include "common/net_config.h"
#include "common/status_service.h"
#include "grpcpp/server_context.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace hem {
namespace {

std::string TempDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return absl::StrCat(tmp ? tmp : "/tmp", "/", name);
}

// Sends `request` to 127.0.0.1:port and returns everything the server
// sends back before it closes (or `wait` passes without a byte).
std::string Exchange(int port, const std::string& request,
                     absl::Duration wait = absl::Seconds(10)) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  // Best effort: a server may answer and close before reading it all.
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  char buffer[4096];
  for (;;) {
    pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(wait))) <= 0) break;
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    response.append(buffer, n);
  }
  close(fd);
  return response;
}

std::unique_ptr<HttpServer> StartPlain(std::map<std::string, HttpHandler> routes,
                                       HttpServerOptions options = {}) {
  auto server = HttpServer::Start(std::move(options), std::move(routes));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

const HttpHandler kHello = [](const HttpRequest& request) {
  HttpResponse response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = absl::StrCat("hem_test_requests_total 1\n# path ", request.path, "\n");
  return response;
};

TEST(HttpServer, ServesItsRoutesAndRejectsEverythingElse) {
  auto server = StartPlain({{"/metrics", kHello}});
  ASSERT_GT(server->port(), 0);
  EXPECT_FALSE(server->tls());
  const std::string response =
      Exchange(server->port(), "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(absl::StartsWith(response, "HTTP/1.1 200 OK\r\n")) << response;
  EXPECT_NE(response.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  const std::string body = response.substr(response.find("\r\n\r\n") + 4);
  EXPECT_TRUE(absl::StartsWith(body, "hem_test_requests_total 1\n")) << body;
  EXPECT_NE(response.find("Content-Length: " + std::to_string(body.size())), std::string::npos);

  auto status_line = [&](const std::string& request) {
    const std::string r = Exchange(server->port(), request);
    return r.substr(0, r.find("\r\n"));
  };
  EXPECT_EQ(status_line("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"), "HTTP/1.1 404 Not Found");
  EXPECT_EQ(status_line("POST /metrics HTTP/1.1\r\nConnection: close\r\n\r\n"),
            "HTTP/1.1 405 Method Not Allowed");
  EXPECT_EQ(status_line("garbage\r\n\r\n"), "HTTP/1.1 400 Bad Request");
  // HTTP/1.0, as the simplest scrapers send it, and a query string.
  EXPECT_TRUE(absl::StartsWith(
      Exchange(server->port(), "GET /metrics?x=1 HTTP/1.0\r\nConnection: close\r\n\r\n"),
      "HTTP/1.1 200 OK"));
  const std::string head =
      Exchange(server->port(), "HEAD /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(head, "HTTP/1.1 200 OK")) << head;
  EXPECT_FALSE(absl::StrContains(head, "hem_test_requests_total")) << head;
}

TEST(HttpServer, BoundsRequestsInSizeAndTime) {
  HttpServerOptions options;
  options.io_timeout = absl::Milliseconds(300);
  const std::string long_path_route = "/" + std::string(20000, 'a');
  auto server = StartPlain({{"/metrics", kHello}, {long_path_route, kHello}}, options);
  // A request line beyond cpp-httplib's 8 KiB is refused, route or not.
  const std::string long_path = Exchange(
      server->port(), absl::StrCat("GET ", long_path_route, " HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(absl::StrContains(long_path, "200 OK")) << long_path.substr(0, 200);
  // A client that sends half a request and stops is dropped after the
  // timeout, not served forever.
  const absl::Time start = absl::Now();
  const std::string half = Exchange(server->port(), "GET /metr", absl::Seconds(10));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_FALSE(absl::StrContains(half, "200 OK")) << half;
}

TEST(HttpServer, BusyPortAndBadPortAreClearErrors) {
  auto first = StartPlain({{"/metrics", kHello}});
  HttpServerOptions options;
  options.port = first->port();
  auto second = HttpServer::Start(options, {{"/metrics", kHello}});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find(std::to_string(first->port())), std::string::npos);
  options.port = 70000;
  EXPECT_EQ(HttpServer::Start(options, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

class HttpsServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(TempDir("credentials"));
    const std::string command = absl::StrCat("deploy/make_credentials.sh ", *dir_, " >/dev/null");
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    other_ = new std::string(TempDir("other_credentials"));
    const std::string other = absl::StrCat("deploy/make_credentials.sh ", *other_, " >/dev/null");
    ASSERT_EQ(std::system(other.c_str()), 0) << other;
  }

  std::shared_ptr<const Credentials> Load() {
    absl::StatusOr<Credentials> credentials = LoadCredentials(*dir_);
    EXPECT_TRUE(credentials.ok()) << credentials.status();
    return std::make_shared<const Credentials>(*credentials);
  }

  // A client that verifies the server against `ca_dir`'s CA.
  static std::unique_ptr<httplib::SSLClient> Client(int port, const std::string& ca_dir) {
    auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
    client->set_ca_cert_path((ca_dir + "/ca.crt").c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(5);
    client->set_read_timeout(5);
    return client;
  }

  static std::string* dir_;
  static std::string* other_;
};
std::string* HttpsServer::dir_ = nullptr;
std::string* HttpsServer::other_ = nullptr;

TEST_F(HttpsServer, NeedsTlsAndTheTokenAndCountsRefusals) {
  HttpServerOptions options;
  options.credentials = Load();
  auto server = StartPlain({{"/metrics", kHello}}, options);
  ASSERT_TRUE(server->tls());
  const std::string token = options.credentials->token;

  // Plaintext gets no HTTP answer from a TLS endpoint.
  const std::string plain =
      Exchange(server->port(), "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_FALSE(absl::StrContains(plain, "200 OK")) << plain;
  EXPECT_FALSE(absl::StrContains(plain, "hem_test_requests_total")) << plain;

  // A client that trusts another CA does not get through either.
  auto stranger = Client(server->port(), *other_);
  auto refused = stranger->Get("/metrics", {{"Authorization", "Bearer " + token}});
  EXPECT_FALSE(refused) << "a client of another CA got an answer";

  auto client = Client(server->port(), *dir_);
  const int64_t before = UnauthenticatedCallCount();
  auto missing = client->Get("/metrics");
  ASSERT_TRUE(missing) << httplib::to_string(missing.error());
  EXPECT_EQ(missing->status, 401);
  EXPECT_FALSE(absl::StrContains(missing->body, "hem_test_requests_total"));
  EXPECT_EQ(UnauthenticatedCallCount(), before + 1);
  auto wrong = client->Get("/metrics", {{"Authorization", "Bearer " + token + "0"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(UnauthenticatedCallCount(), before + 2);
  // Unknown paths are not revealed without the token either.
  auto unknown = client->Get("/secret");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(UnauthenticatedCallCount(), before + 3);
  // Only the header counts on a metrics endpoint (no browser login).
  auto query = client->Get("/metrics?token=" + token);
  ASSERT_TRUE(query);
  EXPECT_EQ(query->status, 401);

  auto right = client->Get("/metrics", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200);
  EXPECT_TRUE(absl::StartsWith(right->body, "hem_test_requests_total 1\n"));
  EXPECT_EQ(UnauthenticatedCallCount(), before + 4);
}

TEST_F(HttpsServer, BrowserLoginTurnsTheQueryTokenIntoACookie) {
  HttpServerOptions options;
  options.credentials = Load();
  options.browser_login = true;
  auto server = StartPlain({{"/", kHello}}, options);
  const std::string token = options.credentials->token;
  auto client = Client(server->port(), *dir_);
  auto wrong = client->Get("/?token=nope");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_FALSE(wrong->has_header("Set-Cookie"));
  auto login = client->Get("/?token=" + token);
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200);
  const std::string cookie = login->get_header_value("Set-Cookie");
  EXPECT_TRUE(absl::StrContains(cookie, "HttpOnly")) << cookie;
  EXPECT_TRUE(absl::StrContains(cookie, "Secure")) << cookie;
  auto with_cookie = client->Get("/", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
  ASSERT_TRUE(with_cookie);
  EXPECT_EQ(with_cookie->status, 200);
  auto bad_cookie = client->Get("/", {{"Cookie", "hem_token=nope"}});
  ASSERT_TRUE(bad_cookie);
  EXPECT_EQ(bad_cookie->status, 401);
}

TEST(MetricsEndpoint, ServesThePageAndAdvertisesItsAddress) {
  NetConfig net;
  net.rendezvous_dir = TempDir("rendezvous");
  ProcessStatusService status("replay", "replay-3");
  auto endpoint = StartMetricsEndpoint(
      0, net, nullptr, "replay", 3,
      [](std::string* out) { *out += "hem_replay_test 1\n"; }, &status);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  ASSERT_NE(*endpoint, nullptr);
  const std::string address = absl::StrCat("127.0.0.1:", (*endpoint)->port());

  const std::string response =
      Exchange((*endpoint)->port(), "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(absl::StrContains(response, "\r\n\r\nhem_replay_test 1\n")) << response;
  EXPECT_TRUE(absl::StrContains(response, "# TYPE hem_unauthenticated_requests_total counter"));

  grpc::ServerContext context;
  hem::v1::ProcessStatus reply;
  ASSERT_TRUE(status.GetStatus(&context, nullptr, &reply).ok());
  EXPECT_EQ(reply.labels().at("metrics_address"), address);
  std::ifstream file(net.rendezvous_dir + "/replay-3.metrics");
  std::stringstream published;
  published << file.rdbuf();
  EXPECT_EQ(published.str(), address + "\n");

  // Off, and a port that cannot be used, named by its field.
  EXPECT_EQ(*StartMetricsEndpoint(-1, net, nullptr, "replay", 3, nullptr, nullptr), nullptr);
  auto busy = StartMetricsEndpoint((*endpoint)->port(), NetConfig(), nullptr, "replay", 3,
                                   [](std::string*) {}, nullptr);
  ASSERT_FALSE(busy.ok());
  EXPECT_TRUE(absl::StartsWith(busy.status().message(), "metrics_port: ")) << busy.status();
}

}  // namespace
}  // namespace hem
