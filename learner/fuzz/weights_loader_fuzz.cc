// Fuzzes what an actor does with weights from the wire: any bytes as the
// PolicyWeights.weights of a small policy, through Policy::LoadWeights
// (the archive guard, then LibTorch on the rebased archive, then the finite
// check). Loading must fail cleanly or leave a policy that acts.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/env_catalog.h"
#include "common/env_spec_util.h"
#include "learner/policy.h"
#include "proto/policy.pb.h"

namespace {

struct Setup {
  hem::v1::PolicyWeights weights;
  std::unique_ptr<hem::Policy> policy;
};

Setup& Get() {
  static Setup* setup = [] {
    auto* s = new Setup;
    hem::SetPolicyThreads(1, 1);
    hem::v1::PolicyConfig config;
    *config.mutable_spec() = *hem::MakeEnvSpec("nav:k=2");
    config.add_hidden_sizes(8);
    config.set_normalize_inputs(true);
    s->weights = *hem::InitialPolicyWeights(config, 1, 1);
    s->policy = *hem::Policy::Create(s->weights.config(), 2);
    return s;
  }();
  return *setup;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Setup& setup = Get();
  hem::v1::PolicyWeights weights = setup.weights;
  weights.set_weights(std::string(reinterpret_cast<const char*>(data), size));
  if (!setup.policy->LoadWeights(weights).ok()) return 0;
  const hem::v1::EnvSpec& spec = setup.weights.config().spec();
  std::vector<float> states(2 * hem::ObservationSize(spec), 0.5f),
      goals(2 * spec.goal_dim(), -0.5f), actions(2 * hem::ActionDim(spec));
  hem::PolicyInputs inputs{2, states.data(), nullptr, goals.data(), nullptr};
  if (!setup.policy->Act(inputs, true, absl::MakeSpan(actions)).ok()) std::abort();
  return 0;
}
