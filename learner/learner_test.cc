// The learner end to end: in-memory batches, real gRPC (ParameterService,
// /metrics), checkpoints and resume, flags, and real replay shards.
#include "learner/learner_loop.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/env_catalog.h"
#include "common/tensor_codec.h"
#include "gtest/gtest.h"
#include "learner/learner_flags.h"
#include "learner/parameter_client.h"
#include "learner/policy.h"
#include "learner/replay_batch_source.h"
#include "replay_service/replay_server.h"
#include "replay_service/replay_testing.h"
#include "replay_service/replay_writer.h"

ABSL_DECLARE_FLAG(std::string, replay);
ABSL_DECLARE_FLAG(std::string, env);
ABSL_DECLARE_FLAG(std::string, hidden_sizes);
ABSL_DECLARE_FLAG(std::string, device);
ABSL_DECLARE_FLAG(int, batch_size);
ABSL_DECLARE_FLAG(bool, resume);
ABSL_DECLARE_FLAG(std::string, relabel_strategy);

namespace hem {
namespace {

// Endless batches of the nav expert a = clip(g - s, -0.2, 0.2), tagged as
// produced by policy version `data_version`.
class NavExpertSource final : public BatchSource {
 public:
  NavExpertSource(int batch_size, int64_t data_version)
      : spec_(MakeEnvSpec("nav:k=2").value()), batch_size_(batch_size),
        data_version_(data_version) {}
  absl::StatusOr<hem::v1::Batch> Next(absl::Duration) override {
    const int B = batch_size_;
    std::vector<float> s(B * 2), g(B * 2), a(B * 2);
    std::uniform_real_distribution<float> u(-1, 1);
    for (int i = 0; i < B * 2; ++i) {
      s[i] = u(rng_);
      g[i] = u(rng_);
      a[i] = std::clamp(g[i] - s[i], -0.2f, 0.2f);
    }
    std::vector<int64_t> versions(B, data_version_);
    hem::v1::Batch batch;
    batch.set_spec_id(spec_.spec_id());
    batch.set_size(B);
    EncodeTensor<float>(s, {B, 2}, batch.mutable_observations());
    EncodeTensor<float>(g, {B, 2}, batch.mutable_goals());
    EncodeTensor<float>(a, {B, 2}, batch.mutable_actions());
    EncodeTensor<int64_t>(versions, {B}, batch.mutable_policy_versions());
    return batch;
  }
  int64_t live_shards() const override { return 1; }

 private:
  const hem::v1::EnvSpec spec_;
  const int batch_size_;
  const int64_t data_version_;
  std::mt19937_64 rng_{123};
};

LearnerConfig SmallConfig(const std::string& run_dir = "") {
  LearnerConfig config;
  config.replay_addresses = {"127.0.0.1:1"};  // Unused with an in-memory source.
  config.env = "nav:k=2";
  config.batch_size = 128;
  config.hidden_sizes = {64, 64};
  config.device = "cpu";
  config.publish_every = 10;
  config.run_dir = run_dir;
  config.report_interval = absl::Milliseconds(200);
  config.metrics_port = 0;
  return config;
}

std::string TempDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return "";
  const std::string request = "GET " + path + " HTTP/1.0\r\n\r\n";
  send(fd, request.data(), request.size(), 0);
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) response.append(buffer, n);
  close(fd);
  return response;
}

// Mean |mu(s,g) - expert(s,g)| of a policy on fresh nav states.
double NavError(Policy& policy) {
  const int B = 500;
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> s(B * 2), g(B * 2), a(B * 2);
  for (int i = 0; i < B * 2; ++i) {
    s[i] = u(rng);
    g[i] = u(rng);
  }
  EXPECT_TRUE(policy.Act({B, s.data(), nullptr, g.data(), nullptr}, true,
                         absl::MakeSpan(a)).ok());
  double error = 0;
  for (int i = 0; i < B * 2; ++i) error += std::abs(a[i] - std::clamp(g[i] - s[i], -0.2f, 0.2f));
  return error / (B * 2);
}

