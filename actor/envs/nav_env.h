// nav:k=K (paper 4.1): a point in [-1,1]^K moved by actions in [-0.2,0.2]^K
// (state += action, clipped to the cube); success when ||s - g|| < 0.1.
// Start and goal are independent uniform points in the cube, the goal redrawn
// while it already succeeds at the start.
#ifndef HEM_ACTOR_ENVS_NAV_ENV_H_
#define HEM_ACTOR_ENVS_NAV_ENV_H_

#include <memory>

#include "actor/envs/env.h"
#include "proto/env_spec.pb.h"

namespace hem {

// REQUIRES: spec == MakeEnvSpec("nav:...").
std::unique_ptr<Env> NewNavEnv(const hem::v1::EnvSpec& spec);

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_NAV_ENV_H_
