// Per-shard stream threads and their stop protocol (see shard_streams.h).
#include "replay_service/shard_streams.h"

#include "common/grpc_util.h"

namespace hem {

ShardStreams::ShardStreams(const std::vector<std::string>& addresses,
                           const Credentials* credentials)
    : addresses_(addresses), contexts_(addresses.size(), nullptr) {
  for (const std::string& address : addresses_) {
    stubs_.push_back(
        hem::v1::ReplayService::NewStub(CreateHemChannel(address, credentials)));
  }
}

ShardStreams::~ShardStreams() { Stop(nullptr); }

void ShardStreams::Start(const std::function<void(size_t shard)>& loop) {
  for (size_t i = 0; i < addresses_.size(); ++i) {
    threads_.emplace_back([loop, i] { loop(i); });
  }
}

void ShardStreams::Stop(absl::Mutex* waiters) {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  {
    absl::MutexLock lock(&mu_);
    for (grpc::ClientContext* context : contexts_) {
      if (context != nullptr) context->TryCancel();
    }
  }
  if (waiters != nullptr) {
    // absl::Mutex re-evaluates its waiters' conditions when released.
    absl::MutexLock wake(waiters);
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

bool ShardStreams::Register(size_t shard, grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  if (stop_.HasBeenNotified()) return false;
  contexts_[shard] = context;
  return true;
}

void ShardStreams::Unregister(size_t shard) {
  absl::MutexLock lock(&mu_);
  contexts_[shard] = nullptr;
}

}  // namespace hem
