// One Insert stream: ordered, pipelined acknowledgements (see
// insert_stream.h).
#include "replay_service/insert_stream.h"

#include <deque>
#include <memory>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/call_deadline.h"
#include "common/grpc_util.h"
#include "grpcpp/impl/codegen/proto_utils.h"

namespace hem {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(100);

// The acknowledgements of one stream, in request order. The reader adds a
// slot per request; the slot is completed when the request has an outcome
// (at once, or from the episode log's thread); the writer sends completed
// slots from the front. Shared with pending callbacks, which may complete a
// slot after the stream has ended.
class AckQueue {
 public:
  explicit AckQueue(const InsertStreamLimits& limits) : limits_(limits) {}

  struct Slot {
    bool ready = false;
    hem::v1::InsertResponse response;
    absl::Status error;  // The episode could not be stored: end the stream.
    int64_t bytes = 0;
  };

  std::shared_ptr<Slot> Add(uint64_t request_id, int64_t bytes)
      ABSL_LOCKS_EXCLUDED(mu_) {
    auto slot = std::make_shared<Slot>();
    slot->response.set_request_id(request_id);
    slot->bytes = bytes;
    absl::MutexLock lock(&mu_);
    slots_.push_back(slot);
    bytes_ += bytes;
    return slot;
  }

  void Complete(const std::shared_ptr<Slot>& slot,
                absl::StatusOr<ReplayShard::InsertOutcome> outcome)
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (outcome.ok()) {
      slot->response.set_stored(outcome->stored);
      slot->response.set_error(outcome->error);
      slot->response.set_stored_transitions(outcome->table_transitions);
    } else {
      slot->error = outcome.status();
    }
    slot->ready = true;
  }

  void CompleteNow(const std::shared_ptr<Slot>& slot) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    slot->response.set_stored(true);
    slot->ready = true;
  }

  // Reader: waits until the stream may hold one more request. False when
  // the writer has stopped or the call is cancelled or past its deadline.
  bool AwaitRoom(grpc::ServerContext* context, absl::Time deadline)
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    while (!RoomOrStopped()) {
      if (context->IsCancelled() || absl::Now() >= deadline) return false;
      mu_.AwaitWithTimeout(absl::Condition(this, &AckQueue::RoomOrStopped),
                           kPollInterval);
    }
    return !writer_stopped_;
  }

  // Reader: no more requests; the writer stops once every slot is sent
  // (`drain`) or at once.
  void Close(bool drain) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    if (!drain) writer_stopped_ = true;
  }

  // Writer: sends completed slots in order until closed and drained, the
  // client goes away, or a slot carries an error. Returns why it stopped.
  grpc::Status WriteAll(InsertServerStream* stream, grpc::ServerContext* context)
      ABSL_LOCKS_EXCLUDED(mu_) {
    grpc::Status status;
    while (true) {
      std::shared_ptr<Slot> slot;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &AckQueue::WriterCanGo));
        if (writer_stopped_ || slots_.empty()) break;  // Stopped or drained.
        slot = slots_.front();
      }
      if (!slot->error.ok()) {
        status = ToGrpcStatus(slot->error);
        // The reader may be blocked on a client that waits for this
        // acknowledgement: cancel the call so both sides see the end.
        context->TryCancel();
        break;
      }
      if (!stream->Write(slot->response)) {
        status = grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
        break;
      }
      absl::MutexLock lock(&mu_);
      slots_.pop_front();
      bytes_ -= slot->bytes;
    }
    absl::MutexLock lock(&mu_);
    writer_stopped_ = true;
    return status;
  }

 private:
  bool RoomOrStopped() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return writer_stopped_ || slots_.empty() ||
           (static_cast<int>(slots_.size()) < limits_.max_unacknowledged &&
            bytes_ < limits_.max_unacknowledged_bytes);
  }
  bool WriterCanGo() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return writer_stopped_ || (closed_ && slots_.empty()) ||
           (!slots_.empty() && slots_.front()->ready);
  }

  const InsertStreamLimits limits_;
  absl::Mutex mu_;
  std::deque<std::shared_ptr<Slot>> slots_ ABSL_GUARDED_BY(mu_);
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool writer_stopped_ ABSL_GUARDED_BY(mu_) = false;
};

grpc::Status InvalidArgument(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}

// Handles one decoded request: adds its slot and starts its insert.
// Non-OK ends the stream.
grpc::Status HandleRequest(ReplayShard* shard, hem::v1::InsertRequest* request,
                           int64_t bytes, absl::Time deadline,
                           grpc::ServerContext* context,
                           const std::shared_ptr<AckQueue>& acks) {
  if (!request->has_spec() && !request->has_trajectory()) {
    return InvalidArgument(absl::StrCat("request: request ",
                                        request->request_id(),
                                        " has neither spec nor trajectory"));
  }
  if (request->has_spec()) {
    absl::Status status = shard->RegisterSpec(request->spec());
    if (!status.ok()) return ToGrpcStatus(status);
  }
  std::shared_ptr<AckQueue::Slot> slot = acks->Add(request->request_id(), bytes);
  if (!request->has_trajectory()) {
    acks->CompleteNow(slot);
    return grpc::Status::OK;
  }
  const auto cancelled = [context] { return context->IsCancelled(); };
  absl::Status status = shard->BeginInsert(
      request->mutable_trajectory(), deadline, cancelled,
      [acks, slot](absl::StatusOr<ReplayShard::InsertOutcome> outcome) {
        acks->Complete(slot, std::move(outcome));
      });
  // Cut short by the rate limiter wait: nothing was stored.
  if (!status.ok()) return ToGrpcStatus(status);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status RunInsertStream(ReplayShard* shard, const InsertStreamLimits& limits,
                             grpc::ServerContext* context,
                             InsertServerStream* stream) {
  const absl::Time deadline = CallDeadline(*context);
  auto acks = std::make_shared<AckQueue>(limits);
  grpc::Status writer_status;
  std::thread writer(
      [&] { writer_status = acks->WriteAll(stream, context); });
  grpc::Status status;
  int64_t index = 0;
  grpc::ByteBuffer buffer;
  while (acks->AwaitRoom(context, deadline) && stream->Read(&buffer)) {
    const int64_t bytes = static_cast<int64_t>(buffer.Length());
    hem::v1::InsertRequest request;
    if (!grpc::SerializationTraits<hem::v1::InsertRequest>::Deserialize(
             &buffer, &request)
             .ok()) {
      status = InvalidArgument(absl::StrCat(
          "request: message ", index, " of this stream (", bytes,
          " bytes) is not a valid hem.v1.InsertRequest"));
      break;
    }
    status = HandleRequest(shard, &request, bytes, deadline, context, acks);
    if (!status.ok()) break;
    ++index;
  }
  // A clean end (the client closed its side) drains the acknowledgements;
  // an error ends at once.
  acks->Close(/*drain=*/status.ok() && !context->IsCancelled());
  writer.join();
  if (!status.ok()) return status;
  if (!writer_status.ok()) return writer_status;
  if (context->IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
  }
  if (absl::Now() >= deadline) {
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                        "deadline passed while the stream was open");
  }
  return grpc::Status::OK;
}

}  // namespace hem
