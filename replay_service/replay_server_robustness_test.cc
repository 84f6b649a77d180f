// A replay shard against hostile and careless clients, and against kill -9:
// every finding of issue 11 as a regression test. Huge batches are refused
// at once naming the field and the limit while memory stays flat; bytes
// that do not decode end an Insert stream with an error, never OK; SIGTERM
// with open streams exits within seconds; an acknowledged episode survives
// kill -9 of the shard.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/env_catalog.h"
#include "common/grpc_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/impl/codegen/client_unary_call.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/sync_stream.h"
#include "gtest/gtest.h"
#include "proto/replay_service.grpc.pb.h"
#include "replay_service/replay_server.h"
#include "replay_service/replay_testing.h"

namespace hem {
namespace {

using Stub = hem::v1::ReplayService::Stub;

// Resident memory of this process, from /proc/self/status (kB).
int64_t ResidentKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmRSS:")) {
      int64_t kb = 0;
      absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(6, line.size() - 9)), &kb);
      return kb;
    }
  }
  return -1;
}

hem::v1::InsertRequest SpecRequest(const hem::v1::EnvSpec& spec) {
  hem::v1::InsertRequest request;
  *request.mutable_spec() = spec;
  return request;
}

hem::v1::InsertRequest TrajectoryRequest(hem::v1::Trajectory trajectory,
                                         uint64_t id) {
  hem::v1::InsertRequest request;
  *request.mutable_trajectory() = std::move(trajectory);
  request.set_request_id(id);
  return request;
}

class ShardUnderTest : public ::testing::Test {
 protected:
  void Start(ReplayServerConfig config = {}) {
    config.checkpoint_interval = absl::ZeroDuration();
    auto server = ReplayServer::Start(config);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = CreateHemChannel(server_->address());
    stub_ = hem::v1::ReplayService::NewStub(channel_);
  }

  void Fill(const hem::v1::EnvSpec& spec, int episodes) {
    grpc::ClientContext context;
    auto stream = stub_->Insert(&context);
    ASSERT_TRUE(stream->Write(SpecRequest(spec)));
    for (int e = 0; e < episodes; ++e) {
      ASSERT_TRUE(stream->Write(TrajectoryRequest(testing::MakeTrajectory(spec, 1, e), e + 1)));
    }
    stream->WritesDone();
    hem::v1::InsertResponse response;
    while (stream->Read(&response)) {
    }
    ASSERT_TRUE(stream->Finish().ok());
  }

  grpc::Status SampleStatus(const hem::v1::SampleRequest& request,
                            absl::Duration timeout = absl::Seconds(5)) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    auto reader = stub_->Sample(&context, request);
    hem::v1::SampleResponse response;
    while (reader->Read(&response)) {
    }
    return reader->Finish();
  }

  std::unique_ptr<ReplayServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

TEST_F(ShardUnderTest, HugeBatchesAreRefusedAtOnceNamingTheLimit) {
  Start();
  const hem::v1::EnvSpec spec = *MakeEnvSpec("fetch_reach");
  Fill(spec, 10);
  const int64_t before = ResidentKb();
  // 3e6 transitions of 117 bytes: within the bound for the smallest spec,
  // refused by fetch_reach's own row size.
  for (int32_t batch_size : {1 << 26, 1 << 30, 3000000}) {
    hem::v1::SampleRequest request;
    request.set_batch_size(batch_size);
    request.set_with_next(true);
    const absl::Time start = absl::Now();
    const grpc::Status status = SampleStatus(request, absl::Minutes(1));
    EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << batch_size;
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << batch_size;
    EXPECT_TRUE(absl::StartsWith(status.error_message(), "batch_size: "))
        << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(),
                                  absl::StrCat(kMaxBatchBytes, " bytes")))
        << status.error_message();
  }
  // Nothing was allocated for them, and the shard still serves.
  EXPECT_LT(ResidentKb() - before, 64 * 1024);
  hem::v1::SampleRequest request;
  request.set_batch_size(256);
  request.set_num_batches(2);
  EXPECT_TRUE(SampleStatus(request).ok());
}

