// One background thread per replay shard, each owning that shard's stream,
// and the stop protocol the writer and the sampler share: a stream registers
// its ClientContext while it runs, so Stop() can cancel it; reconnect
// backoffs end at once on Stop().
//
//   ShardStreams streams(addresses, credentials);
//   streams.Start([this](size_t shard) { StreamLoop(shard); });
//   in StreamLoop: if (!streams.Register(shard, &context)) return;  // Stopping.
//                  ... run the stream ...; streams.Unregister(shard);
//                  if (streams.BackOff(&backoff)) return;
//   owner's destructor: streams.Stop(&mu_);  // Before its members go.
#ifndef HEM_REPLAY_SERVICE_SHARD_STREAMS_H_
#define HEM_REPLAY_SERVICE_SHARD_STREAMS_H_

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/net_config.h"
#include "grpcpp/client_context.h"
#include "proto/replay_service.grpc.pb.h"

namespace hem {

class ShardStreams {
 public:
  // A stub per address (channels connect lazily), with TLS and the token
  // when `credentials` is given (plaintext when null; see
  // common/grpc_util.h); no thread runs yet.
  ShardStreams(const std::vector<std::string>& addresses,
               const Credentials* credentials);
  ~ShardStreams();  // Stop(nullptr) if not yet stopped.

  ShardStreams(const ShardStreams&) = delete;
  ShardStreams& operator=(const ShardStreams&) = delete;

  // Runs loop(shard) on its own thread for every shard. REQUIRES: called once.
  void Start(const std::function<void(size_t shard)>& loop);

  // Makes stopping() true, cancels every registered stream, then locks and
  // releases *waiters (when given) so that condition waits on that mutex
  // re-check stopping(), and joins the threads. Idempotent.
  // REQUIRES: *waiters is not held by the caller.
  void Stop(absl::Mutex* waiters) ABSL_LOCKS_EXCLUDED(mu_);

  // True once Stop() began. Safe from any thread, including in conditions.
  bool stopping() const { return stop_.HasBeenNotified(); }

  // Reconnect backoff: a stream loop starts at (and, once a stream delivers,
  // returns to) kInitialBackoff; each failure doubles it up to kMaxBackoff.
  static constexpr absl::Duration kInitialBackoff = absl::Milliseconds(100);
  static constexpr absl::Duration kMaxBackoff = absl::Seconds(2);

  // Sleeps *backoff unless Stop() comes first, then doubles *backoff (up to
  // kMaxBackoff). True when stopping.
  bool BackOff(absl::Duration* backoff) {
    if (stop_.WaitForNotificationWithTimeout(*backoff)) return true;
    *backoff = std::min(*backoff * 2, kMaxBackoff);
    return false;
  }

  // Records `context` as shard's current stream, so Stop() cancels it. False
  // (nothing recorded) once stopping. Unregister before `context` goes.
  bool Register(size_t shard, grpc::ClientContext* context) ABSL_LOCKS_EXCLUDED(mu_);
  void Unregister(size_t shard) ABSL_LOCKS_EXCLUDED(mu_);

  size_t size() const { return addresses_.size(); }
  const std::string& address(size_t shard) const { return addresses_[shard]; }
  hem::v1::ReplayService::Stub* stub(size_t shard) const { return stubs_[shard].get(); }

 private:
  const std::vector<std::string> addresses_;
  std::vector<std::unique_ptr<hem::v1::ReplayService::Stub>> stubs_;
  std::vector<std::thread> threads_;
  absl::Notification stop_;

  absl::Mutex mu_;
  std::vector<grpc::ClientContext*> contexts_ ABSL_GUARDED_BY(mu_);  // Per shard.
};

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_SHARD_STREAMS_H_
