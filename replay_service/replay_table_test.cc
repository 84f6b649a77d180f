// Tests of one table: FIFO eviction, accounting and transition access.
#include "replay_service/replay_table.h"

#include <map>
#include <vector>

#include "common/env_catalog.h"
#include "gtest/gtest.h"
#include "replay_service/replay_testing.h"

namespace hem {
namespace {

std::shared_ptr<const Episode> MakeEpisode(const hem::v1::EnvSpec& spec,
                                           uint64_t actor, uint64_t id,
                                           int steps) {
  testing::TrajectoryOptions options;
  options.num_steps = steps;
  hem::v1::Trajectory trajectory = testing::MakeTrajectory(spec, actor, id, options);
  return EpisodeFromTrajectory(&trajectory, spec);
}

std::vector<uint64_t> StoredIds(const ReplayTable& table) {
  std::vector<uint64_t> ids;
  for (const auto& episode : table.Snapshot()) ids.push_back(episode->episode_id);
  return ids;
}

TEST(ReplayTable, EvictsWholeEpisodesOldestFirst) {
  auto spec = MakeEnvSpec("fetch_reach");
  ASSERT_TRUE(spec.ok());
  ReplayTableOptions options;
  options.capacity_transitions = 100;
  ReplayTable table(*spec, options);
  // 10 episodes of 10..19 steps: 145 transitions in total.
  for (int e = 0; e < 10; ++e) table.Insert(MakeEpisode(*spec, 1, e, 10 + e));
  const ReplayTable::Stats stats = table.stats();
  // Oldest first: 0 (10), 1 (11), 2 (12) go: 145 - 33 = 112 > 100, then 3
  // (13): 99.
  EXPECT_EQ(StoredIds(table), (std::vector<uint64_t>{4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(stats.transitions, 14 + 15 + 16 + 17 + 18 + 19);
  EXPECT_EQ(stats.episodes, 6);
  EXPECT_EQ(stats.evicted_episodes, 4);
  EXPECT_EQ(stats.inserted_episodes, 10);
  EXPECT_EQ(stats.inserted_transitions, 145);
  EXPECT_LE(stats.transitions, options.capacity_transitions);
}

TEST(ReplayTable, NeverEvictsTheNewestEpisode) {
  auto spec = MakeEnvSpec("fetch_reach");
  ASSERT_TRUE(spec.ok());
  ReplayTableOptions options;
  options.capacity_transitions = 5;
  ReplayTable table(*spec, options);
  table.Insert(MakeEpisode(*spec, 1, 1, 20));
  table.Insert(MakeEpisode(*spec, 1, 2, 30));
  EXPECT_EQ(StoredIds(table), (std::vector<uint64_t>{2}));
  EXPECT_EQ(table.stats().transitions, 30);
}

TEST(ReplayTable, AccountsBytesExactlyAndHonoursByteCapacity) {
  auto spec = MakeEnvSpec("nav:k=2");
  ASSERT_TRUE(spec.ok());
  std::vector<std::shared_ptr<const Episode>> episodes;
  for (int e = 0; e < 6; ++e) episodes.push_back(MakeEpisode(*spec, 1, e, 20));
  const int64_t per_episode = episodes[0]->MemoryBytes();
  // Observations (21 x 2 floats) alone are 168 bytes; the accounting includes
  // every buffer.
  EXPECT_GE(per_episode, 21 * 2 * 4 + 21 * 2 * 4 + 2 * 4 + 20 * 2 * 4 + 20);
  ReplayTableOptions options;
  options.capacity_bytes = per_episode * 3;
  ReplayTable table(*spec, options);
  int64_t expected = 0;
  for (int e = 0; e < 6; ++e) {
    table.Insert(episodes[e]);
    expected += episodes[e]->MemoryBytes();
    if (e >= 3) expected -= episodes[e - 3]->MemoryBytes();
    EXPECT_EQ(table.stats().bytes, expected) << "after episode " << e;
  }
  EXPECT_EQ(StoredIds(table), (std::vector<uint64_t>{3, 4, 5}));
}

TEST(ReplayTable, DropsDuplicateActorEpisodePairs) {
  auto spec = MakeEnvSpec("fetch_reach");
  ASSERT_TRUE(spec.ok());
  ReplayTable table(*spec, ReplayTableOptions{});
  EXPECT_EQ(table.Insert(MakeEpisode(*spec, 1, 7, 10)),
            ReplayTable::InsertResult::kStored);
  EXPECT_EQ(table.Insert(MakeEpisode(*spec, 1, 7, 10)),
            ReplayTable::InsertResult::kDuplicate);
  EXPECT_EQ(table.Insert(MakeEpisode(*spec, 2, 7, 10)),
            ReplayTable::InsertResult::kStored);
  EXPECT_EQ(table.stats().episodes, 2);
  EXPECT_EQ(table.stats().duplicate_episodes, 1);
}

TEST(ReplayTable, EvictedEpisodeMayBeInsertedAgain) {
  auto spec = MakeEnvSpec("fetch_reach");
  ASSERT_TRUE(spec.ok());
  ReplayTableOptions options;
  options.capacity_transitions = 10;
  ReplayTable table(*spec, options);
  table.Insert(MakeEpisode(*spec, 1, 1, 10));
  table.Insert(MakeEpisode(*spec, 1, 2, 10));
  EXPECT_EQ(table.Insert(MakeEpisode(*spec, 1, 1, 10)),
            ReplayTable::InsertResult::kStored);
}

TEST(ReplayTable, LocateMapsEveryTransitionToItsEpisodeAndStep) {
  auto spec = MakeEnvSpec("fetch_reach");
  ASSERT_TRUE(spec.ok());
  ReplayTableOptions options;
  options.capacity_transitions = 40;
  ReplayTable table(*spec, options);
  for (int e = 0; e < 8; ++e) table.Insert(MakeEpisode(*spec, 1, e, 3 + e));
  ReplayTable::Reader reader(&table);
  const int64_t first = reader.first_transition();
  std::map<uint64_t, std::vector<int>> steps;
  for (int64_t i = 0; i < reader.num_transitions(); ++i) {
    auto [episode, t] = reader.Locate(first + i);
    steps[episode->episode_id].push_back(t);
  }
  int64_t total = 0;
  for (const auto& [id, ts] : steps) {
    ASSERT_EQ(static_cast<int>(ts.size()), 3 + static_cast<int>(id));
    for (size_t k = 0; k < ts.size(); ++k) EXPECT_EQ(ts[k], static_cast<int>(k));
    total += ts.size();
  }
  EXPECT_EQ(total, reader.num_transitions());
}

}  // namespace
}  // namespace hem