TEST(Learner, TrainsPublishesAndReportsMetrics) {
  const std::string dir = TempDir("learner_train");
  LearnerConfig config = SmallConfig(dir);
  config.max_updates = 600;
  auto learner =
      Learner::Create(config, std::make_unique<NavExpertSource>(128, 0)).value();
  // Initial weights are served before training starts.
  EXPECT_EQ(learner->version(), 1);
  auto subscriber =
      ParameterSubscriber::Create("127.0.0.1:" + std::to_string(learner->port())).value();
  ASSERT_TRUE(subscriber->WaitForNewer(0, absl::Seconds(10)).ok());

  ASSERT_TRUE(learner->Run().ok());
  EXPECT_EQ(learner->updates(), 600);
  const int64_t version = learner->version();
  EXPECT_GT(version, 1);
  auto latest = subscriber->WaitForNewer(version - 1, absl::Seconds(10));
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ((*latest)->version(), version);
  EXPECT_EQ((*latest)->update_count(), 600);

  // The served policy imitates the expert.
  auto policy = Policy::FromWeights(**latest).value();
  EXPECT_LT(NavError(*policy), 0.03);

  MetricsSnapshot s = learner->metrics().Snapshot();
  EXPECT_EQ(s.updates, 600);
  EXPECT_EQ(s.samples, 600 * 128);
  EXPECT_EQ(s.version, version);
  EXPECT_LT(s.loss, 0);  // Gaussian NLL below 0 once sigma is small.
  EXPECT_NEAR(s.staleness_mean, static_cast<double>(version), 30);  // Data from v0.
  EXPECT_EQ(s.live_shards, 1);

  const std::string response = HttpGet(learner->metrics_port(), "/metrics");
  EXPECT_NE(response.find("200 OK"), std::string::npos);
  EXPECT_NE(response.find("hem_learner_updates_total 600"), std::string::npos) << response;

  std::ifstream csv(dir + "/metrics.csv");
  std::string header, line, last;
  std::getline(csv, header);
  EXPECT_EQ(header.rfind("wall_time,updates,samples,env_steps,eval_success_rate,loss,version", 0), 0u)
      << header;
  int rows = 0;
  while (std::getline(csv, line)) {
    ++rows;
    last = line;
    EXPECT_EQ(line.find("wall_time"), std::string::npos) << "header repeated";
  }
  EXPECT_GE(rows, 1);
  std::vector<std::string> cells = absl::StrSplit(last, ',');
  EXPECT_EQ(cells[1], "600");
  EXPECT_TRUE(std::filesystem::exists(dir + "/checkpoints"));
}

TEST(Learner, ResumeRestoresWeightsAndKeepsVersionsIncreasing) {
  const std::string dir = TempDir("learner_resume");
  LearnerConfig config = SmallConfig(dir);
  config.max_updates = 100;
  std::shared_ptr<const hem::v1::PolicyWeights> before;
  {
    auto learner =
        Learner::Create(config, std::make_unique<NavExpertSource>(128, 0)).value();
    ASSERT_TRUE(learner->Run().ok());
    before = learner->latest_weights();
  }
  ASSERT_NE(before, nullptr);
  config.resume = true;
  config.max_updates = 150;
  auto resumed = Learner::Create(config, std::make_unique<NavExpertSource>(128, 0)).value();
  EXPECT_NE(resumed->restored_checkpoint(), "");
  EXPECT_EQ(resumed->updates(), 100);
  std::shared_ptr<const hem::v1::PolicyWeights> after = resumed->latest_weights();
  EXPECT_GT(after->version(), before->version());
  EXPECT_EQ(after->update_count(), 100);
  // Identical weights: identical actions and log-probabilities.
  auto p1 = Policy::FromWeights(*before).value();
  auto p2 = Policy::FromWeights(*after).value();
  std::vector<float> s = {0.1f, -0.3f, 0.5f, 0.5f}, g = {0.7f, 0.2f, -0.9f, 0.4f};
  std::vector<float> a1(4), a2(4), l1(2), l2(2);
  ASSERT_TRUE(p1->Act({2, s.data(), nullptr, g.data(), nullptr}, true, absl::MakeSpan(a1)).ok());
  ASSERT_TRUE(p2->Act({2, s.data(), nullptr, g.data(), nullptr}, true, absl::MakeSpan(a2)).ok());
  EXPECT_EQ(a1, a2);
  ASSERT_TRUE(p1->LogProb({2, s.data(), nullptr, g.data(), nullptr}, a1, absl::MakeSpan(l1)).ok());
  ASSERT_TRUE(p2->LogProb({2, s.data(), nullptr, g.data(), nullptr}, a1, absl::MakeSpan(l2)).ok());
  EXPECT_EQ(l1, l2);
  ASSERT_TRUE(resumed->Run().ok());
  EXPECT_EQ(resumed->updates(), 150);
  EXPECT_GT(resumed->version(), after->version());

  // Mismatched flags against the same run_dir are refused, naming --resume.
  config.hidden_sizes = {32};
  auto mismatched = Learner::Create(config, std::make_unique<NavExpertSource>(128, 0));
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.status().message().find("--resume"), absl::string_view::npos)
      << mismatched.status();
}

