// Implementation notes.
//
// Writer: one connection thread per shard owns that shard's stream. Requests
// wait in `queue` until written and in `inflight` until acknowledged; both
// hold whole InsertRequests, so a resend after a reconnect writes the same
// bytes again. Acknowledgements arrive in order on a reader thread per
// stream. After any stream failure the in-flight requests go back to the
// front of the queue, in order, and the thread reconnects with exponential
// backoff (the server drops duplicates it already stored).
//
// Sampler: one thread per shard keeps a Sample stream open and fills a
// bounded per-shard queue of chunks (small batches); a stats thread refreshes
// shard sizes. Next() assembles a batch chunk by chunk, each chunk taken from
// a shard with a ready chunk chosen with probability proportional to its
// size, so every batch mixes the shards in proportion to their sizes whenever
// the learner is the slower side (the usual case), and a dead or slow shard
// never blocks it (the batch then comes from the shards that deliver).
// Chunks are ceil(batch_size / (2 * shards)) transitions: small enough that a
// batch spans several shards, large enough to keep per-message gRPC overhead
// low. With one shard a chunk is the whole batch, so nothing is concatenated.
#include "replay_service/sharded_replay_client.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/env_spec_util.h"
#include "common/grpc_util.h"
#include "common/mix.h"
#include "common/shard_addresses.h"
#include "common/status_macros.h"
#include "grpcpp/client_context.h"
#include "proto/replay_service.grpc.pb.h"

namespace hem {
namespace {

constexpr absl::Duration kInitialBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(2);
constexpr absl::Duration kStatsInterval = absl::Seconds(1);

// Sleeps `duration` unless `stop` becomes true first (checked under `mu`).
void SleepUnlessStopped(absl::Mutex* mu, const bool* stop,
                        absl::Duration duration) {
  absl::MutexLock lock(mu);
  mu->AwaitWithTimeout(absl::Condition(stop), duration);
}

// ----------------------------------------------------------------- Writer --

class WriterImpl final : public ShardedReplayWriter {
 public:
  WriterImpl(ReplayWriterOptions options, hem::v1::EnvSpec spec)
      : options_(std::move(options)), spec_(std::move(spec)) {
    for (const std::string& address : options_.addresses) {
      auto shard = std::make_unique<Shard>();
      shard->address = address;
      shard->stub = hem::v1::ReplayService::NewStub(CreateHemChannel(address));
      shards_.push_back(std::move(shard));
    }
    for (size_t i = 0; i < shards_.size(); ++i) {
      shards_[i]->thread = std::thread([this, i] { ConnectionLoop(i); });
    }
  }

  ~WriterImpl() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      for (auto& shard : shards_) {
        if (shard->context != nullptr) shard->context->TryCancel();
      }
    }
    for (auto& shard : shards_) shard->thread.join();
  }

