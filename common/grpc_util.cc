#include "common/grpc_util.h"

#include <atomic>
#include <iterator>
#include <map>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/auth_metadata_processor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"

namespace hem {
namespace {

std::atomic<int64_t> unauthenticated_calls{0};

// Equal strings, in a time that depends only on their lengths, so that a
// caller cannot find the token byte by byte by timing refusals.
bool ConstantTimeEquals(absl::string_view expected, absl::string_view given) {
  volatile unsigned char diff = expected.size() == given.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const unsigned char other = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff = diff | (static_cast<unsigned char>(expected[i]) ^ other);
  }
  return diff == 0;
}

// Admits a call only with exactly one "authorization: Bearer <token>",
// which it removes from what the service sees.
class BearerTokenProcessor final : public grpc::AuthMetadataProcessor {
 public:
  explicit BearerTokenProcessor(const std::string& token)
      : expected_(absl::StrCat("Bearer ", token)) {}

  // A comparison: cheap enough for gRPC's own thread.
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext*,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata*) override {
    const auto [begin, end] = auth_metadata.equal_range("authorization");
    if (begin != end && std::next(begin) == end &&
        ConstantTimeEquals(expected_,
                           absl::string_view(begin->second.data(), begin->second.size()))) {
      consumed_auth_metadata->insert(std::make_pair(
          std::string(begin->first.data(), begin->first.size()),
          std::string(begin->second.data(), begin->second.size())));
      return grpc::Status::OK;
    }
    unauthenticated_calls.fetch_add(1, std::memory_order_relaxed);
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        begin == end ? "no bearer token (authorization metadata)"
                                     : "wrong bearer token");
  }

 private:
  const std::string expected_;
};

std::shared_ptr<grpc::ServerCredentials> ServerCredentialsFor(
    const Credentials* credentials) {
  if (credentials == nullptr) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({credentials->node_key, credentials->node_cert});
  std::shared_ptr<grpc::ServerCredentials> server = grpc::SslServerCredentials(options);
  server->SetAuthMetadataProcessor(
      std::make_shared<BearerTokenProcessor>(credentials->token));
  return server;
}

// Keepalive pings let a learner notice a dead shard within ~30 s even while a
// sampling stream is idle, instead of waiting on TCP timeouts for minutes.
constexpr int kKeepaliveTimeMs = 10000;
constexpr int kKeepaliveTimeoutMs = 20000;

}  // namespace

void ConfigureServerBuilder(grpc::ServerBuilder* builder) {
  builder->SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder->SetMaxSendMessageSize(kMaxMessageBytes);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                              kKeepaliveTimeMs / 2);
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  // gRPC sets SO_REUSEPORT by default: a second shard started on a busy port
  // would silently share it and split the traffic. Fail loudly instead.
  builder->AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
}

std::shared_ptr<grpc::Channel> CreateHemChannel(const std::string& address,
                                                const Credentials* credentials) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // Reconnect quickly after a shard or learner restarts.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  if (credentials == nullptr) {
    return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  }
  // Every process of a run shares one certificate, issued to this name
  // rather than to hosts (nodes are not known when it is made); the CA
  // check stays on.
  args.SetSslTargetNameOverride(kNodeCertificateName);
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = credentials->ca_cert;
  return grpc::CreateCustomChannel(
      address,
      grpc::CompositeChannelCredentials(grpc::SslCredentials(ssl),
                                        grpc::AccessTokenCredentials(credentials->token)),
      args);
}

std::string ListenAddress(int port, absl::string_view host) { return HostPort(host, port); }

absl::StatusOr<std::unique_ptr<grpc::Server>> StartServer(
    const std::string& address, std::initializer_list<grpc::Service*> services,
    int* bound_port, const Credentials* credentials) {
  grpc::ServerBuilder builder;
  ConfigureServerBuilder(&builder);
  int port = 0;
  builder.AddListeningPort(address, ServerCredentialsFor(credentials), &port);
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", address,
        credentials == nullptr
            ? " (port in use, or address not local?)"
            : " (port in use, address not local, or node.crt/node.key unusable?)"));
  }
  if (bound_port != nullptr) *bound_port = port;
  return server;
}

int64_t UnauthenticatedCallCount() {
  return unauthenticated_calls.load(std::memory_order_relaxed);
}

void CountUnauthenticatedCall() {
  unauthenticated_calls.fetch_add(1, std::memory_order_relaxed);
}

bool IsBearerToken(absl::string_view authorization, absl::string_view token) {
  return ConstantTimeEquals(absl::StrCat("Bearer ", token), authorization);
}

absl::Status WaitForChannelReady(grpc::Channel* channel,
                                 absl::Duration timeout) {
  const auto deadline = absl::ToChronoTime(absl::Now() + timeout);
  if (channel->WaitForConnected(deadline)) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("not connected after ", absl::FormatDuration(timeout)));
}

absl::Status ToAbslStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace hem