TEST(Learner, StopReturnsPromptlyWithoutData) {
  // A source that never yields: the learner waits, and Stop() ends Run.
  class Empty final : public BatchSource {
   public:
    absl::StatusOr<hem::v1::Batch> Next(absl::Duration timeout) override {
      absl::SleepFor(std::min(timeout, absl::Milliseconds(50)));
      return absl::DeadlineExceededError("nothing");
    }
  };
  auto learner = Learner::Create(SmallConfig(), std::make_unique<Empty>()).value();
  std::thread stopper([&] {
    absl::SleepFor(absl::Milliseconds(500));
    learner->Stop();
  });
  const absl::Time start = absl::Now();
  ASSERT_TRUE(learner->Run().ok());
  stopper.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(learner->updates(), 0);
  // Run's last report covers the whole wait.
  EXPECT_GT(learner->metrics().Snapshot().wait_fraction, 0.5);
}

TEST(LearnerConfig, BadValuesNameTheFlag) {
  struct Case {
    std::function<void(LearnerConfig&)> mutate;
    std::string flag;
  };
  const std::vector<Case> cases = {
      {[](LearnerConfig& c) { c.replay_addresses.clear(); }, "--replay"},
      {[](LearnerConfig& c) { c.env = "nope"; }, "--env"},
      {[](LearnerConfig& c) { c.batch_size = 0; }, "--batch_size"},
      {[](LearnerConfig& c) { c.learning_rate = -1; }, "--lr"},
      {[](LearnerConfig& c) { c.hidden_sizes = {}; }, "--hidden_sizes"},
      {[](LearnerConfig& c) { c.sigma = 0; }, "--sigma"},
      {[](LearnerConfig& c) { c.device = "tpu"; }, "--device"},
      {[](LearnerConfig& c) { c.publish_every = 0; }, "--publish_every"},
      {[](LearnerConfig& c) { c.resume = true; }, "--resume"},
      {[](LearnerConfig& c) { c.metrics_port = 70000; }, "--metrics_port"},
      {[](LearnerConfig& c) { c.relabel_probability = 2; }, "--relabel_probability"},
      {[](LearnerConfig& c) { c.acting_average = 1; }, "--acting_average"},
      {[](LearnerConfig& c) { c.future_window = -1; }, "--future_window"},
      {[](LearnerConfig& c) {
         c.algo = LearnerAlgorithm::kHer;
         c.acting_average = 0.9;
       },
       "--acting_average"},
  };
  for (const Case& c : cases) {
    LearnerConfig config = SmallConfig();
    c.mutate(config);
    // The library names the field; the flags layer names the flag.
    absl::Status status = ToFlagError(ValidateLearnerConfig(config));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.flag;
    EXPECT_EQ(status.message().rfind(c.flag + ":", 0), 0u) << status;
  }
  EXPECT_TRUE(ValidateLearnerConfig(SmallConfig()).ok());
}