  absl::Status Insert(hem::v1::Trajectory trajectory,
                      absl::Duration timeout) override {
    const int shard_index =
        ShardForEpisode(trajectory.actor_id(), trajectory.episode_id(),
                        static_cast<int>(shards_.size()));
    auto request = std::make_shared<Request>();
    *request->mutable_trajectory() = std::move(trajectory);
    absl::MutexLock lock(&mu_);
    const auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return pending_ < options_.max_pending;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&room), timeout)) {
      return absl::DeadlineExceededError(absl::StrCat(
          "replay writer: ", pending_, " trajectories still unacknowledged after ",
          absl::FormatDuration(timeout), " (last error: ", last_error_, ")"));
    }
    request->set_request_id(next_request_id_++);
    shards_[shard_index]->queue.push_back(std::move(request));
    ++pending_;
    return absl::OkStatus();
  }

  absl::Status Flush(absl::Duration timeout) override {
    absl::MutexLock lock(&mu_);
    const auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return pending_ == 0;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&drained), timeout)) {
      return absl::DeadlineExceededError(absl::StrCat(
          "replay writer: ", pending_, " trajectories still unacknowledged after ",
          absl::FormatDuration(timeout), " (last error: ", last_error_, ")"));
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
  using Stream =
      grpc::ClientReaderWriter<hem::v1::InsertRequest, hem::v1::InsertResponse>;

  struct Shard {
    std::string address;
    std::unique_ptr<hem::v1::ReplayService::Stub> stub;
    std::deque<std::shared_ptr<Request>> queue;     // Not yet written.
    std::deque<std::shared_ptr<Request>> inflight;  // Written, unacknowledged.
    grpc::ClientContext* context = nullptr;         // Current stream's.
    bool broken = false;                            // Current stream failed.
    std::thread thread;
  };

  void HandleResponse(Shard* shard, const hem::v1::InsertResponse& response) {
    absl::MutexLock lock(&mu_);
    if (response.request_id() == 0) {  // The spec declaration.
      if (!response.stored()) {
        last_error_ = absl::StrCat(shard->address, ": spec refused: ",
                                   response.error());
      }
      return;
    }
    auto& inflight = shard->inflight;
    for (auto it = inflight.begin(); it != inflight.end(); ++it) {
      if ((*it)->request_id() != response.request_id()) continue;
      inflight.erase(it);
      --pending_;
      if (response.stored()) {
        ++acknowledged_;
      } else {
        ++rejected_;
        last_error_ = absl::StrCat(shard->address, ": ", response.error());
      }
      return;
    }
  }

  // Runs one stream until it fails or the writer stops. Returns its status.
  absl::Status RunStream(Shard* shard) {
    grpc::ClientContext context;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return absl::CancelledError("stopping");
      shard->context = &context;
      shard->broken = false;
      // Resend what the previous stream never acknowledged, in order.
      while (!shard->inflight.empty()) {
        shard->queue.push_front(std::move(shard->inflight.back()));
        shard->inflight.pop_back();
      }
    }
    std::unique_ptr<Stream> stream = shard->stub->Insert(&context);
    std::thread reader([this, shard, &stream] {
      hem::v1::InsertResponse response;
      while (stream->Read(&response)) HandleResponse(shard, response);
      absl::MutexLock lock(&mu_);
      shard->broken = true;
    });
    Request declare;
    declare.set_request_id(0);
    *declare.mutable_spec() = spec_;
    bool ok = stream->Write(declare);
    while (ok) {
      std::shared_ptr<Request> request;
      {
        absl::MutexLock lock(&mu_);
        const auto ready = [this, shard]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || shard->broken || !shard->queue.empty();
        };
        mu_.Await(absl::Condition(&ready));
        if (stopping_ || shard->broken) break;
        request = shard->queue.front();
        shard->queue.pop_front();
        shard->inflight.push_back(request);
      }
      ok = stream->Write(*request);
    }
    context.TryCancel();
    reader.join();
    grpc::Status status = stream->Finish();
    absl::MutexLock lock(&mu_);
    shard->context = nullptr;
    if (status.ok()) return absl::UnavailableError("stream closed by the shard");
    return ToAbslStatus(status);
  }

  void ConnectionLoop(size_t index) {
    Shard* shard = shards_[index].get();
    absl::Duration backoff = kInitialBackoff;
    while (true) {
      int64_t acked_before;
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
        acked_before = acknowledged_ + rejected_;
      }
      absl::Status status = RunStream(shard);
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
        ++reconnects_;
        last_error_ = absl::StrCat(shard->address, ": ", status.ToString());
        if (acknowledged_ + rejected_ > acked_before) backoff = kInitialBackoff;
      }
      SleepUnlessStopped(&mu_, &stopping_, backoff);
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }

  const ReplayWriterOptions options_;
  const hem::v1::EnvSpec spec_;
  std::vector<std::unique_ptr<Shard>> shards_;  // Shard state guarded by mu_.

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_request_id_ ABSL_GUARDED_BY(mu_) = 1;  // 0 = spec.
  int64_t pending_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t acknowledged_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t rejected_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t reconnects_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
};

// --------------------------------------------------------- Batch chunks --

// The per-row tensors of a Batch (first dimension = rows), by index, so
// chunks can be concatenated field by field.
constexpr int kNumBatchTensors = 8;
constexpr const char* kBatchTensorNames[kNumBatchTensors] = {
    "observations", "goals",     "actions",           "next_observations",
    "rewards",      "terminals", "goal_observations", "policy_versions"};

