// The actor against a real replay shard and a real parameter service on
// loopback: whole episodes only, the published policy in use, and a replay
// restart survived without duplicates.
#include "actor/actor_loop.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "actor/actor_flags.h"
#include "actor/envs/vector_env.h"
#include "actor/evaluation.h"
#include "common/env_spec_util.h"
#include "common/env_catalog.h"
#include "common/grpc_util.h"
#include "grpcpp/server.h"
#include "gtest/gtest.h"
#include "learner/parameter_service.h"
#include "learner/policy.h"
#include "replay_service/replay_server.h"

namespace hem {
namespace {

constexpr char kEnv[] = "flip_bit:k=6";

class ActorLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetPolicyThreads(1, 1);
    spec_ = *MakeEnvSpec(kEnv);
    replay_ = StartReplay(0);
    hem::v1::PolicyConfig config;
    *config.mutable_spec() = spec_;
    config.add_hidden_sizes(32);
    auto weights = InitialPolicyWeights(config, /*seed=*/3, /*version=*/0);
    ASSERT_TRUE(weights.ok()) << weights.status();
    ASSERT_TRUE(parameters_.Publish(*std::move(weights)).ok());
    int port = 0;
    auto server = StartServer(ListenAddress(0), {&parameters_}, &port);
    ASSERT_TRUE(server.ok()) << server.status();
    learner_ = *std::move(server);
    learner_address_ = absl::StrCat("127.0.0.1:", port);
  }

  void TearDown() override {
    parameters_.Stop();
    learner_->Shutdown();
  }

  std::unique_ptr<ReplayServer> StartReplay(int port) {
    ReplayServerConfig config;
    config.port = port;
    auto server = ReplayServer::Start(config);
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }

  ActorOptions Options() {
    ActorOptions options;
    options.env_name = kEnv;
    options.num_envs = 4;
    options.actor_id = 7;
    options.replay_addresses = {replay_->address()};
    options.learner_address = learner_address_;
    options.report_interval = absl::Milliseconds(50);
    return options;
  }

  // Every stored episode of the shard.
  static std::vector<std::shared_ptr<const Episode>> Episodes(ReplayServer& server) {
    std::vector<std::shared_ptr<const Episode>> all;
    for (auto& table : server.shard()->Snapshot()) {
      all.insert(all.end(), table.episodes.begin(), table.episodes.end());
    }
    return all;
  }

  // Whole episodes: each ends at the horizon or at its first success.
  void ExpectWholeEpisodes(const std::vector<std::shared_ptr<const Episode>>& episodes) {
    for (const auto& episode : episodes) {
      ASSERT_GE(episode->num_steps, 1);
      ASSERT_LE(episode->num_steps, spec_.horizon());
      const std::string& successes = episode->successes;
      for (int t = 0; t + 1 < episode->num_steps; ++t) {
        ASSERT_EQ(successes[t], 0) << "episode continued after success";
      }
      if (episode->num_steps < spec_.horizon()) {
        ASSERT_EQ(successes.back(), 1) << "episode cut short without success";
      }
    }
  }

  hem::v1::EnvSpec spec_;
  std::unique_ptr<ReplayServer> replay_;
  ParameterService parameters_{nullptr};
  std::unique_ptr<grpc::Server> learner_;
  std::string learner_address_;
};

TEST_F(ActorLoopTest, StreamsWholeEpisodesActingWithThePublishedPolicy) {
  ActorOptions options = Options();
  options.max_env_steps = 20000;
  ActorLoop loop(options);
  std::atomic<bool> stop{false};
  ASSERT_TRUE(loop.Run(stop).ok());

  const ActorProgress progress = loop.progress();
  EXPECT_GE(progress.env_steps, 20000);
  EXPECT_EQ(progress.policy_version, 0);
  EXPECT_GT(progress.episodes, 20000 / spec_.horizon());
  EXPECT_EQ(progress.trajectories_acknowledged, progress.episodes);

  auto episodes = Episodes(*replay_);
  EXPECT_EQ(static_cast<int64_t>(episodes.size()), progress.episodes);
  ExpectWholeEpisodes(episodes);
  std::set<uint64_t> ids;
  uint64_t first_with_policy = ~0ull, last_without_policy = 0;
  for (const auto& episode : episodes) {
    EXPECT_EQ(episode->actor_id, 7u);
    EXPECT_TRUE(ids.insert(episode->episode_id).second) << "duplicate episode";
    ASSERT_TRUE(episode->policy_version == 0 || episode->policy_version == -1);
    if (episode->policy_version == 0) {
      first_with_policy = std::min(first_with_policy, episode->episode_id);
    } else {
      last_without_policy = std::max(last_without_policy, episode->episode_id);
    }
  }
  // Random actions only until the weights arrive, the policy ever after
  // (episodes already running when they arrive keep their version).
  ASSERT_NE(first_with_policy, ~0ull) << "no episode used the published policy";
  EXPECT_LT(last_without_policy, first_with_policy + options.num_envs);
}

