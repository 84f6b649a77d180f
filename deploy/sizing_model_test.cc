#include "deploy/sizing_model.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"

namespace hem {
namespace {

// Round numbers so the expected rates can be worked out by hand: an actor
// step costs 10 us (100 k steps/s on a core), an update 4 ms (250/s).
SizingCosts RoundCosts() {
  SizingCosts costs;
  costs.tasks["point_mass"].env_step_seconds = 6e-6;
  costs.tasks["point_mass"].learner_update_seconds = 4e-3;
  costs.inference_seconds_per_row = 3e-6;
  costs.inference_seconds_per_batch = 32e-6;  // 1 us per row at M = 32.
  return costs;
}

SizingRun PointMassRun(int actors, double samples_per_insert) {
  SizingRun run;
  run.task = "point_mass";
  run.actors = actors;
  run.envs_per_actor = 32;
  run.samples_per_insert = samples_per_insert;
  run.batch_size = 256;
  run.evaluators = 0;
  EXPECT_TRUE(FillFromEnvSpec({256, 256, 256}, &run).ok());
  return run;
}

SizingCluster TwoCores() {
  SizingCluster cluster;
  cluster.cores_per_node = 2;
  return cluster;
}

TEST(SizingCosts, ParsesGlobalAndTaskNamesAndComments) {
  absl::StatusOr<SizingCosts> costs = ParseSizingCosts(
      "# measured costs\n"
      "inference_seconds_per_row 3.4e-6   # actor_benchmark --breakdown\n"
      "\n"
      "task.flip_bit:k=10.env_step_seconds 1e-7\n"
      "task.point_mass.learner_update_seconds 0.004\n"
      "cores_available 1.5\n");
  ASSERT_TRUE(costs.ok()) << costs.status();
  EXPECT_DOUBLE_EQ(costs->inference_seconds_per_row, 3.4e-6);
  EXPECT_DOUBLE_EQ(costs->tasks.at("flip_bit:k=10").env_step_seconds, 1e-7);
  EXPECT_DOUBLE_EQ(costs->tasks.at("point_mass").learner_update_seconds, 0.004);
  EXPECT_DOUBLE_EQ(costs->cores_available, 1.5);
}

TEST(SizingCosts, RejectsUnknownNamesAndBadNumbersByLine) {
  absl::StatusOr<SizingCosts> unknown = ParseSizingCosts("\nweight_load 1\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("line 2"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("weight_load"), std::string::npos);
  EXPECT_FALSE(ParseSizingCosts("task.point_mass.bogus 1").ok());
  EXPECT_FALSE(ParseSizingCosts("weight_load_seconds -1").ok());
  EXPECT_FALSE(ParseSizingCosts("weight_load_seconds fast").ok());
  EXPECT_FALSE(ParseSizingCosts("weight_load_seconds").ok());
}

TEST(SizingRunFromSpec, PointMassEpisodeAndWeightBytes) {
  SizingRun run = PointMassRun(1, 8);
  // point_mass: observation 4, goal 2, action 2 (float32), horizon from the spec.
  const int t = run.horizon;
  ASSERT_GT(t, 0);
  EXPECT_DOUBLE_EQ(run.bytes_per_episode, (t + 1) * (16 + 8) + 8 + t * (8 + 1));
  EXPECT_DOUBLE_EQ(run.bytes_per_sampled_transition, 16 + 8 + 8 + 8);
  // 6 -> 256 -> 256 -> 256 -> 2, plus sigma.
  EXPECT_DOUBLE_EQ(run.weight_bytes,
                   4.0 * (6 * 256 + 256 + 2 * (256 * 256 + 256) + 256 * 2 + 2 + 1));
}

TEST(PredictThroughput, RateLimitedIsLearnerBoundWhenActorsHaveSpareCpu) {
  // Learner: 250 updates/s x 256 / 8 = 8000 inserts/s, 0.08 core of one
  // actor; learner 1 core; 1.08 <= 2 cores. So learner-bound.
  for (int actors : {1, 2, 4}) {
    absl::StatusOr<SizingPrediction> p =
        PredictThroughput(RoundCosts(), TwoCores(), PointMassRun(actors, 8));
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_NEAR(p->updates_per_second, 250, 0.5) << actors;
    EXPECT_NEAR(p->env_steps_per_second, 8000, 10) << actors;
    EXPECT_NEAR(p->samples_per_second, 64000, 100) << actors;
    EXPECT_NE(p->limited_by.find("learner"), std::string::npos) << p->limited_by;
    EXPECT_NEAR(p->actors_one_learner_absorbs, 0.08, 1e-6);
  }
}

TEST(PredictThroughput, LearnerCostScalesWithBatchFromTheReferenceBatch) {
  // 4 ms at batch 256, 10 us per sample more: 6.56 ms at 512, 1.44 ms at 0.
  SizingCosts costs = RoundCosts();
  costs.tasks["point_mass"].learner_update_seconds_per_sample = 10e-6;
  SizingRun run = PointMassRun(2, 8);
  run.batch_size = 512;
  absl::StatusOr<SizingPrediction> p = PredictThroughput(costs, TwoCores(), run);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_NEAR(p->learner_update_seconds, 6.56e-3, 1e-9);
  EXPECT_NEAR(p->updates_per_second, 1 / 6.56e-3, 0.1);
  EXPECT_NEAR(p->env_steps_per_second, 512 / 8 / 6.56e-3, 10);
}

TEST(PredictThroughput, RateLimitedIsActorBoundWhenLearnerWantsMore) {
  // samples_per_insert 0.5: the learner would need 125 k steps/s, the one
  // actor gives at most 100 k (its core); the learner then runs at
  // 100 k x 0.5 / 256 = 195 updates/s (0.78 core). 1.78 cores <= 2.
  absl::StatusOr<SizingPrediction> p =
      PredictThroughput(RoundCosts(), TwoCores(), PointMassRun(1, 0.5));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_NEAR(p->env_steps_per_second, 100000, 100);
  EXPECT_NEAR(p->updates_per_second, 100000 * 0.5 / 256, 0.5);
  EXPECT_NE(p->limited_by.find("actors"), std::string::npos) << p->limited_by;
}

TEST(PredictThroughput, RateLimitedIsCoreBoundWhenEverythingSharesOneCore) {
  // One core: x * 10 us + (x / 32) * 4 ms = 1 core -> x = 1 / (10e-6 + 125e-6).
  SizingCluster one_core = TwoCores();
  one_core.cores_per_node = 1;
  absl::StatusOr<SizingPrediction> p =
      PredictThroughput(RoundCosts(), one_core, PointMassRun(2, 8));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_NEAR(p->env_steps_per_second, 1 / 135e-6, 10);
  EXPECT_NE(p->limited_by.find("cores"), std::string::npos) << p->limited_by;
}

TEST(PredictThroughput, FreeRunningActorsTakeCoresFromTheLearner) {
  // No rate limit, 2 cores, N actors + learner all hungry: each gets
  // min(1, 2 / (N + 1)) cores.
  struct Case {
    int actors;
    double share;
  };
  for (const Case& c : {Case{1, 1.0}, Case{2, 2.0 / 3}, Case{4, 0.4}}) {
    absl::StatusOr<SizingPrediction> p =
        PredictThroughput(RoundCosts(), TwoCores(), PointMassRun(c.actors, 0));
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_NEAR(p->env_steps_per_second, c.actors * c.share * 1e5, 50) << c.actors;
    EXPECT_NEAR(p->updates_per_second, c.share * 250, 0.5) << c.actors;
  }
}

TEST(PredictThroughput, SmallClaimsAreServedFirstThenTheRestSplit) {
  // Shards cost 1 us per insert: at 1 actor the fixed point has the shard
  // take x * 1e-6 cores and the two hungry threads split the rest.
  SizingCosts costs = RoundCosts();
  costs.shard_insert_seconds_per_transition = 1e-6;
  absl::StatusOr<SizingPrediction> p = PredictThroughput(costs, TwoCores(), PointMassRun(1, 0));
  ASSERT_TRUE(p.ok()) << p.status();
  // share f = (2 - x * 1e-6) / 2 and x = f * 1e5 -> f = 2 / 2.1.
  EXPECT_NEAR(p->env_steps_per_second, 2 / 2.1 * 1e5, 100);
  EXPECT_NEAR(p->updates_per_second, 2 / 2.1 * 250, 0.5);
}

TEST(PredictThroughput, GpuLearnerOnItsOwnNodeAbsorbsManyActors) {
  SizingCosts costs = RoundCosts();
  costs.gpu_update_seconds = 2e-3;  // 500 updates/s, batch-independent.
  SizingCluster cluster;
  cluster.nodes = 9;
  cluster.cores_per_node = 32;
  cluster.gpus = 1;
  SizingRun run = PointMassRun(256, 8);
  run.batch_size = 4096;
  absl::StatusOr<SizingPrediction> p = PredictThroughput(costs, cluster, run);
  ASSERT_TRUE(p.ok()) << p.status();
  // Learner demand 500 x 4096 / 8 = 256 k steps/s; 256 actors could give
  // 25.6 M: learner-bound, and one learner absorbs 2.56 actors.
  EXPECT_NEAR(p->updates_per_second, 500, 1);
  EXPECT_NEAR(p->env_steps_per_second, 256000, 300);
  EXPECT_NEAR(p->actors_one_learner_absorbs, 2.56, 1e-6);
  // Every actor receives 50 versions/s of the weights.
  EXPECT_NEAR(p->actor_bytes_in, 50 * run.weight_bytes, run.weight_bytes);
  EXPECT_NEAR(p->learner_bytes_out, 256 * p->actor_bytes_in, 1);
}

TEST(PredictThroughput, ShardsNeededFollowsShardLoad) {
  SizingCosts costs = RoundCosts();
  costs.shard_insert_seconds_per_transition = 0.5e-6;
  costs.shard_sample_seconds_per_transition = 0.4e-6;
  SizingRun run = PointMassRun(2, 8);
  absl::StatusOr<SizingPrediction> p = PredictThroughput(costs, TwoCores(), run);
  ASSERT_TRUE(p.ok()) << p.status();
  const double load = p->env_steps_per_second * 0.5e-6 + p->samples_per_second * 0.4e-6;
  EXPECT_NEAR(p->shard_load, load, 1e-9);
  EXPECT_EQ(p->shards_needed, 1);
  SizingCluster strict = TwoCores();
  strict.max_shard_utilization = load / 3.5;
  p = PredictThroughput(costs, strict, run);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->shards_needed, 4);
}

TEST(FormatPrediction, GroupsThreadsByKindAndTotalsNodes) {
  SizingCosts costs = RoundCosts();
  costs.weight_load_seconds = 1.2e-3;
  const SizingRun run = PointMassRun(4, 8);
  absl::StatusOr<SizingPrediction> p = PredictThroughput(costs, TwoCores(), run);
  ASSERT_TRUE(p.ok()) << p.status();
  const std::string text = FormatPrediction(TwoCores(), run, *p);
  // 8000 steps/s over 4 actors at 10 us: 0.02 core each; 25 versions/s x 1.2 ms.
  EXPECT_NE(text.find("actor stepping 0.02 x 4;"), std::string::npos) << text;
  EXPECT_NE(text.find("actor weight loading 0.03 x 4;"), std::string::npos) << text;
  EXPECT_NE(text.find("learner training 1.00;"), std::string::npos) << text;
  EXPECT_NE(text.find("node 0 1.20 of 2"), std::string::npos) << text;
  EXPECT_EQ(text.find("actor 3"), std::string::npos) << text;
}

TEST(PredictThroughput, UnknownTaskAndEmptyRunsAreErrors) {
  SizingRun run = PointMassRun(1, 8);
  run.task = "reacher";
  EXPECT_EQ(PredictThroughput(RoundCosts(), TwoCores(), run).status().code(),
            absl::StatusCode::kNotFound);
  run = PointMassRun(1, 8);
  run.actors = 0;
  EXPECT_EQ(PredictThroughput(RoundCosts(), TwoCores(), run).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hem
