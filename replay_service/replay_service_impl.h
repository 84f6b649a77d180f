// hem.v1.ReplayService over a ReplayShard: the gRPC adapter, nothing more.
//
// Insert: one response per request, in order. A request with a spec
// registers it (an invalid spec ends the stream with INVALID_ARGUMENT, since
// nothing that follows could be interpreted); a bad trajectory gets
// stored = false and "field: reason" while the stream continues. A request
// with neither ends the stream with INVALID_ARGUMENT.
// Sample: waits for the spec and the rate limiter (honouring the call's
// deadline and cancellation), then streams batches until num_batches or the
// client cancels.
#ifndef HEM_REPLAY_SERVICE_REPLAY_SERVICE_IMPL_H_
#define HEM_REPLAY_SERVICE_REPLAY_SERVICE_IMPL_H_

#include <atomic>
#include <functional>

#include "proto/replay_service.grpc.pb.h"
#include "replay_service/replay_shard.h"

namespace hem {

class ReplayServiceImpl final : public hem::v1::ReplayService::Service {
 public:
  // Returns the full stats (counters plus rates and checkpoint fields).
  using StatsFn = std::function<hem::v1::ReplayStats()>;

  // `shard` must outlive the service.
  ReplayServiceImpl(ReplayShard* shard, StatsFn stats);

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

 private:
  ReplayShard* const shard_;
  const StatsFn stats_;
  std::atomic<uint64_t> streams_{0};  // Mixed into clock seeds.
};

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_REPLAY_SERVICE_IMPL_H_
