// The gRPC adapter from hem.v1.ReplayService to a ReplayShard (see
// replay_service_impl.h).
#include "replay_service/replay_service_impl.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/call_deadline.h"
#include "common/grpc_util.h"
#include "common/message_limits.h"
#include "grpcpp/support/method_handler.h"
#include "replay_service/hindsight_sampler.h"
#include "replay_service/random.h"

namespace hem {
namespace {

// Index of Insert among ReplayService's methods (declaration order).
constexpr int kInsertMethod = 0;

grpc::Status InvalidArgument(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

}  // namespace

absl::Status ValidateReplayServiceLimits(const ReplayServiceLimits& limits) {
  absl::Status streams = ValidateStreamLimits(limits.streams);
  if (!streams.ok()) {
    return absl::Status(streams.code(), absl::StrCat("streams.", streams.message()));
  }
  if (limits.insert.max_unacknowledged < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("insert.max_unacknowledged: must be >= 1, got ",
                     limits.insert.max_unacknowledged));
  }
  if (limits.insert.max_unacknowledged_bytes < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("insert.max_unacknowledged_bytes: must be >= 1, got ",
                     limits.insert.max_unacknowledged_bytes));
  }
  return absl::OkStatus();
}

ReplayServiceImpl::ReplayServiceImpl(ReplayShard* shard, StatsFn stats,
                                     ReplayServiceLimits limits)
    : shard_(shard),
      stats_(std::move(stats)),
      limits_(limits),
      streams_(limits.streams) {
  // Read Insert requests as bytes: the generated handler decodes them
  // itself, and its Read returns false for an undecodable message exactly
  // as for the client's clean end, which would end the stream with OK.
  MarkMethodStreamed(
      kInsertMethod,
      new grpc::internal::BidiStreamingHandler<
          ReplayServiceImpl, grpc::ByteBuffer, hem::v1::InsertResponse>(
          [](ReplayServiceImpl* service, grpc::ServerContext* context,
             InsertServerStream* stream) {
            return service->InsertRaw(context, stream);
          },
          this));
}

grpc::Status ReplayServiceImpl::Insert(
    grpc::ServerContext*,
    grpc::ServerReaderWriter<hem::v1::InsertResponse, hem::v1::InsertRequest>*) {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      "Insert is served from raw bytes");
}

grpc::Status ReplayServiceImpl::InsertRaw(grpc::ServerContext* context,
                                          InsertServerStream* stream) {
  absl::StatusOr<StreamLimiter::Slot> slot = streams_.Open(context->peer());
  if (!slot.ok()) return ToGrpcStatus(slot.status());
  return RunInsertStream(shard_, limits_.insert, context, stream);
}

grpc::Status ReplayServiceImpl::Sample(
    grpc::ServerContext* context, const hem::v1::SampleRequest* request,
    grpc::ServerWriter<hem::v1::SampleResponse>* writer) {
  if (request->batch_size() < 1) {
    return InvalidArgument(
        absl::StrCat("batch_size: must be >= 1, got ", request->batch_size()));
  }
  // No spec's transitions are smaller than this: refuse at once what could
  // never fit, before waiting for a spec or allocating anything.
  const int64_t most =
      shard_->config().max_batch_bytes / kMinBatchBytesPerTransition;
  if (request->batch_size() > most) {
    return InvalidArgument(absl::StrCat(
        "batch_size: ", request->batch_size(), " exceeds the limit of ",
        shard_->config().max_batch_bytes, " bytes per batch (at most ", most,
        " transitions of the smallest spec)"));
  }
  if (request->num_batches() < 0) {
    return InvalidArgument(absl::StrCat("num_batches: must be >= 0, got ",
                                        request->num_batches()));
  }
  absl::StatusOr<StreamLimiter::Slot> slot = streams_.Open(context->peer());
  if (!slot.ok()) return ToGrpcStatus(slot.status());
  const absl::Time deadline = CallDeadline(*context);
  const auto cancelled = [context] { return context->IsCancelled(); };
  absl::StatusOr<ReplayShard::SpecTable*> table =
      shard_->AwaitTable(request->spec_id(), deadline, cancelled);
  if (!table.ok()) return ToGrpcStatus(table.status());
  absl::StatusOr<HindsightOptions> options =
      shard_->ResolveSampleOptions(*request, (*table)->table.spec());
  if (!options.ok()) return ToGrpcStatus(options.status());
  uint64_t seed = request->seed();
  if (seed == 0) {
    uint64_t x = static_cast<uint64_t>(absl::GetCurrentTimeNanos()) ^
                 (seeds_.fetch_add(1) << 48);
    seed = SplitMix64(&x);
  }
  HindsightSampler sampler(&(*table)->table, *options, seed);
  hem::v1::SampleResponse response;
  for (int64_t i = 0; request->num_batches() == 0 || i < request->num_batches();
       ++i) {
    if (context->IsCancelled()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
    }
    absl::Status status =
        shard_->SampleBatch(*table, &sampler, options->batch_size, deadline,
                            cancelled, response.mutable_batch());
    if (!status.ok()) return ToGrpcStatus(status);
    if (!writer->Write(response)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    }
  }
  return grpc::Status::OK;
}

grpc::Status ReplayServiceImpl::GetStats(grpc::ServerContext*,
                                         const hem::v1::ReplayStatsRequest*,
                                         hem::v1::ReplayStats* response) {
  *response = stats_ ? stats_() : shard_->Stats();
  return grpc::Status::OK;
}

}  // namespace hem
