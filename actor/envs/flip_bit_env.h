// flip_bit:k=K (paper 4.1, from HER): K bits, action i flips bit i, success
// when the bits equal the goal. Start and goal are independent uniform bit
// strings, redrawn until they differ so no episode starts solved.
#ifndef HEM_ACTOR_ENVS_FLIP_BIT_ENV_H_
#define HEM_ACTOR_ENVS_FLIP_BIT_ENV_H_

#include <memory>

#include "actor/envs/env.h"
#include "proto/env_spec.pb.h"

namespace hem {

// REQUIRES: spec == MakeEnvSpec("flip_bit:...").
std::unique_ptr<Env> NewFlipBitEnv(const hem::v1::EnvSpec& spec);

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_FLIP_BIT_ENV_H_