TEST(LearnerConfig, FromFlags) {
  absl::SetFlag(&FLAGS_replay, "7001,127.0.0.1:7002");
  absl::SetFlag(&FLAGS_env, "flip_bit:k=8");
  absl::SetFlag(&FLAGS_hidden_sizes, "128,64");
  absl::SetFlag(&FLAGS_relabel_strategy, "final");
  LearnerConfig config = LearnerConfigFromFlags().value();
  EXPECT_EQ(config.replay_addresses,
            (std::vector<std::string>{"127.0.0.1:7001", "127.0.0.1:7002"}));
  EXPECT_EQ(config.hidden_sizes, (std::vector<int>{128, 64}));
  EXPECT_EQ(config.relabel_strategy, hem::v1::RELABEL_FINAL);

  absl::SetFlag(&FLAGS_hidden_sizes, "128,x");
  EXPECT_NE(LearnerConfigFromFlags().status().message().find("--hidden_sizes"),
            absl::string_view::npos);
  absl::SetFlag(&FLAGS_hidden_sizes, "64");
  absl::SetFlag(&FLAGS_replay, "localhost:notaport");
  EXPECT_NE(LearnerConfigFromFlags().status().message().find("--replay"),
            absl::string_view::npos);
  absl::SetFlag(&FLAGS_replay, "");
  EXPECT_NE(LearnerConfigFromFlags().status().message().find("--replay"),
            absl::string_view::npos);
  absl::SetFlag(&FLAGS_replay, "7001");
  absl::SetFlag(&FLAGS_relabel_strategy, "sometimes");
  EXPECT_NE(LearnerConfigFromFlags().status().message().find("--relabel_strategy"),
            absl::string_view::npos);
  absl::SetFlag(&FLAGS_relabel_strategy, "default");
  absl::SetFlag(&FLAGS_resume, true);
  EXPECT_NE(LearnerConfigFromFlags().status().message().find("--resume"),
            absl::string_view::npos);
  absl::SetFlag(&FLAGS_resume, false);
}

TEST(LearnerFlags, DefaultsComeFromLearnerConfig) {
  const LearnerConfig defaults;
  auto default_of = [](absl::string_view flag) {
    const absl::CommandLineFlag* found = absl::FindCommandLineFlag(flag);
    return found == nullptr ? std::string("<no such flag>") : found->DefaultValue();
  };
  EXPECT_EQ(default_of("batch_size"), absl::UnparseFlag(defaults.batch_size));
  EXPECT_EQ(default_of("lr"), absl::UnparseFlag(defaults.learning_rate));
  EXPECT_EQ(default_of("hidden_sizes"), absl::StrJoin(defaults.hidden_sizes, ","));
  EXPECT_EQ(default_of("sigma"), absl::UnparseFlag(defaults.sigma));
  EXPECT_EQ(default_of("device"), defaults.device);
  EXPECT_EQ(default_of("publish_every"), absl::UnparseFlag(defaults.publish_every));
  EXPECT_EQ(default_of("checkpoint_every_seconds"),
            absl::UnparseFlag(absl::ToDoubleSeconds(defaults.checkpoint_interval)));
  EXPECT_EQ(default_of("report_every_seconds"),
            absl::UnparseFlag(absl::ToDoubleSeconds(defaults.report_interval)));
  EXPECT_EQ(default_of("resume"), absl::UnparseFlag(defaults.resume));
  EXPECT_EQ(default_of("metrics_port"), absl::UnparseFlag(defaults.metrics_port));
  EXPECT_EQ(default_of("prefetch_batches"), absl::UnparseFlag(defaults.prefetch_batches));
  EXPECT_EQ(default_of("relabel_strategy"), "default");
  EXPECT_EQ(default_of("name"), defaults.name);
}