TEST_F(ActorLoopTest, SurvivesAReplayRestartWithoutDuplicatesOrPartialEpisodes) {
  const int port = replay_->port();
  ActorLoop loop(Options());
  std::atomic<bool> stop{false};
  absl::Status status;
  std::thread actor([&] { status = loop.Run(stop); });

  auto wait_for = [](auto condition) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (!condition() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
    return condition();
  };
  ASSERT_TRUE(wait_for([&] { return Episodes(*replay_).size() >= 20; }));
  ASSERT_TRUE(replay_->Shutdown().ok());
  replay_.reset();
  absl::SleepFor(absl::Milliseconds(500));  // The actor keeps running, blocked or not.
  replay_ = StartReplay(port);
  ASSERT_NE(replay_, nullptr);
  ASSERT_TRUE(wait_for([&] { return Episodes(*replay_).size() >= 20; }))
      << "the actor did not reconnect";
  stop.store(true);
  actor.join();
  ASSERT_TRUE(status.ok()) << status;

  auto episodes = Episodes(*replay_);
  ExpectWholeEpisodes(episodes);
  std::set<uint64_t> ids;
  for (const auto& episode : episodes) {
    EXPECT_TRUE(ids.insert(episode->episode_id).second)
        << "episode " << episode->episode_id << " stored twice";
  }
}

// Issue 11: an actor restarted with its actor_id (as a supervisor, Slurm or
// Kubernetes restarts it) used to count episode ids from 0 again, and the
// shard dropped every episode of its second life as a duplicate while the
// actor counted them as stored.
TEST_F(ActorLoopTest, ARestartedActorHasItsNewEpisodesStoredAndLogged) {
  const std::string ack_log = absl::StrCat(::testing::TempDir(), "/acks.txt");
  std::remove(ack_log.c_str());
  int64_t acknowledged = 0;
  for (int life = 0; life < 2; ++life) {
    ActorOptions options = Options();
    options.max_env_steps = 2000;
    options.ack_log = ack_log;
    ActorLoop loop(options);
    std::atomic<bool> stop{false};
    ASSERT_TRUE(loop.Run(stop).ok());
    const ActorProgress progress = loop.progress();
    EXPECT_EQ(progress.trajectories_acknowledged, progress.episodes);
    acknowledged += progress.trajectories_acknowledged;
    EXPECT_EQ(static_cast<int64_t>(Episodes(*replay_).size()), acknowledged)
        << "life " << life << ": episodes were dropped as duplicates";
  }
  std::map<uint64_t, int> stored;  // episode id -> steps.
  for (const auto& episode : Episodes(*replay_)) {
    EXPECT_TRUE(stored.emplace(episode->episode_id, episode->num_steps).second);
  }
  // The acknowledgement log: one line per stored episode, with its length.
  std::ifstream lines(ack_log);
  uint64_t actor_id = 0, episode_id = 0;
  int steps = 0, logged = 0;
  while (lines >> actor_id >> episode_id >> steps) {
    ++logged;
    EXPECT_EQ(actor_id, 7u);
    auto it = stored.find(episode_id);
    ASSERT_NE(it, stored.end()) << "acknowledged episode " << episode_id << " not stored";
    EXPECT_EQ(it->second, steps);
  }
  EXPECT_EQ(logged, acknowledged);
}

