// The deadline of a server call as an absl::Time, for the waits a handler
// bounds by it (rate limiters, long polls, queues).
#ifndef HEM_COMMON_CALL_DEADLINE_H_
#define HEM_COMMON_CALL_DEADLINE_H_

#include <chrono>

#include "absl/time/time.h"
#include "grpcpp/server_context.h"

namespace hem {

// InfiniteFuture when the client set no deadline.
inline absl::Time CallDeadline(const grpc::ServerContext& context) {
  const auto deadline = context.deadline();
  // "No deadline" is time_point::max(), beyond what absl::Time converts.
  if (deadline >= std::chrono::system_clock::now() +
                      std::chrono::hours(24 * 365 * 100)) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

}  // namespace hem

#endif  // HEM_COMMON_CALL_DEADLINE_H_
