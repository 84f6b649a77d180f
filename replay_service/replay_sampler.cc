// ShardedReplaySampler: one thread per shard (ShardStreams) keeps a Sample
// stream open and
// fills a bounded per-shard queue of chunks (small batches); a periodic
// closure refreshes shard sizes, and each stream refreshes its own shard's
// size when it (re)connects. Next() assembles a batch chunk by chunk, each
// chunk taken from a shard with a ready chunk chosen with probability
// proportional to its size, so every batch mixes the shards in proportion to
// their sizes whenever the learner is the slower side (the usual case), and a
// dead or slow shard never blocks it (the batch then comes from the shards
// that deliver). The per-shard queues share one mutex because Next waits for
// a chunk on any of them. Chunks are ceil(batch_size / (2 * shards))
// transitions: small enough that a batch spans several shards, large enough
// to keep per-message gRPC overhead low. With one shard a chunk is the whole
// batch, so nothing is concatenated.
#include "replay_service/replay_sampler.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/grpc_util.h"
#include "common/mix.h"
#include "common/periodic_closure.h"
#include "grpcpp/client_context.h"
#include "proto/replay_service.grpc.pb.h"
#include "replay_service/batch_concat.h"
#include "replay_service/shard_streams.h"

namespace hem {
namespace {

constexpr absl::Duration kSizeRefreshInterval = absl::Seconds(1);
constexpr auto kGetStatsDeadline = std::chrono::milliseconds(500);

// Transitions per Sample-stream message: see the notes at the top.
int ChunkSize(const ReplaySamplerOptions& options) {
  const int shards = static_cast<int>(options.addresses.size());
  if (shards <= 1) return options.batch_size;
  return std::max(1, (options.batch_size + 2 * shards - 1) / (2 * shards));
}

class SamplerImpl final : public ShardedReplaySampler {
 public:
  explicit SamplerImpl(ReplaySamplerOptions options)
      : options_(std::move(options)),
        chunk_size_(ChunkSize(options_)),
        queue_chunks_(std::max(1, options_.prefetch_batches) *
                      ((options_.batch_size + chunk_size_ - 1) / chunk_size_)),
        streams_(options_.addresses, options_.credentials.get()),
        state_(options_.addresses.size()),
        rng_(options_.seed != 0 ? options_.seed
                                : static_cast<uint64_t>(absl::GetCurrentTimeNanos())),
        size_refresher_(kSizeRefreshInterval, [this] { RefreshSizes(); },
                        "replay-sampler-sizes") {
    streams_.Start([this](size_t shard) { StreamLoop(shard); });
    size_refresher_.Start();
  }

  ~SamplerImpl() override {
    streams_.Stop(&mu_);
    size_refresher_.Stop();
  }

  absl::StatusOr<hem::v1::Batch> Next(absl::Duration timeout) override {
    const absl::Time start = absl::Now();
    std::vector<hem::v1::Batch> chunks;
    absl::Status status = TakeChunks(start, timeout, &chunks);
    // Concatenating outside the lock lets the stream threads keep filling.
    hem::v1::Batch batch;
    if (status.ok()) {
      status = ConcatenateChunks(&chunks, options_.batch_size, &batch);
    }
    absl::MutexLock lock(&mu_);
    if (!status.ok()) {
      if (status.code() != absl::StatusCode::kDeadlineExceeded) {
        last_error_ = status.ToString();
      }
      return status;
    }
    ++batches_;
    wait_seconds_ += absl::ToDoubleSeconds(absl::Now() - start);
    return batch;
  }

  ReplaySamplerStats stats() const override {
    absl::MutexLock lock(&mu_);
    ReplaySamplerStats stats;
    stats.batches = batches_;
    stats.live_shards = LiveShards();
    stats.mean_wait_seconds = batches_ > 0 ? wait_seconds_ / batches_ : 0;
    stats.last_error = last_error_;
    return stats;
  }

 private:
  // A shard's mutable state, guarded by mu_ through state_.
  struct ShardState {
    std::deque<hem::v1::Batch> chunks;  // Ready chunks of chunk_size_.
    bool live = false;                  // Stream delivering batches.
    int64_t transitions = -1;           // From GetStats; -1 = unknown.
  };

  static double Weight(const ShardState& state) {
    return state.transitions > 0 ? static_cast<double>(state.transitions) : 1.0;
  }

  int64_t LiveShards() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    int64_t live = 0;
    for (const ShardState& state : state_) live += state.live ? 1 : 0;
    return live;
  }

  // Weighted choice among shards with a ready chunk.
  // REQUIRES: some shard has a chunk.
  ShardState* PickShard() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    double total = 0;
    for (const ShardState& state : state_) {
      if (!state.chunks.empty()) total += Weight(state);
    }
    double pick = std::uniform_real_distribution<double>(0, total)(rng_);
    ShardState* chosen = nullptr;
    for (ShardState& state : state_) {
      if (state.chunks.empty()) continue;
      chosen = &state;
      pick -= Weight(state);
      if (pick < 0) break;
    }
    return chosen;
  }

