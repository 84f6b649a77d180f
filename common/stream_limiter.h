// Bounds on the long-lived streams a gRPC server holds open: every stream
// keeps a server thread (and buffers) for its whole life, so a server caps
// how many one client host, and all clients together, may hold. A stream
// beyond either limit is refused at once with RESOURCE_EXHAUSTED naming the
// limit, and the client's other streams are unaffected.
//
//   absl::StatusOr<StreamLimiter::Slot> slot = limiter_.Open(context->peer());
//   if (!slot.ok()) return ToGrpcStatus(slot.status());
//   ...  // The slot is released when it goes out of scope.
#ifndef HEM_COMMON_STREAM_LIMITER_H_
#define HEM_COMMON_STREAM_LIMITER_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace hem {

struct StreamLimits {
  // Streams open at once, over all clients.
  int max_streams = 1024;
  // Streams open at once from one client host (every process on a host
  // shares it: a machine of actors has one insert stream each per shard).
  int max_streams_per_client = 256;
};

// INVALID_ARGUMENT naming the field when a limit is below 1.
absl::Status ValidateStreamLimits(const StreamLimits& limits);

// The client host of a gRPC peer string: "ipv4:10.0.0.2:5123" -> "10.0.0.2",
// "ipv6:[::1]:5123" -> "[::1]"; anything else as given.
std::string PeerHost(absl::string_view peer);

class StreamLimiter {
 public:
  // REQUIRES: ValidateStreamLimits(limits) is OK.
  explicit StreamLimiter(StreamLimits limits);

  // One open stream; releases its place when destroyed.
  class Slot {
   public:
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&&) = delete;
    ~Slot();

   private:
    friend class StreamLimiter;
    Slot(StreamLimiter* limiter, std::string host);
    StreamLimiter* limiter_;
    std::string host_;
  };

  // A place for one more stream from `peer`, or RESOURCE_EXHAUSTED.
  absl::StatusOr<Slot> Open(absl::string_view peer) ABSL_LOCKS_EXCLUDED(mu_);

  int open_streams() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Release(const std::string& host) ABSL_LOCKS_EXCLUDED(mu_);

  const StreamLimits limits_;
  mutable absl::Mutex mu_;
  int total_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, int> per_host_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hem

#endif  // HEM_COMMON_STREAM_LIMITER_H_
