// From a run description to command lines: names, ports and flags of every
// process, the learner always resuming, net flags only when they differ from
// the processes' defaults, and a role's extra flags last (so they win).
#include "deploy/process_plan.h"

#include <algorithm>
#include <string>
#include <vector>

#include "deploy/run_description.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

bool Has(const std::vector<std::string>& argv, const std::string& arg) {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

hem::v1::RunDescription TestRun() {
  hem::v1::RunDescription run = DefaultRunDescription();
  run.set_env("flip_bit:k=10");
  run.set_run_dir("/runs/r");
  run.mutable_replay()->mutable_role()->set_count(2);
  run.mutable_actors()->mutable_role()->add_extra_flags("--ack_log=/runs/r/acks.txt");
  return run;
}

TEST(ProcessPlan, EveryProcessWithItsPortAndCommandLine) {
  const std::vector<PlannedProcess> plan = PlanProcesses(TestRun(), 30000, "/bin");
  std::vector<std::string> names;
  for (const PlannedProcess& p : plan) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"replay-0", "replay-1", "learner", "actor-0",
                                             "actor-1", "evaluator"}));
  const PlannedProcess& shard = plan[1];
  EXPECT_EQ(shard.role, "replay");
  EXPECT_EQ(shard.port, 30001);
  EXPECT_EQ(shard.status_address, "127.0.0.1:30001");
  EXPECT_EQ(shard.argv[0], "/bin/replay_service/replay_server");
  EXPECT_TRUE(Has(shard.argv, "--shard_index=1"));
  EXPECT_TRUE(Has(shard.argv, "--num_shards=2"));
  EXPECT_TRUE(Has(shard.argv, "--checkpoint_dir=/runs/r/replay-1"));
  EXPECT_TRUE(Has(shard.argv, "--samples_per_insert=8"));

  const PlannedProcess& learner = plan[2];
  EXPECT_EQ(learner.port, 30050);
  EXPECT_TRUE(Has(learner.argv, "--resume"));
  EXPECT_TRUE(Has(learner.argv, "--replay=127.0.0.1:30000,127.0.0.1:30001"));
  EXPECT_TRUE(Has(learner.argv, "--metrics_port=30051"));
  EXPECT_TRUE(Has(learner.argv, "--run_dir=/runs/r"));
  EXPECT_EQ(learner.group, StartGroup::kLearner);

  const PlannedProcess& actor = plan[4];
  EXPECT_EQ(actor.port, 30101);
  EXPECT_TRUE(Has(actor.argv, "--actor_id=1"));
  EXPECT_TRUE(Has(actor.argv, "--learner=127.0.0.1:30050"));
  EXPECT_EQ(actor.argv.back(), "--ack_log=/runs/r/acks.txt");
  EXPECT_EQ(actor.restart.max_restarts(), 5);

  const PlannedProcess& evaluator = plan[5];
  EXPECT_EQ(evaluator.port, 30099);
  EXPECT_TRUE(Has(evaluator.argv, "--eval"));
  EXPECT_TRUE(Has(evaluator.argv, "--num_envs=32"));  // min(episodes, 32).
  EXPECT_TRUE(Has(evaluator.argv, "--eval_episodes=100"));
  EXPECT_TRUE(Has(evaluator.argv, "--eval_episode_log=/runs/r/eval_episodes.csv"));

  // Defaults need no net flags: binaries without them still run.
  for (const PlannedProcess& p : plan) {
    for (const std::string& arg : p.argv) {
      EXPECT_EQ(arg.find("--bind_host"), std::string::npos) << p.name;
      EXPECT_EQ(arg.find("--credentials_dir"), std::string::npos) << p.name;
      EXPECT_EQ(arg.find("checkpoint_"), arg.find("checkpoint_dir")) << arg;
    }
  }
  std::vector<int> ports = PlannedPorts(TestRun(), 30000);
  EXPECT_EQ(ports, (std::vector<int>{30000, 30001, 30050, 30051, 30099, 30100, 30101}));
}

TEST(ProcessPlan, NetworkCheckpointsAndNoEvaluator) {
  hem::v1::RunDescription run = TestRun();
  run.mutable_network()->set_bind_host("0.0.0.0");
  run.mutable_network()->set_tls(true);
  run.set_checkpoint_seconds(2.5);
  run.mutable_evaluator()->mutable_role()->set_count(0);
  const std::vector<PlannedProcess> plan = PlanProcesses(run, 30000, "/bin");
  ASSERT_EQ(plan.size(), 5u);
  EXPECT_EQ(plan[0].status_address, "127.0.0.1:30000");  // Wildcard: reach it locally.
  EXPECT_TRUE(Has(plan[0].argv, "--bind_host=0.0.0.0"));
  EXPECT_TRUE(Has(plan[0].argv, "--credentials_dir=/runs/r/credentials"));
  EXPECT_TRUE(Has(plan[0].argv, "--checkpoint_interval_seconds=3"));
  EXPECT_TRUE(Has(plan[2].argv, "--checkpoint_every_seconds=2.5"));
  EXPECT_EQ(CredentialsDir(run), "/runs/r/credentials");

  run.mutable_network()->set_advertise_host("10.0.0.5");
  EXPECT_EQ(ConnectHost(run.network()), "10.0.0.5");
  EXPECT_TRUE(Has(PlanProcesses(run, 30000, "/bin")[3].argv, "--learner=10.0.0.5:30050"));
}