  // Takes chunks holding at least batch_size transitions, drawing each one
  // as it becomes ready. On DEADLINE_EXCEEDED the chunks already taken are
  // dropped: they are random samples, so nothing a later batch needs is lost.
  absl::Status TakeChunks(absl::Time start, absl::Duration timeout,
                          std::vector<hem::v1::Batch>* chunks)
      ABSL_LOCKS_EXCLUDED(mu_) {
    const absl::Time deadline = start + timeout;
    absl::MutexLock lock(&mu_);
    const auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      if (streams_.stopping()) return true;
      for (const ShardState& state : state_) {
        if (!state.chunks.empty()) return true;
      }
      return false;
    };
    int64_t rows = 0;
    while (rows < options_.batch_size) {
      if (!mu_.AwaitWithDeadline(absl::Condition(&ready), deadline) ||
          streams_.stopping()) {
        return absl::DeadlineExceededError(absl::StrCat(
            "replay sampler: no batch within ", absl::FormatDuration(timeout), " (",
            rows, "/", options_.batch_size, " transitions ready; ", LiveShards(),
            "/", streams_.size(), " shards streaming; last error: ",
            last_error_.empty() ? "none" : last_error_, ")"));
      }
      std::deque<hem::v1::Batch>& queue = PickShard()->chunks;
      rows += queue.front().size();
      chunks->push_back(std::move(queue.front()));
      queue.pop_front();
    }
    return absl::OkStatus();
  }

  hem::v1::SampleRequest StreamRequest(size_t index, uint64_t attempt) const {
    hem::v1::SampleRequest request;
    request.set_spec_id(options_.spec_id);
    request.set_batch_size(chunk_size_);
    request.set_num_batches(0);
    request.set_strategy(options_.strategy);
    request.set_relabel_probability(options_.relabel_probability);
    request.set_future_window(options_.future_window);
    request.set_with_next(options_.with_next);
    if (options_.seed != 0) {
      uint64_t x = options_.seed ^ (index << 32) ^ (attempt << 48);
      request.set_seed(SplitMix64(&x) | 1);
    }
    return request;
  }

  void StreamLoop(size_t index) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::Duration backoff = ShardStreams::kInitialBackoff;
    for (uint64_t attempt = 0; !streams_.stopping(); ++attempt) {
      // A (re)connected shard is weighted by its size from its first chunk.
      RefreshSize(index);
      grpc::ClientContext context;
      if (!streams_.Register(index, &context)) return;
      std::unique_ptr<grpc::ClientReader<hem::v1::SampleResponse>> reader =
          streams_.stub(index)->Sample(&context, StreamRequest(index, attempt));
      hem::v1::SampleResponse response;
      while (reader->Read(&response)) {
        absl::MutexLock lock(&mu_);
        state_[index].live = true;
        backoff = ShardStreams::kInitialBackoff;
        const auto room = [this, index]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return streams_.stopping() ||
                 static_cast<int>(state_[index].chunks.size()) < queue_chunks_;
        };
        mu_.Await(absl::Condition(&room));
        if (streams_.stopping()) break;
        state_[index].chunks.push_back(std::move(*response.mutable_batch()));
      }
      context.TryCancel();
      grpc::Status status = reader->Finish();
      streams_.Unregister(index);
      {
        absl::MutexLock lock(&mu_);
        state_[index].live = false;
        if (streams_.stopping()) return;
        last_error_ = absl::StrCat(streams_.address(index), ": ",
                                   ToAbslStatus(status).ToString());
      }
      if (streams_.BackOff(&backoff)) return;
    }
  }

  // Fetches one shard's size for the weighted pick; keeps the old one when
  // the shard does not answer.
  void RefreshSize(size_t index) ABSL_LOCKS_EXCLUDED(mu_) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kGetStatsDeadline);
    hem::v1::ReplayStats stats;
    grpc::Status status =
        streams_.stub(index)->GetStats(&context, hem::v1::ReplayStatsRequest(), &stats);
    if (!status.ok()) return;
    absl::MutexLock lock(&mu_);
    state_[index].transitions = stats.transitions();
  }

  void RefreshSizes() ABSL_LOCKS_EXCLUDED(mu_) {
    for (size_t i = 0; i < streams_.size() && !size_refresher_.stopping(); ++i) {
      RefreshSize(i);
    }
  }

  const ReplaySamplerOptions options_;
  const int chunk_size_;    // Transitions per streamed chunk.
  const int queue_chunks_;  // Per-shard queue bound: prefetch_batches' worth.
  // Condition waits under mu_ also end on streams_.stopping(): Stop(&mu_)
  // wakes them.
  ShardStreams streams_;

  mutable absl::Mutex mu_;
  std::vector<ShardState> state_ ABSL_GUARDED_BY(mu_);  // One per shard.
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  int64_t batches_ ABSL_GUARDED_BY(mu_) = 0;
  double wait_seconds_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_error_ ABSL_GUARDED_BY(mu_);

  PeriodicClosure size_refresher_;  // Last: stopped before the rest goes.
};

}  // namespace

absl::StatusOr<std::unique_ptr<ShardedReplaySampler>> ShardedReplaySampler::Create(
    ReplaySamplerOptions options) {
  if (options.addresses.empty()) {
    return absl::InvalidArgumentError("addresses: no replay shards given");
  }
  if (options.batch_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_size: must be >= 1, got ", options.batch_size));
  }
  if (options.relabel_probability > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "relabel_probability: must be <= 1, got ", options.relabel_probability));
  }
  return std::unique_ptr<ShardedReplaySampler>(new SamplerImpl(std::move(options)));
}

}  // namespace hem
