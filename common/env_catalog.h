// The catalogue of tasks: environment names with parameters, parsed once and
// turned into EnvSpecs as plain data.
//
// Names look like "flip_bit:k=50", "nav:k=40,horizon=50", "fetch_reach",
// "fetch_reach:image=84", "sawyer_reach:image=48,image_goal=1". Specs are
// pure data, so the replay service and the learner learn a task's shapes from
// its name without linking a simulator; the dynamics live with the actors
// (actor/envs/), whose registry checks it builds exactly these specs.
//
// Tasks and their parameters (every task also takes horizon=H):
//   flip_bit:k=K      K bits, K discrete actions, horizon K (paper 4.1)
//   nav:k=K           [-1,1]^K, actions [-0.2,0.2]^K, horizon 50 (paper 4.1)
//   four_rooms        11x11 grid with four rooms, 4 moves, horizon 50 (C.4)
//   point_mass        MuJoCo, obs 4, goal 2, action 2 (C.1)
//   reacher           MuJoCo, obs 11, goal 2, action 2 (C.1)
//   fetch_reach       MuJoCo, obs 10, goal 3, action 3 (C.1)
//   sawyer_reach      MuJoCo, obs 3, goal 3, action 3 (C.1)
// MuJoCo tasks take image=48|84 (uint8 w x w x 3 observations);
// sawyer_reach also takes image_goal=1 (requires image=...). reacher takes
// velocities=0: its state's two joint velocities read 0, as a single image
// shows none (a diagnostic for learning from pixels; states only).
#ifndef HEM_COMMON_ENV_CATALOG_H_
#define HEM_COMMON_ENV_CATALOG_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"
#include "proto/env_spec.pb.h"

namespace hem {

// A parsed environment name.
struct EnvName {
  std::string task;                          // "flip_bit"
  std::map<std::string, std::string> params;  // {"k": "50"}
};

// Splits "task:key=value,key=value". Errors on empty task, empty keys, a
// parameter given twice, or a missing '='.
absl::StatusOr<EnvName> ParseEnvName(absl::string_view name);

// Tasks the catalogue knows, in a stable order.
const std::vector<std::string>& KnownTasks();

// Builds the validated spec (spec_id assigned) for `name`. Errors name the
// offending parameter: unknown task, unknown parameter, k out of range, an
// unsupported image size.
absl::StatusOr<hem::v1::EnvSpec> MakeEnvSpec(absl::string_view name);

// Reads an integer parameter with a default, checking [min_value, max_value].
absl::StatusOr<int> IntParam(const EnvName& name, absl::string_view key,
                             int default_value, int min_value, int max_value);

// reacher's velocities=0|1 (default 1): whether its state holds the joint
// velocities. Read by the catalogue and by the env, so the default is one.
absl::StatusOr<bool> ReacherStateHasVelocities(const EnvName& name);

}  // namespace hem

#endif  // HEM_COMMON_ENV_CATALOG_H_
