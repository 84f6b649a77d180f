// launch.sh's flags: each sets its field and nothing else, values are
// parsed strictly, and errors - its own and the description's - name the
// flag as the user typed it.
#include "deploy/launch_flags.h"

#include <string>
#include <vector>

#include "deploy/run_description.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using hem::v1::RunDescription;

TEST(LaunchFlags, EachFlagSetsItsField) {
  RunDescription run = DefaultRunDescription();
  ASSERT_TRUE(ApplyLaunchFlags({"--env=point_mass", "--actors=4", "--shards=2", "--steps=0",
                                "--time_limit=60", "--samples_per_insert=0", "--seed=7",
                                "--checkpoint_seconds=10", "--max_restarts=3", "--tls",
                                "--insecure=false", "--learner_flags= --lr=1e-3  --sigma=0.5 ",
                                "--run_dir=/tmp/r"},
                               &run)
                  .ok());
  EXPECT_EQ(run.env(), "point_mass");
  EXPECT_EQ(run.actors().role().count(), 4);
  EXPECT_EQ(run.replay().role().count(), 2);
  EXPECT_TRUE(run.stop().has_max_env_steps());
  EXPECT_EQ(run.stop().max_env_steps(), 0);
  EXPECT_EQ(run.stop().time_limit_seconds(), 60);
  EXPECT_EQ(run.replay().samples_per_insert(), 0);
  EXPECT_EQ(run.seed(), 7u);
  EXPECT_EQ(run.checkpoint_seconds(), 10);
  EXPECT_EQ(run.restart().max_restarts(), 3);
  EXPECT_TRUE(run.network().tls());
  ASSERT_TRUE(ApplyLaunchFlags({"--backend=slurm"}, &run).ok());
  EXPECT_EQ(run.backend(), hem::v1::BACKEND_SLURM);
  EXPECT_TRUE(run.network().rendezvous());
  EXPECT_FALSE(run.network().insecure());
  ASSERT_EQ(run.learner().role().extra_flags_size(), 2);
  EXPECT_EQ(run.learner().role().extra_flags(0), "--lr=1e-3");
  EXPECT_EQ(run.learner().role().extra_flags(1), "--sigma=0.5");
  EXPECT_EQ(run.run_dir(), "/tmp/r");
  EXPECT_TRUE(LaunchFlagsSetRunDir({"--actors=1", "--run_dir=x"}));
  EXPECT_FALSE(LaunchFlagsSetRunDir({"--actors=1"}));

  // No words, no change.
  RunDescription untouched = DefaultRunDescription();
  ASSERT_TRUE(ApplyLaunchFlags({}, &untouched).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(untouched,
                                                                 DefaultRunDescription()));
}

TEST(LaunchFlags, SlurmFlagsSetTheJobAndTheBackendSecuresTheNetwork) {
  RunDescription run = DefaultRunDescription();
  ASSERT_TRUE(ApplyLaunchFlags({"--backend=slurm", "--partition=gpu", "--nodes=3",
                                "--time=02:00:00", "--account=rl", "--learner_gres=gpu:1",
                                "--sbatch_flag=--qos=long", "--sbatch_flag=--exclusive"},
                               &run)
                  .ok());
  EXPECT_EQ(run.backend(), hem::v1::BACKEND_SLURM);
  EXPECT_EQ(run.slurm().partition(), "gpu");
  EXPECT_EQ(run.slurm().nodes(), 3);
  EXPECT_EQ(run.slurm().time(), "02:00:00");
  EXPECT_EQ(run.slurm().account(), "rl");
  EXPECT_EQ(run.slurm().learner_gres(), "gpu:1");
  ASSERT_EQ(run.slurm().sbatch_flags_size(), 2);
  EXPECT_EQ(run.slurm().sbatch_flags(1), "--exclusive");
  // Other nodes reach the processes: TLS, every interface, the rendezvous.
  EXPECT_TRUE(run.network().tls());
  EXPECT_TRUE(run.network().rendezvous());
  EXPECT_EQ(run.network().bind_host(), "0.0.0.0");
  run.set_run_dir("/tmp/r");
  EXPECT_TRUE(ValidateRunDescription(run).ok());
  // Later flags still decide.
  ASSERT_TRUE(ApplyLaunchFlags({"--tls=false"}, &run).ok());
  EXPECT_EQ(LaunchFlagError(ValidateRunDescription(run)).message().rfind("--tls: ", 0), 0u);
}