// common/task_presets.h: a task's measured flags go to hEM's learner and
// collecting actors, before the role's own flags (which win); not to HER.
TEST(ProcessPlan, TaskPresetsComeBeforeTheUsersFlags) {
  hem::v1::RunDescription run = TestRun();
  run.set_env("nav:k=20");
  run.mutable_learner()->mutable_role()->add_extra_flags("--sigma=0.1");
  std::vector<PlannedProcess> plan = PlanProcesses(run, 30000, "/bin");
  const std::vector<std::string>& learner = plan[2].argv;
  ASSERT_TRUE(Has(learner, "--learn_sigma=false"));
  const auto preset = std::find(learner.begin(), learner.end(), "--sigma=0.05");
  const auto users = std::find(learner.begin(), learner.end(), "--sigma=0.1");
  ASSERT_NE(preset, learner.end());
  ASSERT_NE(users, learner.end());
  EXPECT_LT(preset, users);
  EXPECT_TRUE(Has(plan[3].argv, "--action_noise=0"));
  EXPECT_FALSE(Has(plan[5].argv, "--action_noise=0"));  // The evaluator acts deterministically.

  run.mutable_learner()->set_algo("her");
  plan = PlanProcesses(run, 30000, "/bin");
  EXPECT_FALSE(Has(plan[2].argv, "--learn_sigma=false"));
  EXPECT_FALSE(Has(plan[3].argv, "--action_noise=0"));

  run.mutable_learner()->set_algo("");
  run.set_env("flip_bit:k=10");
  plan = PlanProcesses(run, 30000, "/bin");
  EXPECT_FALSE(Has(plan[2].argv, "--learn_sigma=false"));
}

// Multi-host on one machine (tests/multihost_test.sh): each role placed on
// hosts that are network namespaces, reached through the rendezvous.
TEST(ProcessPlan, PlacedProcessesRunUnderTheirPrefixAndAdvertiseTheirHost) {
  hem::v1::RunDescription run = TestRun();
  run.mutable_network()->set_bind_host("0.0.0.0");
  run.mutable_network()->set_tls(true);
  hem::v1::Placement* replay = run.mutable_replay()->mutable_role()->mutable_placement();
  replay->add_hosts("10.1.0.2");
  replay->set_bind_to_host(true);
  for (const char* word : {"ip", "netns", "exec", "ns-{host}"}) replay->add_exec_prefix(word);
  hem::v1::Placement* actors = run.mutable_actors()->mutable_role()->mutable_placement();
  actors->add_hosts("10.1.0.4");
  actors->add_hosts("10.1.0.5");

  std::vector<PlannedProcess> plan = PlanProcesses(run, 30000, "/bin");
  const PlannedProcess& shard = plan[1];
  EXPECT_EQ(shard.status_address, "10.1.0.2:30001");  // The list's last entry repeats.
  EXPECT_EQ(shard.exec_prefix, (std::vector<std::string>{"ip", "netns", "exec", "ns-10.1.0.2"}));
  EXPECT_EQ(CommandLine(shard)[4], "/bin/replay_service/replay_server");
  EXPECT_TRUE(Has(shard.argv, "--bind_host=10.1.0.2"));
  EXPECT_TRUE(Has(shard.argv, "--advertise_host=10.1.0.2"));
  const PlannedProcess& learner = plan[2];  // Not placed: this machine, as before.
  EXPECT_TRUE(learner.exec_prefix.empty());
  EXPECT_EQ(CommandLine(learner), learner.argv);
  EXPECT_TRUE(Has(learner.argv, "--replay=10.1.0.2:30000,10.1.0.2:30001"));
  EXPECT_TRUE(Has(plan[4].argv, "--bind_host=0.0.0.0"));  // bind_to_host is the shards' only.
  EXPECT_TRUE(Has(plan[4].argv, "--advertise_host=10.1.0.5"));
  EXPECT_EQ(plan[4].status_address, "10.1.0.5:30101");
  EXPECT_EQ(PlacementHosts(run), (std::vector<std::string>{"10.1.0.2", "10.1.0.4", "10.1.0.5"}));
  EXPECT_EQ(RendezvousDir(run), "");

  run.mutable_network()->set_rendezvous(true);
  plan = PlanProcesses(run, 30000, "/bin");
  EXPECT_EQ(RendezvousDir(run), "/runs/r/rendezvous");
  for (const PlannedProcess& p : plan) {
    EXPECT_TRUE(Has(p.argv, "--rendezvous_dir=/runs/r/rendezvous")) << p.name;
  }
  EXPECT_TRUE(Has(plan[2].argv, "--replay=rdzv:replay/0,rdzv:replay/1"));
  EXPECT_TRUE(Has(plan[3].argv, "--learner=rdzv:learner/0"));
  EXPECT_EQ(plan[3].status_address, "10.1.0.4:30100");  // Polled at its fixed port.
}

}  // namespace
}  // namespace hem
