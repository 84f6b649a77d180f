// The evaluator's episode log: one parsable row per episode, appended across
// restarts, and a file that is something else left untouched.
#include "actor/eval_episode_log.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

EvaluatedEpisode Episode(int index, bool success, int goal_dim) {
  EvaluatedEpisode e;
  e.index = index;
  e.success = success;
  e.steps = success ? 7 : 50;
  e.start_distance = 0.25;
  e.min_distance = success ? 0.01 : 0.125;
  e.final_distance = success ? 0.01 : 0.5;
  for (int i = 0; i < goal_dim; ++i) {
    e.start_achieved.push_back(0.5f * i);
    e.goal.push_back(-1.0f + i);
    e.final_achieved.push_back(0.25f);
  }
  return e;
}

TEST(EvalEpisodeLog, WritesAHeaderAndARowPerEpisode) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/episodes_rows.csv");
  std::remove(path.c_str());
  {
    auto log = EvalEpisodeLog::Open(path);
    ASSERT_TRUE(log.ok()) << log.status();
    const std::vector<EvaluatedEpisode> episodes = {Episode(0, true, 2), Episode(1, false, 2)};
    ASSERT_TRUE((*log)->Append(/*policy_version=*/42, /*evaluation=*/3, episodes).ok());
  }
  const std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], EvalEpisodeLog::Header());
  EXPECT_EQ(lines[1], "42,3,0,1,7,0.25,0.01,0.01,0 0.5,-1 0,0.25 0.25");
  EXPECT_EQ(lines[2], "42,3,1,0,50,0.25,0.125,0.5,0 0.5,-1 0,0.25 0.25");
  // Every row has the header's columns.
  const size_t columns = std::vector<std::string>(absl::StrSplit(lines[0], ',')).size();
  for (size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ(std::vector<std::string>(absl::StrSplit(lines[i], ',')).size(), columns);
  }
}

TEST(EvalEpisodeLog, LeavesLongGoalsOutAndAppendsAfterARestart) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/episodes_append.csv");
  std::remove(path.c_str());
  for (int evaluation = 0; evaluation < 2; ++evaluation) {
    auto log = EvalEpisodeLog::Open(path);  // A restarted evaluator.
    ASSERT_TRUE(log.ok()) << log.status();
    const std::vector<EvaluatedEpisode> episodes = {
        Episode(0, false, kMaxLoggedGoalDim + 1)};
    ASSERT_TRUE((*log)->Append(5 + evaluation, evaluation, episodes).ok());
  }
  const std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 3u);  // One header.
  EXPECT_EQ(lines[1], "5,0,0,0,50,0.25,0.125,0.5,,,");
  EXPECT_EQ(lines[2], "6,1,0,0,50,0.25,0.125,0.5,,,");
}

TEST(EvalEpisodeLog, RefusesAFileThatIsSomethingElse) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/not_a_log.csv");
  { std::ofstream(path) << "step,loss\n1,0.5\n"; }
  auto log = EvalEpisodeLog::Open(path);
  ASSERT_EQ(log.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(log.status().message().find(path), std::string::npos);
  EXPECT_EQ(Lines(path), (std::vector<std::string>{"step,loss", "1,0.5"}));

  auto missing = EvalEpisodeLog::Open(
      absl::StrCat(::testing::TempDir(), "/no/such/directory/episodes.csv"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace hem
