// The replay shard over real gRPC on loopback.
#include "replay_service/replay_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/env_catalog.h"
#include "common/grpc_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "proto/process_status.grpc.pb.h"
#include "proto/replay_service.grpc.pb.h"
#include "replay_service/replay_testing.h"

namespace hem {
namespace {

using Stub = hem::v1::ReplayService::Stub;

class ReplayServerTest : public ::testing::Test {
 protected:
  void Start(ReplayServerConfig config = {}) {
    config.checkpoint_interval = absl::ZeroDuration();
    auto server = ReplayServer::Start(config);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = CreateHemChannel(server_->address());
    stub_ = hem::v1::ReplayService::NewStub(channel_);
  }

  hem::v1::InsertRequest SpecRequest(const hem::v1::EnvSpec& spec, uint64_t id) {
    hem::v1::InsertRequest request;
    *request.mutable_spec() = spec;
    request.set_request_id(id);
    return request;
  }

  hem::v1::InsertRequest TrajectoryRequest(hem::v1::Trajectory trajectory,
                                           uint64_t id) {
    hem::v1::InsertRequest request;
    *request.mutable_trajectory() = std::move(trajectory);
    request.set_request_id(id);
    return request;
  }

  // Sends all requests on one stream and returns the responses and status.
  grpc::Status InsertAll(const std::vector<hem::v1::InsertRequest>& requests,
                         std::vector<hem::v1::InsertResponse>* responses,
                         absl::Duration timeout = absl::Seconds(10)) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    auto stream = stub_->Insert(&context);
    for (const auto& request : requests) {
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
    hem::v1::InsertResponse response;
    while (stream->Read(&response)) responses->push_back(response);
    return stream->Finish();
  }

  hem::v1::ReplayStats Stats() {
    grpc::ClientContext context;
    hem::v1::ReplayStats stats;
    EXPECT_TRUE(stub_->GetStats(&context, {}, &stats).ok());
    return stats;
  }

  std::unique_ptr<ReplayServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

TEST_F(ReplayServerTest, InsertAcknowledgesEveryRequestInOrder) {
  Start();
  const hem::v1::EnvSpec spec = *MakeEnvSpec("fetch_reach");
  std::vector<hem::v1::InsertRequest> requests = {SpecRequest(spec, 100)};
  for (int e = 0; e < 6; ++e) {
    hem::v1::Trajectory trajectory = testing::MakeTrajectory(spec, 1, e);
    if (e == 3) (*trajectory.mutable_successes())[0] = 7;
    requests.push_back(TrajectoryRequest(trajectory, 200 + e));
  }
  std::vector<hem::v1::InsertResponse> responses;
  ASSERT_TRUE(InsertAll(requests, &responses).ok());
  ASSERT_EQ(responses.size(), requests.size());
  EXPECT_EQ(responses[0].request_id(), 100u);
  EXPECT_TRUE(responses[0].stored());
  int64_t size = 0;
  for (int e = 0; e < 6; ++e) {
    const auto& response = responses[1 + e];
    EXPECT_EQ(response.request_id(), 200u + e);
    if (e == 3) {
      EXPECT_FALSE(response.stored());
      EXPECT_TRUE(absl::StartsWith(response.error(), "trajectory.successes: "))
          << response.error();
      EXPECT_EQ(response.stored_transitions(), 0);
    } else {
      EXPECT_TRUE(response.stored()) << response.error();
      size += 10;
      EXPECT_EQ(response.stored_transitions(), size);
    }
  }
  const hem::v1::ReplayStats stats = Stats();
  EXPECT_EQ(stats.episodes(), 5);
  EXPECT_EQ(stats.transitions(), 50);
  EXPECT_EQ(stats.rejected_trajectories(), 1);
  EXPECT_GT(stats.bytes(), 50 * (10 + 3 + 3) * 4);
}

TEST_F(ReplayServerTest, MalformedStreamsAreInvalidArgumentNamingTheField) {
  Start();
  std::vector<hem::v1::InsertResponse> responses;
  grpc::Status status = InsertAll({hem::v1::InsertRequest()}, &responses);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "request: "))
      << status.error_message();