// The i-th per-row tensor, or nullptr when the batch does not carry it (e.g.
// next_observations without with_next), so absent fields stay absent.
hem::v1::Tensor* BatchTensor(hem::v1::Batch* batch, int i) {
  switch (i) {
    case 0: return batch->has_observations() ? batch->mutable_observations() : nullptr;
    case 1: return batch->has_goals() ? batch->mutable_goals() : nullptr;
    case 2: return batch->has_actions() ? batch->mutable_actions() : nullptr;
    case 3:
      return batch->has_next_observations() ? batch->mutable_next_observations()
                                            : nullptr;
    case 4: return batch->has_rewards() ? batch->mutable_rewards() : nullptr;
    case 5: return batch->has_terminals() ? batch->mutable_terminals() : nullptr;
    case 6:
      return batch->has_goal_observations() ? batch->mutable_goal_observations()
                                            : nullptr;
    case 7:
      return batch->has_policy_versions() ? batch->mutable_policy_versions()
                                          : nullptr;
  }
  return nullptr;
}

int64_t RowBytes(const hem::v1::Tensor& tensor) {
  if (tensor.shape_size() == 0 || tensor.shape(0) <= 0) return 0;
  return static_cast<int64_t>(tensor.data().size()) / tensor.shape(0);
}

// Relabeled transitions among the first `rows` of `chunk`. The Batch only
// counts them, so a trimmed chunk gets its proportional share (exact for
// relabel probability 0 or 1, and when chunks divide batch_size no chunk is
// ever trimmed).
int64_t RelabeledIn(const hem::v1::Batch& chunk, int64_t rows) {
  if (rows >= chunk.size() || chunk.size() <= 0) return chunk.num_relabeled();
  return (static_cast<int64_t>(chunk.num_relabeled()) * rows + chunk.size() / 2) /
         chunk.size();
}

// Makes `chunk` the start of a batch: keeps its first `rows` rows and
// reserves room for `capacity` rows, so appending never reallocates.
void StartBatch(int64_t rows, int64_t capacity, hem::v1::Batch* chunk) {
  chunk->set_num_relabeled(static_cast<int32_t>(RelabeledIn(*chunk, rows)));
  chunk->set_size(static_cast<int32_t>(rows));
  for (int i = 0; i < kNumBatchTensors; ++i) {
    hem::v1::Tensor* tensor = BatchTensor(chunk, i);
    if (tensor == nullptr || tensor->shape_size() == 0) continue;
    const int64_t row_bytes = RowBytes(*tensor);
    tensor->mutable_data()->resize(rows * row_bytes);
    tensor->mutable_data()->reserve(capacity * row_bytes);
    tensor->set_shape(0, rows);
  }
}

// Appends the first `rows` rows of `chunk` to `batch`. FAILED_PRECONDITION if
// the two do not hold the same kind of transitions (different specs or
// sampling options on different shards).
absl::Status AppendRows(hem::v1::Batch* chunk, int64_t rows,
                        hem::v1::Batch* batch) {
  if (chunk->spec_id() != batch->spec_id()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "spec_id: shards disagree (", batch->spec_id(), " vs ", chunk->spec_id(),
        "); set ReplaySamplerOptions.spec_id to pick one"));
  }
  for (int i = 0; i < kNumBatchTensors; ++i) {
    hem::v1::Tensor* from = BatchTensor(chunk, i);
    hem::v1::Tensor* to = BatchTensor(batch, i);
    if (from == nullptr && to == nullptr) continue;
    if (from == nullptr || to == nullptr || from->dtype() != to->dtype() ||
        from->shape_size() != to->shape_size() ||
        RowBytes(*from) != RowBytes(*to)) {
      return absl::FailedPreconditionError(
          absl::StrCat(kBatchTensorNames[i],
                       ": shards returned different row layouts for one spec"));
    }
    if (to->shape_size() == 0) continue;
    to->mutable_data()->append(from->data(), 0, rows * RowBytes(*from));
    to->set_shape(0, to->shape(0) + rows);
  }
  batch->set_size(static_cast<int32_t>(batch->size() + rows));
  batch->set_num_relabeled(
      static_cast<int32_t>(batch->num_relabeled() + RelabeledIn(*chunk, rows)));
  return absl::OkStatus();
}

