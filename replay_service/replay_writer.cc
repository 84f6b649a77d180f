// ShardedReplayWriter: one connection thread per shard (ShardStreams) owns
// that shard's Insert stream. Requests wait in the shard's `queue` until written and in
// its `inflight` until acknowledged; both hold whole InsertRequests, so a
// resend after a reconnect writes the same bytes again. Acknowledgements
// arrive in order on a reader thread per stream. After any stream failure the
// in-flight requests go back to the front of the queue, in order, and the
// thread reconnects with exponential backoff (the server drops duplicates it
// already stored).
#include "replay_service/replay_writer.h"

#include <deque>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/env_spec_util.h"
#include "common/grpc_util.h"
#include "common/shard_addresses.h"
#include "common/status_macros.h"
#include "grpcpp/client_context.h"
#include "proto/replay_service.grpc.pb.h"
#include "replay_service/shard_streams.h"

namespace hem {
namespace {

class WriterImpl final : public ShardedReplayWriter {
 public:
  WriterImpl(ReplayWriterOptions options, hem::v1::EnvSpec spec)
      : options_(std::move(options)),
        spec_(std::move(spec)),
        streams_(options_.addresses, options_.credentials.get()),
        state_(options_.addresses.size()) {
    streams_.Start([this](size_t shard) { ConnectionLoop(shard); });
  }

  ~WriterImpl() override { streams_.Stop(&mu_); }

  absl::Status Insert(hem::v1::Trajectory trajectory,
                      absl::Duration timeout) override {
    size_t queued = 0;
    return InsertAll(absl::MakeSpan(&trajectory, 1), timeout, &queued);
  }

  absl::Status InsertAll(absl::Span<hem::v1::Trajectory> trajectories,
                         absl::Duration timeout, size_t* queued) override {
    *queued = 0;
    // Built outside the lock, so the streams wait on it only for the pushes.
    std::vector<std::pair<int, std::shared_ptr<Request>>> requests;
    requests.reserve(trajectories.size());
    for (hem::v1::Trajectory& trajectory : trajectories) {
      const int shard_index =
          ShardForEpisode(trajectory.actor_id(), trajectory.episode_id(),
                          static_cast<int>(streams_.size()));
      auto request = std::make_shared<Request>();
      *request->mutable_trajectory() = std::move(trajectory);
      requests.emplace_back(shard_index, std::move(request));
    }
    absl::MutexLock lock(&mu_);
    const auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return pending_ < options_.max_pending;
    };
    const absl::Time deadline = absl::Now() + timeout;
    for (auto& [shard_index, request] : requests) {
      if (!room() && !mu_.AwaitWithDeadline(absl::Condition(&room), deadline)) {
        // Hand the untouched trajectories back for the caller's retry.
        for (size_t i = *queued; i < requests.size(); ++i) {
          trajectories[i] = std::move(*requests[i].second->mutable_trajectory());
        }
        return StillPendingError(timeout);
      }
      request->set_request_id(next_request_id_++);
      state_[shard_index].queue.push_back(std::move(request));
      ++pending_;
      ++*queued;
    }
    return absl::OkStatus();
  }