TEST_F(ShardUnderTest, UndecodableInsertMessagesEndTheStreamWithAnError) {
  Start();
  // A raw stream on the Insert method, as an independent client could open.
  const grpc::internal::RpcMethod method(
      "/hem.v1.ReplayService/Insert", grpc::internal::RpcMethod::BIDI_STREAMING);
  for (const std::string& garbage :
       {std::string("\xff\xff\xff\xff", 4), std::string("\x0a\x05\x01", 3)}) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>>
        stream(grpc::internal::ClientReaderWriterFactory<
               grpc::ByteBuffer, grpc::ByteBuffer>::Create(channel_.get(), method,
                                                           &context));
    grpc::Slice slice(garbage);
    grpc::ByteBuffer buffer(&slice, 1);
    ASSERT_TRUE(stream->Write(buffer));
    stream->WritesDone();
    grpc::ByteBuffer response;
    EXPECT_FALSE(stream->Read(&response));
    const grpc::Status status = stream->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(absl::StartsWith(status.error_message(), "request: message 0 "))
        << status.error_message();
  }
  EXPECT_EQ(server_->shard()->Stats().episodes(), 0);
}

TEST_F(ShardUnderTest, SpecsAndStreamsPerClientAreBounded) {
  ReplayServerConfig config;
  config.shard.max_specs = 2;
  config.limits.streams.max_streams_per_client = 2;
  Start(config);
  ASSERT_TRUE(server_->shard()->RegisterSpec(*MakeEnvSpec("fetch_reach")).ok());
  ASSERT_TRUE(server_->shard()->RegisterSpec(*MakeEnvSpec("nav:k=2")).ok());
  const absl::Status third = server_->shard()->RegisterSpec(*MakeEnvSpec("point_mass"));
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(third.message(), "max_specs")) << third;

  // Two streams held open; the third from the same host is refused.
  grpc::ClientContext a, b, c;
  auto first = stub_->Insert(&a);
  auto second = stub_->Insert(&b);
  ASSERT_TRUE(first->Write(SpecRequest(*MakeEnvSpec("fetch_reach"))));
  ASSERT_TRUE(second->Write(SpecRequest(*MakeEnvSpec("fetch_reach"))));
  hem::v1::InsertResponse response;
  ASSERT_TRUE(first->Read(&response));
  ASSERT_TRUE(second->Read(&response));
  auto third_stream = stub_->Insert(&c);
  third_stream->WritesDone();
  EXPECT_FALSE(third_stream->Read(&response));
  const grpc::Status refused = third_stream->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "max_streams_per_client"))
      << refused.error_message();
  first->WritesDone();
  EXPECT_TRUE(first->Finish().ok());
  second->WritesDone();
  EXPECT_TRUE(second->Finish().ok());
}

// The replay_server binary, started on a free port; returns its pid and
// address (from its ready line).
std::pair<pid_t, std::string> StartBinary(const std::vector<std::string>& flags) {
  int out[2];
  if (pipe(out) != 0) return {-1, ""};
  const pid_t child = fork();
  if (child == 0) {
    dup2(out[1], 1);
    close(out[0]);
    std::vector<char*> argv = {const_cast<char*>("replay_server")};
    for (const std::string& flag : flags) argv.push_back(const_cast<char*>(flag.c_str()));
    argv.push_back(nullptr);
    execv("replay_service/replay_server", argv.data());
    _exit(127);
  }
  close(out[1]);
  FILE* stream = fdopen(out[0], "r");
  char line[512] = {0};
  std::string address;
  if (fgets(line, sizeof(line), stream) != nullptr) {
    // "... listening on ..., reached as HOST:PORT": the port ends the line.
    absl::string_view text = absl::StripAsciiWhitespace(line);
    const size_t colon = text.rfind(':');
    if (colon != absl::string_view::npos) {
      address = absl::StrCat("127.0.0.1:", text.substr(colon + 1));
    }
  }
  fclose(stream);
  return {child, address};
}

