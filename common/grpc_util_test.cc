// Starts a real gRPC server on loopback with the project's options and calls
// it, including with a message near the size limits that hem's batches need.
#include "common/grpc_util.h"

#include "common/status_service.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server.h"
#include "gtest/gtest.h"
#include "proto/process_status.grpc.pb.h"

namespace hem {
namespace {

using ::testing::HasSubstr;

TEST(GrpcUtil, ServesStatusOnLoopbackWithLargeMessages) {
  ProcessStatusService service("replay", "replay-0");
  // 16 MB of labels: well above gRPC's default 4 MB receive limit.
  const std::string big(16 << 20, 'x');
  service.SetReporter([&big](hem::v1::ProcessStatus* status) {
    (*status->mutable_metrics())["transitions"] = 1234;
    (*status->mutable_labels())["blob"] = big;
  });
  service.SetReady(true);
  int port = 0;
  auto server = StartServer(ListenAddress(0), {&service}, &port);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT(port, 0);

  auto channel = CreateHemChannel(absl::StrCat("127.0.0.1:", port));
  ASSERT_TRUE(WaitForChannelReady(channel.get(), absl::Seconds(10)).ok());
  auto stub = hem::v1::StatusService::NewStub(channel);
  grpc::ClientContext context;
  hem::v1::ProcessStatus status;
  grpc::Status rpc = stub->GetStatus(&context, hem::v1::StatusRequest(), &status);
  ASSERT_TRUE(rpc.ok()) << rpc.error_message();
  EXPECT_EQ(status.role(), "replay");
  EXPECT_EQ(status.name(), "replay-0");
  EXPECT_TRUE(status.ready());
  EXPECT_GT(status.pid(), 0);
  EXPECT_EQ(status.metrics().at("transitions"), 1234);
  EXPECT_EQ(status.labels().at("blob").size(), big.size());
  (*server)->Shutdown();
}

TEST(GrpcUtil, BusyPortIsAClearError) {
  ProcessStatusService service("a", "a");
  int port = 0;
  auto first = StartServer(ListenAddress(0), {&service}, &port);
  ASSERT_TRUE(first.ok());
  ProcessStatusService other("b", "b");
  auto second = StartServer(ListenAddress(port), {&other}, nullptr);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr(absl::StrCat(port)));
  (*first)->Shutdown();
}

TEST(GrpcUtil, UnreachableAddressTimesOut) {
  auto channel = CreateHemChannel("127.0.0.1:1");
  absl::Status status = WaitForChannelReady(channel.get(), absl::Milliseconds(300));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
}

TEST(GrpcUtil, StatusConversionsKeepCodeAndMessage) {
  absl::Status original = absl::InvalidArgumentError("trajectory.actions: bad");
  grpc::Status as_grpc = ToGrpcStatus(original);
  EXPECT_EQ(as_grpc.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ToAbslStatus(as_grpc), original);
  EXPECT_TRUE(ToAbslStatus(grpc::Status::OK).ok());
}

}  // namespace
}  // namespace hem
