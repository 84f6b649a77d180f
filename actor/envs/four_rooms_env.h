// four_rooms (paper C.4, Sutton, Precup & Singh 1999): an 11x11 grid split
// into four rooms by walls with four one-cell doorways. Actions 0..3 move
// up (row-1), right (col+1), down (row+1), left (col-1); a move into a wall or
// off the grid leaves the agent in place. Observation and goal are the cell
// (row, col) / 10, so both lie in [0,1]^2 and success is an exact match.
// Start and goal are distinct free cells drawn uniformly.
#ifndef HEM_ACTOR_ENVS_FOUR_ROOMS_ENV_H_
#define HEM_ACTOR_ENVS_FOUR_ROOMS_ENV_H_

#include <memory>

#include "actor/envs/env.h"
#include "proto/env_spec.pb.h"

namespace hem {

inline constexpr int kFourRoomsSize = 11;

// True when (row, col) is inside the grid and not a wall.
bool FourRoomsIsFree(int row, int col);

// The cell reached from (row, col) by `action` (0..3), walls respected.
void FourRoomsMove(int action, int* row, int* col);

// REQUIRES: spec == MakeEnvSpec("four_rooms...").
std::unique_ptr<Env> NewFourRoomsEnv(const hem::v1::EnvSpec& spec);

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_FOUR_ROOMS_ENV_H_
