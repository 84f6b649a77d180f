#include "actor/envs/four_rooms_env.h"

#include <vector>

#include "actor/envs/action_util.h"
#include "actor/envs/env_rng.h"
#include "common/env_spec_util.h"

namespace hem {
namespace {

// '#' is wall. Doorways: (2,5), (9,5) between the left and right rooms, and
// (5,1), (6,8) between the upper and lower rooms (the walls are offset, as
// in the original layout).
constexpr const char* kLayout[kFourRoomsSize] = {
    ".....#.....",  //
    ".....#.....",  //
    "...........",  //
    ".....#.....",  //
    ".....#.....",  //
    "#.####.....",  //
    ".....###.##",  //
    ".....#.....",  //
    ".....#.....",  //
    "...........",  //
    ".....#.....",  //
};

constexpr int kRowDelta[4] = {-1, 0, 1, 0};
constexpr int kColDelta[4] = {0, 1, 0, -1};

std::vector<std::pair<int, int>> FreeCells() {
  std::vector<std::pair<int, int>> cells;
  for (int r = 0; r < kFourRoomsSize; ++r) {
    for (int c = 0; c < kFourRoomsSize; ++c) {
      if (FourRoomsIsFree(r, c)) cells.emplace_back(r, c);
    }
  }
  return cells;
}

class FourRoomsEnv : public Env {
 public:
  explicit FourRoomsEnv(const hem::v1::EnvSpec& spec) : spec_(spec), free_(FreeCells()) {}

  const hem::v1::EnvSpec& spec() const override { return spec_; }

  void Reset(uint64_t seed, const ObservationSlot& out) override {
    EnvRng rng(seed);
    const int n = static_cast<int>(free_.size());
    const int start = rng.UniformInt(n);
    const int goal = (start + 1 + rng.UniformInt(n - 1)) % n;  // != start.
    row_ = free_[start].first;
    col_ = free_[start].second;
    goal_[0] = Encode(free_[goal].first);
    goal_[1] = Encode(free_[goal].second);
    if (out.desired_goal != nullptr) {
      out.desired_goal[0] = goal_[0];
      out.desired_goal[1] = goal_[1];
    }
    Write(out);
  }

  bool Step(absl::Span<const float> action, const ObservationSlot& out) override {
    FourRoomsMove(DiscreteAction(action, 4), &row_, &col_);
    Write(out);
    const float achieved[2] = {Encode(row_), Encode(col_)};
    return IsSuccess(spec_.success(), achieved, goal_);
  }

 private:
  static float Encode(int cell) {
    return static_cast<float>(cell) / static_cast<float>(kFourRoomsSize - 1);
  }

  void Write(const ObservationSlot& out) const {
    const float cell[2] = {Encode(row_), Encode(col_)};
    for (float* dst : {out.state, out.achieved_goal}) {
      if (dst != nullptr) {
        dst[0] = cell[0];
        dst[1] = cell[1];
      }
    }
  }

  const hem::v1::EnvSpec spec_;
  const std::vector<std::pair<int, int>> free_;
  int row_ = 0;
  int col_ = 0;
  float goal_[2] = {0, 0};
};

}  // namespace

bool FourRoomsIsFree(int row, int col) {
  return row >= 0 && row < kFourRoomsSize && col >= 0 && col < kFourRoomsSize &&
         kLayout[row][col] == '.';
}

void FourRoomsMove(int action, int* row, int* col) {
  const int r = *row + kRowDelta[action];
  const int c = *col + kColDelta[action];
  if (FourRoomsIsFree(r, c)) {
    *row = r;
    *col = c;
  }
}

std::unique_ptr<Env> NewFourRoomsEnv(const hem::v1::EnvSpec& spec) {
  return std::make_unique<FourRoomsEnv>(spec);
}

}  // namespace hem
