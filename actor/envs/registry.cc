// CreateEnv: the registry from task names to implementations.
#include <memory>

#include "absl/strings/str_cat.h"
#include "actor/envs/env.h"
#include "actor/envs/flip_bit_env.h"
#include "actor/envs/four_rooms_env.h"
#include "actor/envs/nav_env.h"
#include "actor/envs/point_mass_env.h"
#include "actor/envs/reach_envs.h"
#include "actor/envs/reacher_env.h"
#include "common/env_catalog.h"
#include "common/status_macros.h"

namespace hem {

absl::StatusOr<std::unique_ptr<Env>> CreateEnv(absl::string_view name) {
  HEM_ASSIGN_OR_RETURN(EnvName parsed, ParseEnvName(name));
  HEM_ASSIGN_OR_RETURN(hem::v1::EnvSpec spec, MakeEnvSpec(name));
  if (parsed.task == "flip_bit") return NewFlipBitEnv(spec);
  if (parsed.task == "nav") return NewNavEnv(spec);
  if (parsed.task == "four_rooms") return NewFourRoomsEnv(spec);
  if (parsed.task == "point_mass") return NewPointMassEnv(spec);
  if (parsed.task == "reacher") return NewReacherEnv(spec);
  if (parsed.task == "fetch_reach") return NewFetchReachEnv(spec);
  if (parsed.task == "sawyer_reach") return NewSawyerReachEnv(spec);
  return absl::UnimplementedError(
      absl::StrCat("env '", parsed.task, "' is in the catalogue but has no implementation"));
}

}  // namespace hem
