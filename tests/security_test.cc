// Every hem gRPC service behind credentials, over real TLS on loopback: a
// replay shard (ReplayService, StatusService) and the learner's servers
// (ParameterService, StatusService), with credentials made by
// deploy/make_credentials.sh. For each service: a plaintext client cannot
// talk to it, a client that trusts another CA cannot either, a TLS call
// without a token or with a wrong one gets UNAUTHENTICATED and is counted
// (UnauthenticatedCallCount, reported as "unauthenticated_calls"), and the
// run's token works.
#include <sys/stat.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/grpc_util.h"
#include "common/net_config.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "learner/learner_config.h"
#include "learner/learner_servers.h"
#include "learner/metrics.h"
#include "proto/policy.grpc.pb.h"
#include "proto/process_status.grpc.pb.h"
#include "proto/replay_service.grpc.pb.h"
#include "replay_service/replay_server.h"

namespace hem {
namespace {

using ::testing::HasSubstr;

// Makes a credentials directory with the real script.
std::string MakeCredentials(const std::string& name) {
  const std::string dir = absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
  const std::string command =
      absl::StrCat("deploy/make_credentials.sh ", dir, " >/dev/null");
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return dir;
}

// One RPC of a service on `channel`, with a short deadline.
using Call = std::function<grpc::Status(const std::shared_ptr<grpc::Channel>&)>;

grpc::Status GetStatus(const std::shared_ptr<grpc::Channel>& channel,
                       hem::v1::ProcessStatus* status) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  return hem::v1::StatusService::NewStub(channel)->GetStatus(
      &context, hem::v1::StatusRequest(), status);
}

const Call kStatusCall = [](const std::shared_ptr<grpc::Channel>& channel) {
  hem::v1::ProcessStatus status;
  return GetStatus(channel, &status);
};

const Call kReplayCall = [](const std::shared_ptr<grpc::Channel>& channel) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  hem::v1::ReplayStats stats;
  return hem::v1::ReplayService::NewStub(channel)->GetStats(
      &context, hem::v1::ReplayStatsRequest(), &stats);
};

const Call kParameterCall = [](const std::shared_ptr<grpc::Channel>& channel) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  hem::v1::GetPolicyRequest request;
  request.set_metadata_only(true);
  hem::v1::PolicyWeights weights;
  return hem::v1::ParameterService::NewStub(channel)->GetPolicy(&context, request,
                                                                &weights);
};

// A TLS channel that verifies the run's CA like hem's clients, with the
// given call credentials (none, or a token).
std::shared_ptr<grpc::Channel> TlsChannel(
    const std::string& address, const Credentials& credentials,
    std::shared_ptr<grpc::CallCredentials> call_credentials) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = credentials.ca_cert;
  std::shared_ptr<grpc::ChannelCredentials> channel_credentials = grpc::SslCredentials(ssl);
  if (call_credentials != nullptr) {
    channel_credentials =
        grpc::CompositeChannelCredentials(channel_credentials, call_credentials);
  }
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(kNodeCertificateName);
  return grpc::CreateCustomChannel(address, channel_credentials, args);
}

