// The actor's flags: defaults are ActorOptions' own, and library errors that
// name a field come out naming the flag.
#include "actor/actor_flags.h"

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(std::string, replay);
ABSL_DECLARE_FLAG(std::string, env);
ABSL_DECLARE_FLAG(int, num_envs);
ABSL_DECLARE_FLAG(double, epsilon);
ABSL_DECLARE_FLAG(bool, eval);
ABSL_DECLARE_FLAG(int, eval_episodes);
ABSL_DECLARE_FLAG(int, port);

namespace hem {
namespace {

class ActorFlagsTest : public ::testing::Test {
 protected:
  absl::FlagSaver saver_;  // Each test starts from the defaults.
};

TEST_F(ActorFlagsTest, DefaultsAreTheOptionsDefaults) {
  absl::SetFlag(&FLAGS_replay, "127.0.0.1:7001");
  absl::StatusOr<ActorOptions> options = ActorOptionsFromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  const ActorOptions defaults;
  EXPECT_EQ(options->env_name, defaults.env_name);
  EXPECT_EQ(options->num_envs, defaults.num_envs);
  EXPECT_EQ(options->num_envs, 32);  // The measured choice, not the old 8.
  EXPECT_EQ(options->actor_id, defaults.actor_id);
  EXPECT_EQ(options->seed, defaults.seed);
  EXPECT_EQ(options->learner_address, defaults.learner_address);
  EXPECT_EQ(options->exploration.action_noise, defaults.exploration.action_noise);
  EXPECT_EQ(options->exploration.epsilon, defaults.exploration.epsilon);
  EXPECT_EQ(options->max_env_steps, defaults.max_env_steps);
  EXPECT_EQ(options->status_port, defaults.status_port);
  EXPECT_EQ(options->torch_threads, defaults.torch_threads);
  EXPECT_EQ(options->eval, defaults.eval);
  EXPECT_EQ(options->eval_episodes, defaults.eval_episodes);
  EXPECT_EQ(options->eval_interval, defaults.eval_interval);
  EXPECT_EQ(options->eval_deterministic, defaults.eval_deterministic);
  EXPECT_EQ(options->replay_addresses, std::vector<std::string>{"127.0.0.1:7001"});
}

TEST_F(ActorFlagsTest, ErrorsNameTheFlag) {
  absl::SetFlag(&FLAGS_replay, "127.0.0.1:7001");
  absl::SetFlag(&FLAGS_num_envs, 0);
  EXPECT_EQ(ActorOptionsFromFlags().status().message(), "--num_envs: must be >= 1, got 0");

  absl::SetFlag(&FLAGS_num_envs, 4);
  absl::SetFlag(&FLAGS_env, "reachr");
  EXPECT_EQ(ActorOptionsFromFlags().status().message().rfind(
                "--env: unknown env 'reachr' (known: ", 0),
            0u);

  absl::SetFlag(&FLAGS_env, "flip_bit:k=5");
  absl::SetFlag(&FLAGS_epsilon, 2);
  EXPECT_EQ(ActorOptionsFromFlags().status().message(), "--epsilon: must be in [0, 1], got 2");

  absl::SetFlag(&FLAGS_epsilon, 0);
  absl::SetFlag(&FLAGS_port, 70000);
  EXPECT_EQ(ActorOptionsFromFlags().status().message(), "--port: 70000 not in [0, 65535]");

  absl::SetFlag(&FLAGS_port, 0);
  absl::SetFlag(&FLAGS_replay, "");
  EXPECT_EQ(ActorOptionsFromFlags().status().message().rfind("--replay: ", 0), 0u);

  // The evaluator needs no replay shards, but a learner.
  absl::SetFlag(&FLAGS_eval, true);
  EXPECT_EQ(ActorOptionsFromFlags().status().message(),
            "--learner: evaluation needs the learner");
}

TEST(ActorFlagError, RewritesOnlyKnownFields) {
  EXPECT_EQ(ActorFlagError(absl::InvalidArgumentError("eval_interval: x")).message(),
            "--eval_interval_seconds: x");
  EXPECT_EQ(ActorFlagError(absl::UnavailableError("status_port: busy")).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(ActorFlagError(absl::InvalidArgumentError("flip_bit: k=0")).message(),
            "flip_bit: k=0");
  EXPECT_TRUE(ActorFlagError(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace hem