  hem::v1::EnvSpec spec = *MakeEnvSpec("nav:k=2");
  spec.set_goal_dim(0);
  responses.clear();
  status = InsertAll({SpecRequest(spec, 1)}, &responses);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "spec.goal_dim: "))
      << status.error_message();

  // A trajectory of an undeclared spec is rejected; the stream continues.
  const hem::v1::EnvSpec good = *MakeEnvSpec("nav:k=2");
  responses.clear();
  status = InsertAll({TrajectoryRequest(testing::MakeTrajectory(good, 1, 1), 1),
                      SpecRequest(good, 2),
                      TrajectoryRequest(testing::MakeTrajectory(good, 1, 1), 3)},
                     &responses);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_FALSE(responses[0].stored());
  EXPECT_TRUE(absl::StartsWith(responses[0].error(), "trajectory.spec_id: "));
  EXPECT_TRUE(responses[2].stored());
  EXPECT_EQ(Stats().episodes(), 1);
}

TEST_F(ReplayServerTest, ResentEpisodeIsStoredOnce) {
  Start();
  const hem::v1::EnvSpec spec = *MakeEnvSpec("flip_bit:k=8");
  testing::TrajectoryOptions options;
  options.num_steps = 8;
  hem::v1::Trajectory trajectory = testing::MakeTrajectory(spec, 4, 9, options);
  std::vector<hem::v1::InsertResponse> responses;
  ASSERT_TRUE(InsertAll({SpecRequest(spec, 1), TrajectoryRequest(trajectory, 2)},
                        &responses).ok());
  ASSERT_TRUE(InsertAll({SpecRequest(spec, 1), TrajectoryRequest(trajectory, 2)},
                        &responses).ok());
  ASSERT_EQ(responses.size(), 4u);
  EXPECT_TRUE(responses[3].stored());  // Acknowledged: the writer stops resending.
  EXPECT_EQ(Stats().episodes(), 1);
  EXPECT_EQ(server_->shard()->duplicate_trajectories(), 1);
}

TEST_F(ReplayServerTest, SampleStreamsRelabeledBatchesAndCountsThem) {
  Start();
  const hem::v1::EnvSpec spec = *MakeEnvSpec("fetch_reach");
  std::vector<hem::v1::InsertRequest> requests = {SpecRequest(spec, 1)};
  for (int e = 0; e < 20; ++e) {
    requests.push_back(TrajectoryRequest(testing::MakeTrajectory(spec, 1, e), 2 + e));
  }
  std::vector<hem::v1::InsertResponse> responses;
  ASSERT_TRUE(InsertAll(requests, &responses).ok());

  grpc::ClientContext context;
  hem::v1::SampleRequest request;
  request.set_batch_size(128);
  request.set_num_batches(5);
  request.set_with_next(true);
  request.set_strategy(hem::v1::RELABEL_FUTURE);
  request.set_relabel_probability(0.5);
  request.set_seed(3);
  auto reader = stub_->Sample(&context, request);
  hem::v1::SampleResponse response;
  int batches = 0;
  int64_t relabeled = 0;
  while (reader->Read(&response)) {
    ++batches;
    const hem::v1::Batch& batch = response.batch();
    EXPECT_EQ(batch.size(), 128);
    EXPECT_EQ(batch.spec_id(), spec.spec_id());
    EXPECT_EQ(batch.observations().shape(0), 128);
    EXPECT_EQ(batch.observations().shape(1), 10);
    EXPECT_EQ(batch.next_observations().data().size(), 128u * 40);
    EXPECT_EQ(batch.actions().shape(1), 3);
    relabeled += batch.num_relabeled();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(batches, 5);
  EXPECT_GT(relabeled, 0);
  EXPECT_LT(relabeled, 5 * 128);
  const hem::v1::ReplayStats stats = Stats();
  EXPECT_EQ(stats.sampled_transitions(), 5 * 128);
  EXPECT_EQ(stats.relabeled_transitions(), relabeled);
  EXPECT_EQ(stats.inserted_transitions(), 200);

  // StatusService reports the same numbers.
  auto status_stub = hem::v1::StatusService::NewStub(channel_);
  grpc::ClientContext status_context;
  hem::v1::ProcessStatus status;
  ASSERT_TRUE(status_stub->GetStatus(&status_context, {}, &status).ok());
  EXPECT_EQ(status.role(), "replay");
  EXPECT_TRUE(status.ready());
  EXPECT_EQ(status.metrics().at("sampled_transitions"), 5 * 128);
  EXPECT_EQ(status.metrics().at("transitions"), 200);
  EXPECT_EQ(status.labels().at("shard"), "0/1");
}

TEST_F(ReplayServerTest, SampleBelowMinSizeEndsAtTheCallDeadline) {
  ReplayServerConfig config;
  config.shard.rate_limiter.min_size_to_sample = 1000;
  Start(config);
  const hem::v1::EnvSpec spec = *MakeEnvSpec("fetch_reach");
  std::vector<hem::v1::InsertResponse> responses;
  ASSERT_TRUE(InsertAll({SpecRequest(spec, 1),
                         TrajectoryRequest(testing::MakeTrajectory(spec, 1, 1), 2)},
                        &responses).ok());
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(300)));
  hem::v1::SampleRequest request;
  request.set_batch_size(16);
  const absl::Time start = absl::Now();
  auto reader = stub_->Sample(&context, request);
  hem::v1::SampleResponse response;
  EXPECT_FALSE(reader->Read(&response));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_GE(Stats().rate_limiter_sample_waits(), 1);
}

