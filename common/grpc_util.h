// gRPC conventions every hem process shares: message size limits, keepalive,
// loopback-by-default addresses, and conversions between grpc::Status and
// absl::Status.
#ifndef HEM_COMMON_GRPC_UTIL_H_
#define HEM_COMMON_GRPC_UTIL_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/status.h"

namespace hem {

// Largest message any hem RPC sends or accepts: a batch of 256 84x84 RGB
// images with next observations is ~11 MB; trajectories of image tasks ~1 MB.
inline constexpr int kMaxMessageBytes = 256 << 20;

// Applies message limits and keepalive settings to a server under
// construction. Call before BuildAndStart.
void ConfigureServerBuilder(grpc::ServerBuilder* builder);

// A channel with the same limits and keepalive, to "host:port".
std::shared_ptr<grpc::Channel> CreateHemChannel(const std::string& address);

// Turns a port flag into a listen address. Loopback unless `bind_all` (the
// cluster is a single machine by default; exposing it is a choice).
std::string ListenAddress(int port, bool bind_all = false);

// Starts a server on `address` with the hem options and the given services.
// `address` may use port 0; the chosen port is returned in *bound_port.
// Fails with UNAVAILABLE (naming the address) when the port cannot be bound.
absl::StatusOr<std::unique_ptr<grpc::Server>> StartServer(
    const std::string& address, std::initializer_list<grpc::Service*> services,
    int* bound_port);

// Waits until the channel is connected or the timeout expires.
absl::Status WaitForChannelReady(grpc::Channel* channel, absl::Duration timeout);

absl::Status ToAbslStatus(const grpc::Status& status);
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace hem

#endif  // HEM_COMMON_GRPC_UTIL_H_
