// The Slurm backend's command lines, from a description and a node list:
// roles spread over the nodes, each process a job step on its node with its
// resources, processes found through the rendezvous and advertising their
// node, and the job a login node submits.
#include "deploy/slurm_steps.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "deploy/launch_flags.h"
#include "deploy/process_plan.h"
#include "deploy/run_description.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

bool Has(const std::vector<std::string>& argv, const std::string& arg) {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

hem::v1::RunDescription SlurmRun(const std::vector<std::string>& flags) {
  hem::v1::RunDescription run = DefaultRunDescription();
  std::vector<std::string> words = {"--backend=slurm", "--env=flip_bit:k=10",
                                    "--run_dir=/shared/runs/r"};
  words.insert(words.end(), flags.begin(), flags.end());
  EXPECT_TRUE(ApplyLaunchFlags(words, &run).ok());
  EXPECT_TRUE(ValidateRunDescription(run).ok()) << ValidateRunDescription(run);
  return run;
}

SlurmAllocation Allocation(std::vector<std::string> nodes) {
  return {"4242", std::move(nodes), "/usr/bin/srun"};
}

// name -> the node its step runs on (--nodelist).
std::map<std::string, std::string> NodesOfSteps(const hem::v1::RunDescription& placed,
                                                const SlurmAllocation& allocation) {
  std::map<std::string, std::string> nodes;
  for (const PlannedProcess& p : PlanProcesses(placed, 21000, "/opt/hem")) {
    for (const std::string& word : SlurmStepPrefix(placed, p, allocation)) {
      if (word.rfind("--nodelist=", 0) == 0) nodes[p.name] = word.substr(11);
    }
  }
  return nodes;
}

TEST(SlurmSteps, OneNodeEveryProcessIsAStepOnIt) {
  const SlurmAllocation allocation = Allocation({"vm"});
  const hem::v1::RunDescription placed = PlaceOnSlurmNodes(SlurmRun({}), allocation.nodes);
  const std::vector<PlannedProcess> plan = PlanProcesses(placed, 21000, "/opt/hem");
  ASSERT_EQ(plan.size(), 5u);  // replay-0, learner, actor-0, actor-1, evaluator.
  const PlannedProcess& shard = plan[0];
  EXPECT_EQ(SlurmStepPrefix(placed, shard, allocation),
            (std::vector<std::string>{"/usr/bin/srun", "--jobid=4242", "--nodes=1",
                                      "--ntasks=1", "--cpus-per-task=1", "--overlap",
                                      "--job-name=replay-0", "--nodelist=vm",
                                      "--kill-on-bad-exit=1"}));
  for (const PlannedProcess& p : plan) {
    // Polled and published at its node, listening everywhere, with TLS,
    // finding the others through the rendezvous.
    EXPECT_EQ(p.status_address, absl::StrCat("vm:", p.port)) << p.name;
    EXPECT_TRUE(p.exec_prefix.empty()) << p.name;  // The supervisor sets the srun.
    EXPECT_TRUE(Has(p.argv, "--bind_host=0.0.0.0")) << p.name;
    EXPECT_TRUE(Has(p.argv, "--advertise_host=vm")) << p.name;
    EXPECT_TRUE(Has(p.argv, "--rendezvous_dir=/shared/runs/r/rendezvous")) << p.name;
    EXPECT_TRUE(Has(p.argv, "--credentials_dir=/shared/runs/r/credentials")) << p.name;
  }
  EXPECT_TRUE(Has(plan[1].argv, "--replay=rdzv:replay/0"));
  EXPECT_TRUE(Has(plan[2].argv, "--learner=rdzv:learner/0"));
}

TEST(SlurmSteps, RolesAreSpreadOverTheNodes) {
  const SlurmAllocation allocation = Allocation({"n1", "n2", "n3"});
  const hem::v1::RunDescription placed =
      PlaceOnSlurmNodes(SlurmRun({"--shards=2", "--actors=4"}), allocation.nodes);
  const std::map<std::string, std::string> nodes = NodesOfSteps(placed, allocation);
  EXPECT_EQ(nodes, (std::map<std::string, std::string>{{"replay-0", "n1"},
                                                       {"replay-1", "n2"},
                                                       {"learner", "n1"},
                                                       {"actor-0", "n2"},
                                                       {"actor-1", "n3"},
                                                       {"actor-2", "n1"},
                                                       {"actor-3", "n2"},
                                                       {"evaluator", "n3"}}));
}

TEST(SlurmSteps, ResourcesAndHostsTheDescriptionNamesAreKept) {
  hem::v1::RunDescription run = SlurmRun({"--learner_gres=gpu:1"});
  hem::v1::RoleSpec& actors = *run.mutable_actors()->mutable_role();
  actors.mutable_resources()->set_cpus(4);
  actors.mutable_resources()->set_memory_mb(2048);
  actors.mutable_placement()->add_hosts("cpu7");
  actors.mutable_placement()->add_exec_prefix("ssh");  // Not on Slurm.
  run.mutable_replay()->mutable_role()->mutable_resources()->set_gres("tmpdisk:10");
  const SlurmAllocation allocation = Allocation({"gpu1", "cpu7"});
  const hem::v1::RunDescription placed = PlaceOnSlurmNodes(run, allocation.nodes);
  for (const PlannedProcess& p : PlanProcesses(placed, 21000, "/opt/hem")) {
    const std::vector<std::string> prefix = SlurmStepPrefix(placed, p, allocation);
    EXPECT_EQ(prefix.back(), "--kill-on-bad-exit=1");
    if (p.role == "learner") {
      EXPECT_TRUE(Has(prefix, "--gres=gpu:1"));
      EXPECT_TRUE(Has(prefix, "--nodelist=gpu1"));
      EXPECT_TRUE(Has(prefix, "--cpus-per-task=1"));
    } else if (p.role == "actor") {
      EXPECT_TRUE(Has(prefix, "--cpus-per-task=4")) << absl::StrJoin(prefix, " ");
      EXPECT_TRUE(Has(prefix, "--mem=2048"));
      EXPECT_TRUE(Has(prefix, "--nodelist=cpu7"));
      EXPECT_FALSE(Has(prefix, "--gres=gpu:1"));
      EXPECT_TRUE(Has(p.argv, "--advertise_host=cpu7"));
    } else if (p.role == "replay") {
      EXPECT_TRUE(Has(prefix, "--gres=tmpdisk:10"));
    }
    EXPECT_TRUE(p.exec_prefix.empty()) << p.name;
  }
}

TEST(SlurmSteps, TheJobALoginNodeSubmits) {
  hem::v1::RunDescription run =
      SlurmRun({"--nodes=2", "--partition=gpu", "--account=rl", "--time=00:30:00",
                "--learner_gres=gpu:1", "--sbatch_flag=--qos=long"});
  run.mutable_learner()->mutable_role()->mutable_resources()->set_cpus(8);
  EXPECT_EQ(SbatchCommand(run, {"/repo/deploy/slurm_batch.sh", "/bin/supervisor",
                                "--run=/shared/runs/r/run.textproto"}),
            (std::vector<std::string>{
                "sbatch", "--parsable", "--job-name=hem-flip_bit-k10",
                "--output=/shared/runs/r/logs/slurm-%j.out", "--signal=B:TERM@120",
                "--nodes=2", "--partition=gpu", "--account=rl", "--time=00:30:00",
                "--gres=gpu:1", "--cpus-per-task=8", "--qos=long",
                "/repo/deploy/slurm_batch.sh", "/bin/supervisor",
                "--run=/shared/runs/r/run.textproto"}));
  // Nothing the user did not ask for.
  EXPECT_EQ(SbatchCommand(SlurmRun({}), {"b.sh"}),
            (std::vector<std::string>{"sbatch", "--parsable", "--job-name=hem-flip_bit-k10",
                                      "--output=/shared/runs/r/logs/slurm-%j.out",
                                      "--signal=B:TERM@120", "b.sh"}));
}

TEST(SlurmSteps, OutsideAJobTheAllocationIsRefusedSayingWhy) {
  unsetenv("SLURM_JOB_ID");
  const absl::StatusOr<SlurmAllocation> allocation = CurrentSlurmAllocation();
  EXPECT_EQ(allocation.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(allocation.status().message().find("deploy/launch.sh --backend=slurm"),
            std::string::npos);
}

TEST(SlurmSteps, RunForOutputReturnsOutputOrTheFailure) {
  EXPECT_EQ(*RunForOutput({"/bin/echo", "a[1-2]"}), "a[1-2]\n");
  const absl::StatusOr<std::string> failed = RunForOutput({"/bin/sh", "-c", "echo no; exit 3"});
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(failed.status().message().find("no"), std::string::npos);
  EXPECT_EQ(*FindOnPath("/bin/sh"), "/bin/sh");
  EXPECT_FALSE(FindOnPath("no-such-command-hem").ok());
}

}  // namespace
}  // namespace hem