  absl::Status Flush(absl::Duration timeout) override {
    absl::MutexLock lock(&mu_);
    const auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return pending_ == 0;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&drained), timeout)) {
      return StillPendingError(timeout);
    }
    return absl::OkStatus();
  }

  ReplayWriterStats stats() const override {
    absl::MutexLock lock(&mu_);
    ReplayWriterStats stats;
    stats.acknowledged = acknowledged_;
    stats.rejected = rejected_;
    stats.pending = pending_;
    stats.reconnects = reconnects_;
    stats.last_error = last_error_;
    return stats;
  }

 private:
  using Request = hem::v1::InsertRequest;
  // Requests written per wake-up at most, so acknowledgements keep flowing.
  static constexpr size_t kMaxBurst = 64;
  using Stream =
      grpc::ClientReaderWriter<hem::v1::InsertRequest, hem::v1::InsertResponse>;

  // A shard's mutable state, guarded by mu_ through state_.
  struct ShardState {
    std::deque<std::shared_ptr<Request>> queue;     // Not yet written.
    std::deque<std::shared_ptr<Request>> inflight;  // Written, unacknowledged.
    bool broken = false;                            // Current stream failed.
  };

  absl::Status StillPendingError(absl::Duration timeout) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return absl::DeadlineExceededError(absl::StrCat(
        "replay writer: ", pending_, " trajectories still unacknowledged after ",
        absl::FormatDuration(timeout), " (last error: ", last_error_, ")"));
  }

  void HandleResponse(size_t index, const hem::v1::InsertResponse& response)
      ABSL_LOCKS_EXCLUDED(mu_) {
    std::shared_ptr<Request> stored;
    RecordResponse(index, response, &stored);
    if (stored == nullptr) return;
    // Still counted as pending until the callback returned, so that after
    // Flush() every acknowledged trajectory has been reported.
    options_.on_stored(stored->trajectory());
    absl::MutexLock lock(&mu_);
    --pending_;
  }

  // *stored = the request the response acknowledged as stored, when
  // on_stored must still be told (it then stays in pending_).
  void RecordResponse(size_t index, const hem::v1::InsertResponse& response,
                      std::shared_ptr<Request>* stored) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (response.request_id() == 0) {  // The spec declaration.
      if (!response.stored()) {
        last_error_ = absl::StrCat(streams_.address(index), ": spec refused: ",
                                   response.error());
      }
      return;
    }
    auto& inflight = state_[index].inflight;
    for (auto it = inflight.begin(); it != inflight.end(); ++it) {
      if ((*it)->request_id() != response.request_id()) continue;
      if (response.stored() && options_.on_stored) {
        *stored = *it;
      } else {
        --pending_;
      }
      inflight.erase(it);
      if (response.stored()) {
        ++acknowledged_;
      } else {
        ++rejected_;
        last_error_ = absl::StrCat(streams_.address(index), ": ", response.error());
      }
      return;
    }
  }

  // Runs one stream until it fails or the writer stops. Returns its status.
  absl::Status RunStream(size_t index) ABSL_LOCKS_EXCLUDED(mu_) {
    grpc::ClientContext context;
    if (!streams_.Register(index, &context)) return absl::CancelledError("stopping");
    {
      absl::MutexLock lock(&mu_);
      ShardState& state = state_[index];
      state.broken = false;
      // Resend what the previous stream never acknowledged, in order.
      while (!state.inflight.empty()) {
        state.queue.push_front(std::move(state.inflight.back()));
        state.inflight.pop_back();
      }
    }
    std::unique_ptr<Stream> stream = streams_.stub(index)->Insert(&context);
    std::thread reader([this, index, &stream] {
      hem::v1::InsertResponse response;
      while (stream->Read(&response)) HandleResponse(index, response);
      absl::MutexLock lock(&mu_);
      state_[index].broken = true;
    });
    Request declare;
    declare.set_request_id(0);
    *declare.mutable_spec() = spec_;
    bool ok = stream->Write(declare);
    std::vector<std::shared_ptr<Request>> burst;
    while (ok) {
      burst.clear();
      {
        absl::MutexLock lock(&mu_);
        const auto ready = [this, index]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return streams_.stopping() || state_[index].broken ||
                 !state_[index].queue.empty();
        };
        mu_.Await(absl::Condition(&ready));
        ShardState& state = state_[index];
        if (streams_.stopping() || state.broken) break;
        // Everything queued goes out as one burst: one wake-up per burst
        // instead of one per trajectory.
        while (!state.queue.empty() && burst.size() < kMaxBurst) {
          burst.push_back(state.queue.front());
          state.queue.pop_front();
          state.inflight.push_back(burst.back());
        }
      }
      // All but the last may wait in gRPC's buffer, so a burst costs about
      // one send instead of one per message; the last flushes them.
      for (size_t i = 0; ok && i < burst.size(); ++i) {
        grpc::WriteOptions write_options;
        if (i + 1 < burst.size()) write_options.set_buffer_hint();
        ok = stream->Write(*burst[i], write_options);
      }
    }
    context.TryCancel();
    reader.join();
    grpc::Status status = stream->Finish();
    streams_.Unregister(index);
    if (status.ok()) return absl::UnavailableError("stream closed by the shard");
    return ToAbslStatus(status);
  }

  void ConnectionLoop(size_t index) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::Duration backoff = ShardStreams::kInitialBackoff;
    while (!streams_.stopping()) {
      int64_t answered_before;
      {
        absl::MutexLock lock(&mu_);
        answered_before = acknowledged_ + rejected_;
      }
      absl::Status status = RunStream(index);
      {
        absl::MutexLock lock(&mu_);
        if (streams_.stopping()) return;
        ++reconnects_;
        last_error_ = absl::StrCat(streams_.address(index), ": ", status.ToString());
        if (acknowledged_ + rejected_ > answered_before) {
          backoff = ShardStreams::kInitialBackoff;
        }
      }
      if (streams_.BackOff(&backoff)) return;
    }
  }

  const ReplayWriterOptions options_;
  const hem::v1::EnvSpec spec_;
  // Condition waits under mu_ also end on streams_.stopping(): Stop(&mu_)
  // wakes them.
  ShardStreams streams_;

  mutable absl::Mutex mu_;
  std::vector<ShardState> state_ ABSL_GUARDED_BY(mu_);  // One per shard.
  uint64_t next_request_id_ ABSL_GUARDED_BY(mu_) = 1;   // 0 = spec.
  int64_t pending_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t acknowledged_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t rejected_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t reconnects_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<ShardedReplayWriter>> ShardedReplayWriter::Create(
    ReplayWriterOptions options, hem::v1::EnvSpec spec) {
  if (options.addresses.empty()) {
    return absl::InvalidArgumentError("addresses: no replay shards given");
  }
  if (options.max_pending < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_pending: must be >= 1, got ", options.max_pending));
  }
  HEM_RETURN_IF_ERROR(ValidateEnvSpec(spec));
  return std::unique_ptr<ShardedReplayWriter>(
      new WriterImpl(std::move(options), std::move(spec)));
}

}  // namespace hem
