// hem.v1.ReplayService over a ReplayShard: the gRPC adapter, nothing more.
//
// Insert: one response per request, in order (insert_stream.h). A request
// with a spec registers it (an invalid spec ends the stream with
// INVALID_ARGUMENT, since nothing that follows could be interpreted); a bad
// trajectory gets stored = false and "field: reason" while the stream
// continues. A request with neither, or bytes that do not decode, end the
// stream with INVALID_ARGUMENT. A trajectory is acknowledged once stored -
// on disk when the shard has an episode log.
// Sample: refuses at once a batch that could not fit in a message
// (INVALID_ARGUMENT naming batch_size and the limit), then waits for the
// spec and the rate limiter (honouring the call's deadline and
// cancellation) and streams batches until num_batches or the client
// cancels.
// Every stream counts against the per-client and total stream limits
// (common/stream_limiter.h): RESOURCE_EXHAUSTED beyond them.
#ifndef HEM_REPLAY_SERVICE_REPLAY_SERVICE_IMPL_H_
#define HEM_REPLAY_SERVICE_REPLAY_SERVICE_IMPL_H_

#include <atomic>
#include <functional>

#include "common/stream_limiter.h"
#include "proto/replay_service.grpc.pb.h"
#include "replay_service/insert_stream.h"
#include "replay_service/replay_shard.h"

namespace hem {

// What one shard's service lets clients hold open.
struct ReplayServiceLimits {
  StreamLimits streams;        // Insert and Sample streams together.
  InsertStreamLimits insert;   // Per Insert stream.
};

// INVALID_ARGUMENT naming the field ("streams.max_streams: ...").
absl::Status ValidateReplayServiceLimits(const ReplayServiceLimits& limits);

class ReplayServiceImpl final : public hem::v1::ReplayService::Service {
 public:
  // Returns the full stats (counters plus rates and checkpoint fields).
  using StatsFn = std::function<hem::v1::ReplayStats()>;

  // `shard` must outlive the service. REQUIRES: limits validate.
  ReplayServiceImpl(ReplayShard* shard, StatsFn stats,
                    ReplayServiceLimits limits = {});

  // Insert is served from raw bytes (InsertRaw), not through this override.
  grpc::Status Insert(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<hem::v1::InsertResponse, hem::v1::InsertRequest>*
          stream) override;
  grpc::Status Sample(
      grpc::ServerContext* context, const hem::v1::SampleRequest* request,
      grpc::ServerWriter<hem::v1::SampleResponse>* writer) override;
  grpc::Status GetStats(grpc::ServerContext* context,
                        const hem::v1::ReplayStatsRequest* request,
                        hem::v1::ReplayStats* response) override;

  int open_streams() const { return streams_.open_streams(); }

 private:
  grpc::Status InsertRaw(grpc::ServerContext* context,
                         InsertServerStream* stream);

  ReplayShard* const shard_;
  const StatsFn stats_;
  const ReplayServiceLimits limits_;
  StreamLimiter streams_;
  std::atomic<uint64_t> seeds_{0};  // Mixed into clock seeds.
};

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_REPLAY_SERVICE_IMPL_H_
