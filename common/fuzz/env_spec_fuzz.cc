// Fuzzes spec validation, the gate before a shard builds a table or an
// actor a network: any bytes as a hem.v1.EnvSpec (its spec_id fixed up, so
// the fuzzer gets past the fingerprint), through ValidateEnvSpec. A spec
// that validates must give sizes that fit the bounds it promises.
#include <cstdint>
#include <cstdlib>

#include "common/env_spec_util.h"
#include "proto/env_spec.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hem::v1::EnvSpec spec;
  if (!spec.ParseFromArray(data, static_cast<int>(size))) return 0;
  (void)hem::ValidateEnvSpec(spec);  // With whatever spec_id it carries.
  hem::AssignSpecId(&spec);
  if (!hem::ValidateEnvSpec(spec).ok()) return 0;
  if (hem::ObservationSize(spec) > hem::kMaxSpecElements ||
      hem::GoalObservationSize(spec) > hem::kMaxSpecElements ||
      hem::ActionDim(spec) > hem::kMaxActionDim || spec.horizon() > hem::kMaxHorizon) {
    std::abort();
  }
  return 0;
}