class Security : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    run_dir_ = new std::string(MakeCredentials("run"));
    other_dir_ = new std::string(MakeCredentials("other_run"));
  }

  void SetUp() override {
    absl::StatusOr<Credentials> run = LoadCredentials(*run_dir_);
    ASSERT_TRUE(run.ok()) << run.status();
    run_ = *run;
    absl::StatusOr<Credentials> other = LoadCredentials(*other_dir_);
    ASSERT_TRUE(other.ok()) << other.status();
    other_ = *other;
  }

  // Every refusal and the one success a service owes, for `call` at `address`.
  void ExpectOnlyTheTokenIsLetIn(const std::string& address, const Call& call) {
    // Plaintext against TLS: the handshake fails, nothing is served.
    grpc::Status plaintext = call(CreateHemChannel(address, nullptr));
    EXPECT_FALSE(plaintext.ok());
    EXPECT_NE(plaintext.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    // The right token, but trusting another run's CA: the server is refused.
    EXPECT_FALSE(call(CreateHemChannel(address, &other_)).ok());

    const int64_t refused_before = UnauthenticatedCallCount();
    grpc::Status no_token = call(TlsChannel(address, run_, nullptr));
    EXPECT_EQ(no_token.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << no_token.error_message();
    grpc::Status wrong_token =
        call(TlsChannel(address, run_, grpc::AccessTokenCredentials(other_.token)));
    EXPECT_EQ(wrong_token.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << wrong_token.error_message();
    // A token that is the right one with a byte more is still wrong.
    grpc::Status longer_token =
        call(TlsChannel(address, run_, grpc::AccessTokenCredentials(run_.token + "0")));
    EXPECT_EQ(longer_token.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(UnauthenticatedCallCount(), refused_before + 3);

    grpc::Status right = call(CreateHemChannel(address, &run_));
    EXPECT_TRUE(right.ok()) << right.error_code() << ": " << right.error_message();
    EXPECT_EQ(UnauthenticatedCallCount(), refused_before + 3);
  }

  // What the StatusService at `address` reports as unauthenticated_calls.
  double ReportedRefusals(const std::string& address) {
    hem::v1::ProcessStatus status;
    grpc::Status rpc = GetStatus(CreateHemChannel(address, &run_), &status);
    EXPECT_TRUE(rpc.ok()) << rpc.error_message();
    return status.metrics().at("unauthenticated_calls");
  }

  static std::string* run_dir_;
  static std::string* other_dir_;
  Credentials run_;
  Credentials other_;
};

std::string* Security::run_dir_ = nullptr;
std::string* Security::other_dir_ = nullptr;

TEST_F(Security, CredentialFilesArePrivate) {
  struct stat info;
  ASSERT_EQ(stat(run_dir_->c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  for (const char* name : {"ca.crt", "node.crt", "node.key", "token"}) {
    const std::string path = absl::StrCat(*run_dir_, "/", name);
    ASSERT_EQ(stat(path.c_str(), &info), 0) << path;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << path;
  }
  EXPECT_EQ(run_.token.size(), 64u);  // 32 random bytes, hex.
  EXPECT_NE(run_.token, other_.token);
}

TEST_F(Security, ReplayShardServesOnlyTheToken) {
  ReplayServerConfig config;
  config.net.bind_host = "0.0.0.0";  // Beyond loopback: allowed with credentials.
  config.net.advertise_host = "127.0.0.1";
  config.net.credentials_dir = *run_dir_;
  absl::StatusOr<std::unique_ptr<ReplayServer>> server = ReplayServer::Start(config);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = (*server)->address();
  EXPECT_EQ(address, absl::StrCat("127.0.0.1:", (*server)->port()));

  ExpectOnlyTheTokenIsLetIn(address, kReplayCall);
  ExpectOnlyTheTokenIsLetIn(address, kStatusCall);
  EXPECT_EQ(ReportedRefusals(address), static_cast<double>(UnauthenticatedCallCount()));
  EXPECT_GE(ReportedRefusals(address), 6);
  ASSERT_TRUE((*server)->Shutdown().ok());
}

TEST_F(Security, LearnerServesOnlyTheToken) {
  LearnerConfig config;
  config.net.credentials_dir = *run_dir_;
  LearnerMetrics metrics;
  absl::StatusOr<std::unique_ptr<LearnerServers>> servers =
      LearnerServers::Start(config, &metrics, [](hem::v1::ProcessStatus*) {});
  ASSERT_TRUE(servers.ok()) << servers.status();
  hem::v1::PolicyWeights weights;
  weights.set_version(1);
  ASSERT_TRUE((*servers)->parameters()->Publish(weights).ok());
  const std::string address = absl::StrCat("127.0.0.1:", (*servers)->port());

  ExpectOnlyTheTokenIsLetIn(address, kParameterCall);
  ExpectOnlyTheTokenIsLetIn(address, kStatusCall);
  EXPECT_EQ(ReportedRefusals(address), static_cast<double>(UnauthenticatedCallCount()));
  (*servers)->Shutdown();
}

TEST_F(Security, WithoutCredentialsLoopbackStaysPlaintext) {
  ReplayServerConfig config;  // The defaults: loopback, no credentials.
  absl::StatusOr<std::unique_ptr<ReplayServer>> server = ReplayServer::Start(config);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_TRUE(kReplayCall(CreateHemChannel((*server)->address(), nullptr)).ok());
  ASSERT_TRUE((*server)->Shutdown().ok());
}

TEST_F(Security, ExposureWithoutCredentialsIsRefusedBeforeListening) {
  ReplayServerConfig config;
  config.net.bind_host = "0.0.0.0";
  absl::StatusOr<std::unique_ptr<ReplayServer>> server = ReplayServer::Start(config);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("net.bind_host: 0.0.0.0"));
  LearnerConfig learner;
  learner.replay_addresses = {"127.0.0.1:1"};
  learner.env = "flip_bit:k=4";
  learner.net.bind_host = "0.0.0.0";
  EXPECT_THAT(ValidateLearnerConfig(learner).message(), HasSubstr("net.bind_host: 0.0.0.0"));
}

}  // namespace
}  // namespace hem
