// Fuzzes what an Insert stream accepts: any bytes as a hem.v1.Trajectory of
// one of a few catalogue specs (the first byte picks the spec, and whether
// its spec_id and env_name are set to match). A trajectory that validates
// is stored and sampled with every strategy: validation must rule out
// everything the sampler cannot handle, and the episode must round-trip.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/env_catalog.h"
#include "proto/replay_service.pb.h"
#include "replay_service/episode.h"
#include "replay_service/hindsight_sampler.h"
#include "replay_service/replay_shard.h"
#include "replay_service/trajectory_validator.h"

namespace {

const char* const kSpecs[] = {"flip_bit:k=8", "fetch_reach", "nav:k=2",
                              "point_mass", "reacher"};
constexpr int kNumSpecs = sizeof(kSpecs) / sizeof(kSpecs[0]);

struct Setup {
  std::vector<hem::v1::EnvSpec> specs;
  std::unique_ptr<hem::ReplayShard> shard;
};

Setup& Get() {
  static Setup* setup = [] {
    auto* s = new Setup;
    hem::ReplayShardConfig config;
    config.table.capacity_transitions = 2000;
    s->shard = std::make_unique<hem::ReplayShard>(config);
    for (const char* name : kSpecs) {
      s->specs.push_back(*hem::MakeEnvSpec(name));
      if (!s->shard->RegisterSpec(s->specs.back()).ok()) std::abort();
    }
    return s;
  }();
  return *setup;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Setup& setup = Get();
  const hem::v1::EnvSpec& spec = setup.specs[data[0] % kNumSpecs];
  hem::v1::Trajectory trajectory;
  if (!trajectory.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  if (data[0] & 0x80) {
    trajectory.set_spec_id(spec.spec_id());
    trajectory.set_env_name(spec.env_name());
  }
  if (!hem::ValidateTrajectory(spec, trajectory).ok()) return 0;
  const hem::v1::Trajectory copy = trajectory;
  auto episode = hem::EpisodeFromTrajectory(&trajectory, spec);
  const hem::v1::Trajectory back = hem::TrajectoryFromEpisode(*episode, spec);
  if (!hem::ValidateTrajectory(spec, back).ok()) std::abort();
  hem::v1::Trajectory stored = copy;
  auto outcome = setup.shard->Insert(&stored, absl::InfiniteFuture(), nullptr);
  if (!outcome.ok() || !outcome->stored) std::abort();
  auto table = setup.shard->AwaitTable(spec.spec_id(), absl::InfiniteFuture(), nullptr);
  if (!table.ok()) std::abort();
  for (auto strategy : {hem::v1::RELABEL_NONE, hem::v1::RELABEL_FUTURE,
                        hem::v1::RELABEL_FINAL, hem::v1::RELABEL_EPISODE,
                        hem::v1::RELABEL_RANDOM}) {
    hem::HindsightOptions options;
    options.batch_size = 16;
    options.strategy = strategy;
    options.relabel_probability = 0.5;
    options.with_next = true;
    if (!hem::ValidateHindsightOptions(options, spec).ok()) continue;
    hem::HindsightSampler sampler(&(*table)->table, options, size);
    hem::v1::Batch batch;
    if (!sampler.Sample(&batch).ok()) std::abort();
  }
  return 0;
}
