// The run description: its defaults are a valid run, a written file reads
// back as the same run, a hand-written file changes only what it names
// (explicit zeros included), and every error names the field or the line.
#include "deploy/run_description.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using hem::v1::RunDescription;

std::string TempPath(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/", name);
}

RunDescription ValidDefaults() {
  RunDescription run = DefaultRunDescription();
  run.set_run_dir("/tmp/run");
  return run;
}

TEST(RunDescription, DefaultsAreTheLaunchersDefaultsAndValid) {
  RunDescription run = DefaultRunDescription();
  EXPECT_EQ(run.env(), "flip_bit:k=40");
  EXPECT_EQ(run.actors().role().count(), 2);
  EXPECT_EQ(run.actors().envs_per_actor(), 32);
  EXPECT_EQ(run.replay().role().count(), 1);
  EXPECT_EQ(run.replay().samples_per_insert(), 8);
  EXPECT_EQ(run.stop().target_success(), 0.95);
  EXPECT_EQ(run.stop().time_limit_seconds(), 900);
  EXPECT_EQ(run.restart().max_restarts(), 5);
  EXPECT_EQ(run.restart().window_seconds(), 600);
  // Only run_dir has no default: each run gets its own.
  EXPECT_EQ(ValidateRunDescription(run).message(), "run_dir: must be set");
  EXPECT_TRUE(ValidateRunDescription(ValidDefaults()).ok());
}

TEST(RunDescription, WrittenFileReadsBackAsTheSameRun) {
  RunDescription run = ValidDefaults();
  run.set_env("point_mass");
  run.mutable_replay()->mutable_role()->set_count(2);
  run.mutable_replay()->set_samples_per_insert(0);  // An explicit zero survives.
  run.mutable_stop()->set_max_env_steps(0);
  run.mutable_learner()->mutable_role()->add_extra_flags("--lr=1e-3");
  run.mutable_actors()->mutable_role()->mutable_restart()->set_max_restarts(0);
  run.mutable_slurm()->set_partition("gpu");
  const std::string path = TempPath("written.textproto");
  ASSERT_TRUE(WriteRunDescription(path, run).ok());
  absl::StatusOr<RunDescription> read = ReadRunDescription(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*read, run))
      << read->DebugString();
  absl::StatusOr<std::string> text = ReadFileToString(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->rfind("# hem.v1.RunDescription", 0), 0u) << *text;
  EXPECT_NE(text->find("deploy/launch.sh --run="), std::string::npos);
}

TEST(RunDescription, AHandWrittenFileChangesOnlyWhatItNames) {
  const std::string path = TempPath("hand.textproto");
  ASSERT_TRUE(WriteFileAtomically(path, R"(
      # A comment.
      env: "flip_bit:k=10"
      run_dir: "/tmp/hand"
      actors { role { count: 4 extra_flags: "--epsilon=0.1" } }
      stop { time_limit_seconds: 0 }
      evaluator { role { count: 0 } }
  )").ok());
  absl::StatusOr<RunDescription> run = ReadRunDescription(path);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->env(), "flip_bit:k=10");
  EXPECT_EQ(run->actors().role().count(), 4);
  EXPECT_EQ(run->actors().role().extra_flags_size(), 1);
  EXPECT_EQ(run->actors().envs_per_actor(), 32);      // The default.
  EXPECT_EQ(run->stop().time_limit_seconds(), 0);     // Explicit 0: no limit.
  EXPECT_EQ(run->stop().target_success(), 0.95);      // The default.
  EXPECT_EQ(run->evaluator().role().count(), 0);      // No evaluator.
  EXPECT_EQ(run->restart().max_restarts(), 5);
}

TEST(RunDescription, ErrorsNameTheFileLineOrField) {
  const std::string path = TempPath("bad.textproto");
  ASSERT_TRUE(WriteFileAtomically(path, "env: \"flip_bit\"\nactors { count: 2 }\n").ok());
  absl::Status status = ReadRunDescription(path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(absl::StrCat(path, ": line 2")), std::string::npos)
      << status;
  EXPECT_TRUE(absl::IsNotFound(ReadRunDescription(TempPath("missing")).status()));

  ASSERT_TRUE(WriteFileAtomically(path, "run_dir: \"/x\" actors { role { count: 0 } }").ok());
  EXPECT_EQ(ReadRunDescription(path).status().message(),
            absl::StrCat(path, ": actors.role.count: must be >= 1, got 0"));

  auto invalid = [](auto change) {
    RunDescription run = ValidDefaults();
    change(run);
    return std::string(ValidateRunDescription(run).message());
  };
  EXPECT_EQ(invalid([](RunDescription& r) { r.set_env("reachr"); }).rfind("env: unknown env", 0),
            0u);
  EXPECT_EQ(invalid([](RunDescription& r) { r.mutable_replay()->mutable_role()->set_count(51); }),
            "replay.role.count: must be in [1, 50], got 51");
  EXPECT_EQ(invalid([](RunDescription& r) { r.mutable_learner()->set_device("tpu"); }),
            "learner.device: must be auto, cpu or cuda, got 'tpu'");
  EXPECT_EQ(invalid([](RunDescription& r) { r.set_base_port(80); }).rfind("base_port: ", 0), 0u);
  EXPECT_EQ(invalid([](RunDescription& r) { r.set_backend(hem::v1::BACKEND_KUBERNETES); })
                .rfind("backend: BACKEND_KUBERNETES is not launched from here", 0),
            0u);
  EXPECT_EQ(invalid([](RunDescription& r) { r.set_backend(hem::v1::BACKEND_SLURM); }),
            "network.tls: the slurm backend's processes listen on every interface of their "
            "nodes: they need tls (or insecure, which exposes every service)");
  EXPECT_EQ(invalid([](RunDescription& r) {
              r.set_backend(hem::v1::BACKEND_SLURM);
              r.mutable_network()->set_tls(true);
              r.mutable_slurm()->set_nodes(-1);
            }),
            "slurm.nodes: must be >= 0, got -1");
  EXPECT_EQ(invalid([](RunDescription& r) {
              r.set_backend(hem::v1::BACKEND_SLURM);
              r.mutable_network()->set_tls(true);
            }),
            "");
  EXPECT_EQ(invalid([](RunDescription& r) {
              r.mutable_learner()->mutable_role()->mutable_restart()->set_window_seconds(-1);
            }),
            "learner.role.restart.window_seconds: must be > 0, got -1");
  EXPECT_EQ(invalid([](RunDescription& r) { r.mutable_restart()->set_max_backoff_seconds(0.5); }),
            "restart.max_backoff_seconds: must be >= initial_backoff_seconds (1), got 0.5");
}

TEST(RunDescription, ARoleMayOverrideTheRunsRestartPolicy) {
  RunDescription run = ValidDefaults();
  hem::v1::RoleSpec& actors = *run.mutable_actors()->mutable_role();
  EXPECT_EQ(EffectiveRestartPolicy(run, actors).max_restarts(), 5);
  actors.mutable_restart()->set_max_restarts(0);
  const hem::v1::RestartPolicy policy = EffectiveRestartPolicy(run, actors);
  EXPECT_EQ(policy.max_restarts(), 0);
  EXPECT_EQ(policy.window_seconds(), 600);  // The run's.
}

TEST(RunDescription, DefaultRunDirIsSafeForTheFileSystem) {
  const std::string dir = DefaultRunDir("flip_bit:k=10,horizon=5");
  EXPECT_EQ(dir.rfind("runs/flip_bit_k_10-horizon_5-", 0), 0u) << dir;
}

}  // namespace
}  // namespace hem
