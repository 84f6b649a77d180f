// gRPC conventions every hem process shares: message size limits, keepalive,
// loopback-by-default addresses, TLS with a bearer token when credentials are
// given (common/net_config.h), and conversions between grpc::Status and
// absl::Status.
//
// With credentials, a server speaks only TLS (the run's node certificate; no
// client certificates) and answers every call that lacks
// "authorization: Bearer <token>" with UNAUTHENTICATED, counting it in
// UnauthenticatedCallCount(); a client verifies the server against the run's
// CA under the name kNodeCertificateName and sends the token on every call.
// Without credentials both sides speak plaintext, as on loopback.
#ifndef HEM_COMMON_GRPC_UTIL_H_
#define HEM_COMMON_GRPC_UTIL_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/message_limits.h"
#include "common/net_config.h"
#include "grpcpp/channel.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/status.h"

namespace hem {

// kMaxMessageBytes, the largest message any hem RPC sends or accepts, is in
// common/message_limits.h (no gRPC there, for libraries that check sizes).

// Applies message limits and keepalive settings to a server under
// construction. Call before BuildAndStart.
void ConfigureServerBuilder(grpc::ServerBuilder* builder);

// The name every node certificate of a run carries (as a DNS SAN) and every
// client verifies: one certificate serves all processes, wherever they run.
inline constexpr char kNodeCertificateName[] = "hem-node";

// A channel with the same limits and keepalive, to "host:port": TLS with the
// token when `credentials` is given (it is copied; it need not outlive the
// channel), plaintext when null.
std::shared_ptr<grpc::Channel> CreateHemChannel(const std::string& address,
                                                const Credentials* credentials = nullptr);

// Turns a port into a listen address on `host` (NetConfig::bind_host);
// loopback by default (exposing a process is a choice).
std::string ListenAddress(int port, absl::string_view host = kLoopbackHost);

// Starts a server on `address` with the hem options and the given services,
// with TLS and the token check when `credentials` is given (see above).
// `address` may use port 0; the chosen port is returned in *bound_port.
// Fails with UNAVAILABLE (naming the address) when the port cannot be bound.
absl::StatusOr<std::unique_ptr<grpc::Server>> StartServer(
    const std::string& address, std::initializer_list<grpc::Service*> services,
    int* bound_port, const Credentials* credentials = nullptr);

// Calls refused for a missing or wrong token since the process started, over
// all of its servers. Every StatusService reports it as
// "unauthenticated_calls".
int64_t UnauthenticatedCallCount();
// Counts one request refused for a missing or wrong token by a server that
// is not gRPC (the HTTP endpoints, common/http_server.h), so the process has
// one count.
void CountUnauthenticatedCall();
// True when `authorization` is exactly "Bearer <token>", compared in a time
// that depends only on the lengths (the check every hem server makes).
bool IsBearerToken(absl::string_view authorization, absl::string_view token);

// Waits until the channel is connected or the timeout expires.
absl::Status WaitForChannelReady(grpc::Channel* channel, absl::Duration timeout);

absl::Status ToAbslStatus(const grpc::Status& status);
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace hem

#endif  // HEM_COMMON_GRPC_UTIL_H_