// Waits for `pid` up to `timeout`; the exit status, or -1 if still running.
int WaitFor(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  while (absl::Now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return -1;
}

TEST(ReplayServerBinary, SigtermWithOpenStreamsExitsWithinSecondsAfterCheckpointing) {
  const std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/sigterm_ckpt");
  const auto [pid, address] = StartBinary(
      {"--quiet", "--port=0", absl::StrCat("--checkpoint_dir=", dir),
       "--min_size_to_sample=1000000"});  // Never reached: Sample waits.
  ASSERT_GT(pid, 0);
  ASSERT_FALSE(address.empty());
  auto stub = hem::v1::ReplayService::NewStub(CreateHemChannel(address));
  const hem::v1::EnvSpec spec = *MakeEnvSpec("fetch_reach");
  // An Insert stream left open, and a Sample stream waiting on the rate
  // limiter (far below min_size_to_sample), both without deadlines.
  grpc::ClientContext insert_context, sample_context;
  auto insert = stub->Insert(&insert_context);
  ASSERT_TRUE(insert->Write(SpecRequest(spec)));
  ASSERT_TRUE(insert->Write(TrajectoryRequest(testing::MakeTrajectory(spec, 1, 1), 1)));
  hem::v1::InsertResponse ack;
  ASSERT_TRUE(insert->Read(&ack));
  ASSERT_TRUE(insert->Read(&ack));
  hem::v1::SampleRequest request;
  request.set_batch_size(64);
  auto sample = stub->Sample(&sample_context, request);
  absl::SleepFor(absl::Milliseconds(300));

  const absl::Time start = absl::Now();
  kill(pid, SIGTERM);
  const int status = WaitFor(pid, absl::Seconds(10));
  const absl::Duration took = absl::Now() - start;
  if (status == -1) kill(pid, SIGKILL);
  ASSERT_NE(status, -1) << "still running 10 s after SIGTERM";
  EXPECT_LT(took, absl::Seconds(5));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(CheckpointDirectory(dir, 0).List().size(), 1u);
  hem::v1::SampleResponse response;
  EXPECT_FALSE(sample->Read(&response));
  EXPECT_FALSE(sample->Finish().ok());
  insert_context.TryCancel();
  (void)insert->Finish();
}

TEST(ReplayServerBinary, EveryAcknowledgedEpisodeSurvivesKill9) {
  const std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/kill9");
  const std::pair<pid_t, std::string> started =
      StartBinary({"--quiet", "--port=0", "--shard_index=0",
                   absl::StrCat("--checkpoint_dir=", dir), "--durability=log"});
  const pid_t pid = started.first;
  const std::string address = started.second;
  ASSERT_GT(pid, 0);
  ASSERT_FALSE(address.empty());
  auto stub = hem::v1::ReplayService::NewStub(CreateHemChannel(address));
  const hem::v1::EnvSpec spec = *MakeEnvSpec("fetch_reach");
  grpc::ClientContext context;
  auto stream = stub->Insert(&context);
  ASSERT_TRUE(stream->Write(SpecRequest(spec)));
  // Episodes go out as fast as the stream takes them; the shard is killed
  // while many are still in flight.
  std::set<uint64_t> acknowledged;
  std::thread reader([&] {
    hem::v1::InsertResponse response;
    while (stream->Read(&response)) {
      if (response.request_id() > 0 && response.stored()) {
        acknowledged.insert(response.request_id());
      }
      if (acknowledged.size() == 500) kill(pid, SIGKILL);
    }
  });
  for (uint64_t e = 1; e <= 5000; ++e) {
    if (!stream->Write(TrajectoryRequest(testing::MakeTrajectory(spec, 7, e), e))) break;
  }
  stream->WritesDone();
  reader.join();
  (void)stream->Finish();
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the shard finished before the kill";
  ASSERT_GE(acknowledged.size(), 500u);
  ASSERT_LT(acknowledged.size(), 5000u);

  ReplayServerConfig config;
  config.checkpoint_dir = dir;
  auto restarted = ReplayServer::Start(config);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  std::set<uint64_t> held;
  for (const auto& group : (*restarted)->shard()->Snapshot()) {
    for (const auto& episode : group.episodes) held.insert(episode->episode_id);
  }
  for (uint64_t id : acknowledged) {
    ASSERT_TRUE(held.count(id)) << "acknowledged episode " << id << " lost";
  }
  EXPECT_EQ((*restarted)->log_replay().duplicates, 0);
}

}  // namespace
}  // namespace hem