// Transitions per Sample-stream message: see the implementation notes.
int ChunkSize(const ReplaySamplerOptions& options) {
  const int shards = static_cast<int>(options.addresses.size());
  if (shards <= 1) return options.batch_size;
  return std::max(1, (options.batch_size + 2 * shards - 1) / (2 * shards));
}

// ---------------------------------------------------------------- Sampler --

class SamplerImpl final : public ShardedReplaySampler {
 public:
  explicit SamplerImpl(ReplaySamplerOptions options)
      : options_(std::move(options)),
        chunk_size_(ChunkSize(options_)),
        queue_chunks_(std::max(1, options_.prefetch_batches) *
                      ((options_.batch_size + chunk_size_ - 1) / chunk_size_)),
        rng_(options_.seed != 0 ? options_.seed
                                : static_cast<uint64_t>(absl::GetCurrentTimeNanos())) {
    for (const std::string& address : options_.addresses) {
      auto shard = std::make_unique<Shard>();
      shard->address = address;
      shard->stub = hem::v1::ReplayService::NewStub(CreateHemChannel(address));
      shards_.push_back(std::move(shard));
    }
    for (size_t i = 0; i < shards_.size(); ++i) {
      shards_[i]->thread = std::thread([this, i] { StreamLoop(i); });
    }
    stats_thread_ = std::thread([this] { StatsLoop(); });
  }