TEST_F(ActorLoopTest, AFixedFirstEpisodeIdCountsUpFromThere) {
  ActorOptions options = Options();
  options.max_env_steps = 200;
  options.first_episode_id = 1000;
  ActorLoop loop(options);
  std::atomic<bool> stop{false};
  ASSERT_TRUE(loop.Run(stop).ok());
  for (const auto& episode : Episodes(*replay_)) {
    EXPECT_GE(episode->episode_id, 1000u);
    EXPECT_LT(episode->episode_id, 1000u + loop.progress().episodes + options.num_envs);
  }
  options.first_episode_id = -2;
  EXPECT_NE(ActorFlagError(ActorLoop(options).Run(stop)).message().find("--first_episode_id"),
            absl::string_view::npos);
}

TEST_F(ActorLoopTest, BadOptionsAreRejectedByName) {
  ActorOptions options = Options();
  options.num_envs = 0;
  std::atomic<bool> stop{false};
  // The loop names the field; the flags layer reports it as the flag.
  absl::Status status = ActorFlagError(ActorLoop(options).Run(stop));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("--num_envs"), absl::string_view::npos);

  options = Options();
  options.replay_addresses.clear();
  EXPECT_NE(ActorFlagError(ActorLoop(options).Run(stop)).message().find("--replay"),
            absl::string_view::npos);

  options = Options();
  options.env_name = "flip_bit:k=0";
  EXPECT_NE(ActorLoop(options).Run(stop).message().find("k=0"), absl::string_view::npos);
}

TEST(EvaluatePolicy, RunsExactlyTheRequestedEpisodesOnFreshGoals) {
  auto envs = VectorEnv::Create("flip_bit:k=8", 6);
  ASSERT_TRUE(envs.ok()) << envs.status();
  auto result = EvaluatePolicy(**envs, /*policy=*/nullptr, /*episodes=*/25, /*seed=*/5);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->episodes, 25);
  EXPECT_GE(result->env_steps, 25);
  EXPECT_LE(result->env_steps, 25 * 8);
  // Random bit flips almost never match an 8-bit goal.
  EXPECT_LT(result->success_rate(), 0.3);
  EXPECT_NE(EpisodeSeed(1, 0, 0), EpisodeSeed(1, 0, 1));
  EXPECT_NE(EpisodeSeed(1, 0, 0), EpisodeSeed(1, 1, 0));
}

TEST(EvaluatePolicy, RecordsEachEpisodeWithTheSuccessRulesDistances) {
  auto envs = VectorEnv::Create("nav:k=2", 4);
  ASSERT_TRUE(envs.ok()) << envs.status();
  const hem::v1::EnvSpec& spec = (*envs)->spec();
  std::vector<EvaluatedEpisode> record;
  auto result = EvaluatePolicy(**envs, /*policy=*/nullptr, /*episodes=*/30, /*seed=*/9,
                               /*deterministic=*/true, &record);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(record.size(), 30u);
  std::set<int> indices;
  int successes = 0, steps = 0;
  for (const EvaluatedEpisode& e : record) {
    indices.insert(e.index);
    ASSERT_EQ(e.goal.size(), 2u);
    ASSERT_EQ(e.start_achieved.size(), 2u);
    ASSERT_EQ(e.final_achieved.size(), 2u);
    EXPECT_NEAR(e.start_distance, GoalDistance(spec.success(), e.start_achieved, e.goal), 1e-9);
    EXPECT_NEAR(e.final_distance, GoalDistance(spec.success(), e.final_achieved, e.goal), 1e-9);
    EXPECT_EQ(e.success, IsSuccess(spec.success(), e.final_achieved, e.goal));
    EXPECT_LE(e.min_distance, std::min(e.start_distance, e.final_distance));
    EXPECT_GE(e.steps, 1);
    // Early termination: a failure ran to the horizon.
    if (!e.success) {
      EXPECT_EQ(e.steps, spec.horizon());
    }
    successes += e.success;
    steps += e.steps;
  }
  EXPECT_EQ(indices.size(), 30u);
  EXPECT_EQ(*indices.rbegin(), 29);
  EXPECT_EQ(successes, result->successes);
  EXPECT_EQ(steps, result->env_steps);
}

}  // namespace
}  // namespace hem