TEST(LearnerFlags, FieldErrorsAreReportedNamingTheFlag) {
  EXPECT_EQ(ToFlagError(absl::InvalidArgumentError("learning_rate: -1 must be positive"))
                .message(),
            "--lr: -1 must be positive");
  EXPECT_EQ(ToFlagError(absl::InvalidArgumentError("report_interval: must be > 0")).message(),
            "--report_every_seconds: must be > 0");
  EXPECT_EQ(ToFlagError(absl::InvalidArgumentError("replay_addresses: none")).message(),
            "--replay: none");
  const absl::Status busy = ToFlagError(absl::UnavailableError("port: 7100 is in use"));
  EXPECT_EQ(busy.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(busy.message(), "--port: 7100 is in use");
  // Not a field, or no field at all: unchanged.
  EXPECT_EQ(ToFlagError(absl::DataLossError("config: unreadable")).message(),
            "config: unreadable");
  EXPECT_EQ(ToFlagError(absl::InternalError("no prefix")).message(), "no prefix");
  EXPECT_TRUE(ToFlagError(absl::OkStatus()).ok());
}

TEST(Learner, RunLearnerReturnsOnceTheStopSignalIsSet) {
  // No shard listens at 127.0.0.1:1: the learner waits for data until stopped.
  std::atomic<bool> stop(false);
  std::thread stopper([&] {
    absl::SleepFor(absl::Milliseconds(500));
    stop = true;
  });
  const absl::Time start = absl::Now();
  const absl::Status status = RunLearner(SmallConfig(), stop);
  stopper.join();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

// Two real replay shards on loopback, filled through the real writer.
TEST(Learner, TrainsFromRealReplayShardsAndSurvivesAShardStopping) {
  const hem::v1::EnvSpec spec = MakeEnvSpec("fetch_reach").value();
  std::vector<std::unique_ptr<ReplayServer>> shards;
  std::vector<std::string> addresses;
  for (int i = 0; i < 2; ++i) {
    ReplayServerConfig server_config;
    server_config.shard.shard_index = i;
    server_config.shard.num_shards = 2;
    shards.push_back(ReplayServer::Start(server_config).value());
    addresses.push_back(shards.back()->address());
  }
  ReplayWriterOptions writer_options;
  writer_options.addresses = addresses;
  auto writer = ShardedReplayWriter::Create(writer_options, spec).value();
  testing::TrajectoryOptions trajectory_options;
  trajectory_options.num_steps = 50;
  trajectory_options.tagged = false;
  for (uint64_t episode = 0; episode < 40; ++episode) {
    trajectory_options.seed = episode + 1;
    hem::v1::Trajectory trajectory =
        testing::MakeTrajectory(spec, /*actor_id=*/1, episode, trajectory_options);
    ASSERT_TRUE(writer->Insert(std::move(trajectory), absl::Seconds(10)).ok());
  }
  ASSERT_TRUE(writer->Flush(absl::Seconds(20)).ok());

  LearnerConfig config = SmallConfig();
  config.env = "fetch_reach";
  config.replay_addresses = addresses;
  config.batch_size = 64;
  config.relabel_strategy = hem::v1::RELABEL_FUTURE;
  auto source = MakeReplayBatchSource(config, spec.spec_id()).value();
  auto learner = Learner::Create(config, std::move(source)).value();
  absl::Status run_status;
  std::thread trainer([&] { run_status = learner->Run(); });

  auto wait_for_updates = [&](int64_t target) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (learner->updates() < target && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    return learner->updates() >= target;
  };
  EXPECT_TRUE(wait_for_updates(50)) << learner->updates();
  // live_shards is refreshed with every report (200 ms here), and the sampler
  // needs a moment to notice a shard's state.
  auto wait_for_live = [&](int64_t shards) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (learner->metrics().Snapshot().live_shards != shards && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    return learner->metrics().Snapshot().live_shards;
  };
  EXPECT_EQ(wait_for_live(2), 2);
  // One shard goes away mid-run: training continues from the other.
  ASSERT_TRUE(shards[1]->Shutdown().ok());
  shards[1].reset();
  const int64_t after_stop = learner->updates();
  EXPECT_TRUE(wait_for_updates(after_stop + 300)) << learner->updates();
  EXPECT_EQ(wait_for_live(1), 1);
  const int64_t with_one_shard = learner->updates();
  EXPECT_TRUE(wait_for_updates(with_one_shard + 100)) << learner->updates();
  learner->Stop();
  trainer.join();
  EXPECT_TRUE(run_status.ok()) << run_status;
  EXPECT_GT(learner->version(), 1);
  MetricsSnapshot s = learner->metrics().Snapshot();
  EXPECT_TRUE(std::isfinite(s.loss));
}

}  // namespace
}  // namespace hem