  ~SamplerImpl() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      for (auto& shard : shards_) {
        if (shard->context != nullptr) shard->context->TryCancel();
      }
    }
    for (auto& shard : shards_) shard->thread.join();
    stats_thread_.join();
  }

  absl::StatusOr<hem::v1::Batch> Next(absl::Duration timeout) override {
    const absl::Time start = absl::Now();
    std::vector<hem::v1::Batch> chunks;
    absl::Status status = TakeChunks(start, timeout, &chunks);
    // Concatenating outside the lock lets the stream threads keep filling.
    hem::v1::Batch batch;
    if (status.ok()) status = Assemble(&chunks, &batch);
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
    for (const auto& shard : shards_) stats.live_shards += shard->live ? 1 : 0;
    stats.mean_wait_seconds = batches_ > 0 ? wait_seconds_ / batches_ : 0;
    stats.last_error = last_error_;
    return stats;
  }

 private:
  struct Shard {
    std::string address;
    std::unique_ptr<hem::v1::ReplayService::Stub> stub;
    std::deque<hem::v1::Batch> queue;  // Ready chunks of chunk_size_.
    bool live = false;                 // Stream delivering batches.
    int64_t transitions = -1;          // From GetStats; -1 = unknown.
    grpc::ClientContext* context = nullptr;
    std::thread thread;
  };

  static double Weight(const Shard& shard) {
    return shard.transitions > 0 ? static_cast<double>(shard.transitions) : 1.0;
  }

  // Weighted choice among shards with a ready chunk.
  // REQUIRES: some shard's queue is not empty.
  Shard* PickShard() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    double total = 0;
    for (const auto& shard : shards_) {
      if (!shard->queue.empty()) total += Weight(*shard);
    }
    double pick = std::uniform_real_distribution<double>(0, total)(rng_);
    Shard* chosen = nullptr;
    for (const auto& shard : shards_) {
      if (shard->queue.empty()) continue;
      chosen = shard.get();
      pick -= Weight(*shard);
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
      if (stopping_) return true;
      for (const auto& shard : shards_) {
        if (!shard->queue.empty()) return true;
      }
      return false;
    };
    int64_t rows = 0;
    while (rows < options_.batch_size) {
      if (!mu_.AwaitWithDeadline(absl::Condition(&ready), deadline) ||
          stopping_) {
        int live = 0;
        for (const auto& shard : shards_) live += shard->live ? 1 : 0;
        return absl::DeadlineExceededError(absl::StrCat(
            "replay sampler: no batch within ",
            absl::FormatDuration(timeout),
            " (", rows, "/", options_.batch_size, " transitions ready; ", live,
            "/", shards_.size(), " shards streaming; last error: ",
            last_error_.empty() ? "none" : last_error_, ")"));
      }
      Shard* shard = PickShard();
      rows += shard->queue.front().size();
      chunks->push_back(std::move(shard->queue.front()));
      shard->queue.pop_front();
    }
    return absl::OkStatus();
  }

  // Concatenates `chunks` into exactly batch_size transitions, trimming the
  // last chunk. A single whole chunk (the one-shard case) moves untouched.
  absl::Status Assemble(std::vector<hem::v1::Batch>* chunks,
                        hem::v1::Batch* batch) const {
    const int64_t batch_size = options_.batch_size;
    *batch = std::move((*chunks)[0]);
    if (chunks->size() == 1 && batch->size() == batch_size) {
      return absl::OkStatus();
    }
    StartBatch(std::min<int64_t>(batch->size(), batch_size), batch_size, batch);
    for (size_t i = 1; i < chunks->size(); ++i) {
      hem::v1::Batch* chunk = &(*chunks)[i];
      const int64_t rows =
          std::min<int64_t>(chunk->size(), batch_size - batch->size());
      HEM_RETURN_IF_ERROR(AppendRows(chunk, rows, batch));
    }
    return absl::OkStatus();
  }

  void StreamLoop(size_t index) {
    Shard* shard = shards_[index].get();
    absl::Duration backoff = kInitialBackoff;
    for (uint64_t attempt = 0;; ++attempt) {
      grpc::ClientContext context;
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
        shard->context = &context;
      }
      hem::v1::SampleRequest request;
      request.set_spec_id(options_.spec_id);
      request.set_batch_size(chunk_size_);
      request.set_num_batches(0);
      request.set_strategy(options_.strategy);
      request.set_relabel_probability(options_.relabel_probability);
      request.set_with_next(options_.with_next);
      if (options_.seed != 0) {
        uint64_t x = options_.seed ^ (index << 32) ^ (attempt << 48);
        request.set_seed(SplitMix64(&x) | 1);
      }
      std::unique_ptr<grpc::ClientReader<hem::v1::SampleResponse>> reader =
          shard->stub->Sample(&context, request);
      hem::v1::SampleResponse response;
      while (reader->Read(&response)) {
        absl::MutexLock lock(&mu_);
        shard->live = true;
        backoff = kInitialBackoff;
        const auto room = [this, shard]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ ||
                 static_cast<int>(shard->queue.size()) < queue_chunks_;
        };
        mu_.Await(absl::Condition(&room));
        if (stopping_) break;
        shard->queue.push_back(std::move(*response.mutable_batch()));
      }
      context.TryCancel();
      grpc::Status status = reader->Finish();
      {
        absl::MutexLock lock(&mu_);
        shard->live = false;
        shard->context = nullptr;
        if (stopping_) return;
        last_error_ = absl::StrCat(shard->address, ": ",
                                   ToAbslStatus(status).ToString());
      }
      SleepUnlessStopped(&mu_, &stopping_, backoff);
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }

  void StatsLoop() {
    while (true) {
      for (auto& shard : shards_) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::milliseconds(500));
        hem::v1::ReplayStats stats;
        grpc::Status status =
            shard->stub->GetStats(&context, hem::v1::ReplayStatsRequest(), &stats);
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
        if (status.ok()) shard->transitions = stats.transitions();
      }
      SleepUnlessStopped(&mu_, &stopping_, kStatsInterval);
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
  }

  const ReplaySamplerOptions options_;
  const int chunk_size_;    // Transitions per streamed chunk.
  const int queue_chunks_;  // Per-shard queue bound: prefetch_batches' worth.
  std::vector<std::unique_ptr<Shard>> shards_;  // Shard state guarded by mu_.
  std::thread stats_thread_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  int64_t batches_ ABSL_GUARDED_BY(mu_) = 0;
  double wait_seconds_ ABSL_GUARDED_BY(mu_) = 0;
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
