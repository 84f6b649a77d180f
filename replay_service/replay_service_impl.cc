// The gRPC adapter from hem.v1.ReplayService to a ReplayShard (see
// replay_service_impl.h).
#include "replay_service/replay_service_impl.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc_util.h"
#include "replay_service/random.h"

namespace hem {
namespace {

absl::Time CallDeadline(const grpc::ServerContext* context) {
  const auto deadline = context->deadline();
  // "No deadline" is time_point::max(), beyond what absl::Time converts.
  if (deadline >= std::chrono::system_clock::now() + std::chrono::hours(24 * 365 * 100)) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

grpc::Status InvalidArgument(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

}  // namespace

ReplayServiceImpl::ReplayServiceImpl(ReplayShard* shard, StatsFn stats)
    : shard_(shard), stats_(std::move(stats)) {}

grpc::Status ReplayServiceImpl::Insert(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<hem::v1::InsertResponse, hem::v1::InsertRequest>*
        stream) {
  const absl::Time deadline = CallDeadline(context);
  const auto cancelled = [context] { return context->IsCancelled(); };
  hem::v1::InsertRequest request;
  hem::v1::InsertResponse response;
  while (stream->Read(&request)) {
    response.Clear();
    response.set_request_id(request.request_id());
    if (!request.has_spec() && !request.has_trajectory()) {
      return InvalidArgument(absl::StrCat(
          "request: request ", request.request_id(),
          " has neither spec nor trajectory"));
    }
    if (request.has_spec()) {
      absl::Status status = shard_->RegisterSpec(request.spec());
      if (!status.ok()) return ToGrpcStatus(status);
      response.set_stored(true);
    }
    if (request.has_trajectory()) {
      absl::StatusOr<ReplayShard::InsertOutcome> outcome =
          shard_->Insert(request.mutable_trajectory(), deadline, cancelled);
      if (!outcome.ok()) return ToGrpcStatus(outcome.status());
      response.set_stored(outcome->stored);
      response.set_error(outcome->error);
      response.set_stored_transitions(outcome->table_transitions);
    }
    if (!stream->Write(response)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    }
  }
  return grpc::Status::OK;
}

grpc::Status ReplayServiceImpl::Sample(
    grpc::ServerContext* context, const hem::v1::SampleRequest* request,
    grpc::ServerWriter<hem::v1::SampleResponse>* writer) {
  if (request->batch_size() < 1) {
    return InvalidArgument(
        absl::StrCat("batch_size: must be >= 1, got ", request->batch_size()));
  }
  if (request->num_batches() < 0) {
    return InvalidArgument(absl::StrCat("num_batches: must be >= 0, got ",
                                        request->num_batches()));
  }
  const absl::Time deadline = CallDeadline(context);
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
                 (streams_.fetch_add(1) << 48);
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