TEST_F(ReplayServerTest, SampleRequestErrors) {
  Start();
  const hem::v1::EnvSpec a = *MakeEnvSpec("fetch_reach");
  const hem::v1::EnvSpec b = *MakeEnvSpec("nav:k=2");
  std::vector<hem::v1::InsertResponse> responses;
  ASSERT_TRUE(InsertAll({SpecRequest(a, 1), SpecRequest(b, 2)}, &responses).ok());
  auto sample_status = [this](hem::v1::SampleRequest request) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(300)));
    auto reader = stub_->Sample(&context, request);
    hem::v1::SampleResponse response;
    while (reader->Read(&response)) {
    }
    return reader->Finish();
  };
  hem::v1::SampleRequest request;
  request.set_batch_size(0);
  grpc::Status status = sample_status(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "batch_size: "));
  request.set_batch_size(8);
  status = sample_status(request);  // spec_id 0 with two specs.
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "spec_id: "));
  request.set_spec_id(a.spec_id());
  request.set_relabel_probability(2);
  status = sample_status(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "relabel_probability: "));
  request.set_relabel_probability(-1);
  request.set_future_window(-3);
  status = sample_status(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "future_window: "));
  request.set_future_window(0);
  request.set_spec_id(12345);  // Never declared: waits, then the deadline.
  EXPECT_EQ(sample_status(request).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(ReplayServerTest, InsertsBlockWhenSamplingFallsBehindTheRatio) {
  ReplayServerConfig config;
  config.shard.rate_limiter.min_size_to_sample = 100;
  config.shard.rate_limiter.samples_per_insert = 1;
  config.shard.rate_limiter.tolerance = 100;
  Start(config);
  const hem::v1::EnvSpec spec = *MakeEnvSpec("fetch_reach");
  std::vector<hem::v1::InsertRequest> requests = {SpecRequest(spec, 1)};
  for (int e = 0; e < 100; ++e) {
    requests.push_back(TrajectoryRequest(testing::MakeTrajectory(spec, 1, e), 2 + e));
  }
  std::vector<hem::v1::InsertResponse> responses;
  const grpc::Status status =
      InsertAll(requests, &responses, absl::Milliseconds(500));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // D = I - S may reach offset + tol = 200 before inserts block: 21 episodes
  // of 10 transitions (the last one overshoots by one episode).
  const hem::v1::ReplayStats stats = Stats();
  EXPECT_EQ(stats.inserted_transitions(), 210);
  EXPECT_GE(stats.rate_limiter_insert_waits(), 1);

  // Sampling 100 transitions lets 100 more in (D: 110 -> 210).
  grpc::ClientContext context;
  hem::v1::SampleRequest request;
  request.set_batch_size(50);
  request.set_num_batches(2);
  auto reader = stub_->Sample(&context, request);
  hem::v1::SampleResponse response;
  while (reader->Read(&response)) {
  }
  ASSERT_TRUE(reader->Finish().ok());
  requests.erase(requests.begin() + 1, requests.begin() + 22);
  responses.clear();
  InsertAll(requests, &responses, absl::Milliseconds(500));
  EXPECT_EQ(Stats().inserted_transitions(), 310);
}

TEST_F(ReplayServerTest, RestartRestoresTheNewestGoodCheckpoint) {
  const std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/server_ckpt");
  ReplayServerConfig config;
  config.checkpoint_dir = dir;
  Start(config);
  const hem::v1::EnvSpec spec = *MakeEnvSpec("nav:k=2");
  std::vector<hem::v1::InsertRequest> requests = {SpecRequest(spec, 1)};
  for (int e = 0; e < 7; ++e) {
    requests.push_back(TrajectoryRequest(testing::MakeTrajectory(spec, 1, e), 2 + e));
  }
  std::vector<hem::v1::InsertResponse> responses;
  ASSERT_TRUE(InsertAll(requests, &responses).ok());
  auto first = server_->Checkpoint();
  ASSERT_TRUE(first.ok()) << first.status();
  requests.clear();
  requests.push_back(SpecRequest(spec, 1));
  for (int e = 7; e < 10; ++e) {
    requests.push_back(TrajectoryRequest(testing::MakeTrajectory(spec, 1, e), 2 + e));
  }
  ASSERT_TRUE(InsertAll(requests, &responses).ok());
  ASSERT_TRUE(server_->Shutdown().ok());  // Final checkpoint: 10 episodes.
  EXPECT_EQ(server_->Stats().checkpoints_written(), 2);
  const std::string last = server_->Stats().last_checkpoint();
  server_.reset();

  Start(config);
  EXPECT_EQ(server_->restored_checkpoint(), last);
  EXPECT_EQ(Stats().episodes(), 10);
  ASSERT_TRUE(server_->Shutdown().ok());
  server_.reset();

  // Corrupt the newest: the server says which file and why, and falls back.
  const std::string newest = CheckpointDirectory(dir, 0).List().front();
  {
    std::fstream file(newest, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(60);
    file.put('\x7f');
  }
  Start(config);
  EXPECT_NE(server_->restored_checkpoint(), newest);
  ASSERT_EQ(server_->checkpoint_problems().size(), 1u);
  EXPECT_TRUE(absl::StrContains(server_->checkpoint_problems()[0], newest));
  EXPECT_EQ(Stats().episodes(), 10);
}

TEST(ReplayServerBinary, PrintsReadyLineAndCheckpointsOnSigterm) {
  const std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/binary_ckpt");
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    dup2(pipe_fds[1], 1);
    close(pipe_fds[0]);
    const std::string dir_flag = "--checkpoint_dir=" + dir;
    execl("replay_service/replay_server", "replay_server", "--shard_index=1",
          "--num_shards=2", "--port=0", dir_flag.c_str(), "--quiet",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  FILE* out = fdopen(pipe_fds[0], "r");
  char line[256] = {0};
  ASSERT_NE(fgets(line, sizeof(line), out), nullptr);
  EXPECT_TRUE(absl::StartsWith(line, "replay shard 1/2 listening on 127.0.0.1:"))
      << line;
  kill(child, SIGTERM);
  int status = 0;
  waitpid(child, &status, 0);
  fclose(out);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(CheckpointDirectory(dir, 1).List().size(), 1u);
}

}  // namespace
}  // namespace hem