TEST(LaunchFlags, BadWordsAreRefusedByFlag) {
  RunDescription run = DefaultRunDescription();
  auto error = [&](std::vector<std::string> words) {
    return std::string(ApplyLaunchFlags(words, &run).message());
  };
  EXPECT_EQ(error({"--actors=two"}), "--actors: 'two' is not an integer");
  EXPECT_EQ(error({"--actors=99999999999"}), "--actors: '99999999999' is not an integer");
  EXPECT_EQ(error({"--seed=-1"}), "--seed: '-1' is not an integer >= 0");
  EXPECT_EQ(error({"--target_success=high"}), "--target_success: 'high' is not a number");
  EXPECT_EQ(error({"--tls=maybe"}), "--tls: 'maybe' is not true or false");
  EXPECT_EQ(error({"--actors"}), "--actors: needs a value (--actors=N)");
  EXPECT_EQ(error({"--backend=lsf"}), "--backend: 'lsf' is not local, slurm or kubernetes");
  EXPECT_EQ(error({"--no_such_flag=1"}), "unknown flag '--no_such_flag'");
  EXPECT_EQ(error({"actors=2"}), "'actors=2' is not a --flag");
}

TEST(LaunchFlags, DescriptionErrorsAreReportedByFlag) {
  RunDescription run = DefaultRunDescription();
  run.set_run_dir("/tmp/r");
  ASSERT_TRUE(ApplyLaunchFlags({"--actors=0"}, &run).ok());  // Ranges: later.
  EXPECT_EQ(LaunchFlagError(ValidateRunDescription(run)).message(),
            "--actors: must be >= 1, got 0");
  run = DefaultRunDescription();
  run.set_run_dir("/tmp/r");
  ASSERT_TRUE(ApplyLaunchFlags({"--env=reachr"}, &run).ok());
  EXPECT_EQ(LaunchFlagError(ValidateRunDescription(run)).message().rfind(
                "--env: unknown env 'reachr' (known: flip_bit", 0),
            0u);
  run = DefaultRunDescription();
  run.set_run_dir("/tmp/r");
  ASSERT_TRUE(ApplyLaunchFlags({"--settle_evaluations=-2"}, &run).ok());
  EXPECT_EQ(LaunchFlagError(ValidateRunDescription(run)).message(),
            "--settle_evaluations: must be >= 0, got -2");
  // A field no flag sets keeps its name.
  EXPECT_EQ(LaunchFlagError(absl::InvalidArgumentError("progress_seconds: must be > 0"))
                .message(),
            "progress_seconds: must be > 0");
}

TEST(LaunchFlags, ImageTasksGetTheirPresetsUnlessTheUserSaysOtherwise) {
  // The paper's N = 80 for image-based reacher (2 actors x 40), batch 1024
  // (its CNN learns nothing from near-random episodes at smaller batches).
  RunDescription run = DefaultRunDescription();
  ASSERT_TRUE(ApplyLaunchFlagsWithPresets({"--env=reacher:image=48"}, &run).ok());
  EXPECT_EQ(run.learner().batch_size(), 1024);
  EXPECT_EQ(run.actors().envs_per_actor(), 40);
  EXPECT_EQ(run.actors().role().count(), 2);
  // Batch 64 for fetch_reach from images.
  run = DefaultRunDescription();
  ASSERT_TRUE(ApplyLaunchFlagsWithPresets({"--env=fetch_reach:image=48"}, &run).ok());
  EXPECT_EQ(run.learner().batch_size(), 64);
  // N = 20 for the point mass; the user's batch wins, in either order.
  run = DefaultRunDescription();
  ASSERT_TRUE(
      ApplyLaunchFlagsWithPresets({"--batch_size=32", "--env=point_mass:image=84"}, &run).ok());
  EXPECT_EQ(run.learner().batch_size(), 32);
  EXPECT_EQ(run.actors().envs_per_actor(), 10);
  // State tasks and HER runs keep the general defaults.
  const RunDescription defaults = DefaultRunDescription();
  for (const std::vector<std::string>& words :
       {std::vector<std::string>{"--env=reacher"},
        std::vector<std::string>{"--env=reacher:image=48", "--algo=her"}}) {
    run = defaults;
    ASSERT_TRUE(ApplyLaunchFlagsWithPresets(words, &run).ok());
    EXPECT_EQ(run.learner().batch_size(), defaults.learner().batch_size()) << words[0];
    EXPECT_EQ(run.actors().envs_per_actor(), defaults.actors().envs_per_actor()) << words[0];
  }
  // A bad word is refused as by ApplyLaunchFlags.
  run = DefaultRunDescription();
  EXPECT_EQ(ApplyLaunchFlagsWithPresets({"--env=reacher:image=48", "--actors=x"}, &run).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LaunchFlags, HelpListsEveryFlagWithItsDefault) {
  const std::string help = LaunchFlagsHelp();
  for (const char* line : {"--env=NAME", "(default flip_bit:k=40)", "--actors=N",
                           "(default 2)", "--steps=N", "(default 50000000)", "--tls",
                           "(default off)", "--learner_flags=\"...\"", "--run_dir=DIR",
                           "(default runs/<env>-<date>)", "--max_restarts=N",
                           "(default local)"}) {
    EXPECT_NE(help.find(line), std::string::npos) << line << " missing from:\n" << help;
  }
}

}  // namespace
}  // namespace hem
