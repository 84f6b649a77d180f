// Fuzzes what a Sample call accepts: any bytes as a hem.v1.SampleRequest
// against a shard holding episodes. Options that resolve must fit the
// batch limit, and then a batch of them must be built without trouble.
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "common/env_catalog.h"
#include "proto/replay_service.pb.h"
#include "replay_service/replay_shard.h"
#include "replay_service/replay_testing.h"

namespace {

struct Setup {
  hem::v1::EnvSpec spec;
  std::unique_ptr<hem::ReplayShard> shard;
  hem::ReplayShard::SpecTable* table = nullptr;
};

Setup& Get() {
  static Setup* setup = [] {
    auto* s = new Setup;
    hem::ReplayShardConfig config;
    // A small limit keeps accepted batches quick to build.
    config.max_batch_bytes = 1 << 20;
    s->shard = std::make_unique<hem::ReplayShard>(config);
    s->spec = *hem::MakeEnvSpec("fetch_reach");
    if (!s->shard->RegisterSpec(s->spec).ok()) std::abort();
    for (int e = 0; e < 20; ++e) {
      hem::v1::Trajectory t = hem::testing::MakeTrajectory(s->spec, 1, e);
      if (!s->shard->Insert(&t, absl::InfiniteFuture(), nullptr).ok()) std::abort();
    }
    s->table = *s->shard->AwaitTable(0, absl::InfiniteFuture(), nullptr);
    return s;
  }();
  return *setup;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Setup& setup = Get();
  hem::v1::SampleRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  auto options = setup.shard->ResolveSampleOptions(request, setup.spec);
  if (!options.ok()) return 0;
  if (options->batch_size < 1 ||
      options->batch_size * hem::BatchBytesPerTransition(setup.table->table.layout(),
                                                         options->with_next) >
          setup.shard->config().max_batch_bytes) {
    std::abort();
  }
  hem::HindsightSampler sampler(&setup.table->table, *options, request.seed());
  hem::v1::Batch batch;
  if (!sampler.Sample(&batch).ok()) std::abort();
  return 0;
}
