// ParameterService and ParameterSubscriber over real gRPC on loopback.
#include "learner/parameter_service.h"

#include <thread>

#include "common/grpc_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server.h"
#include "gtest/gtest.h"
#include "learner/metrics.h"
#include "learner/parameter_client.h"

namespace hem {
namespace {

hem::v1::PolicyWeights Weights(int64_t version) {
  hem::v1::PolicyWeights weights;
  weights.set_version(version);
  weights.set_update_count(version * 10);
  weights.set_weights(std::string(1000 + version, static_cast<char>('a' + version % 26)));
  weights.mutable_config()->add_hidden_sizes(8);
  return weights;
}

class Learner {
 public:
  explicit Learner(int port = 0) : service_(&metrics_) {
    server_ = StartServer(ListenAddress(port), {&service_}, &port_).value();
  }
  ~Learner() { Stop(); }
  void Stop() {
    if (server_ == nullptr) return;
    service_.Stop();
    server_->Shutdown();
    server_.reset();
  }
  std::string address() const { return ListenAddress(port_); }
  int port() const { return port_; }
  ParameterService& service() { return service_; }
  LearnerMetrics& metrics() { return metrics_; }
  std::unique_ptr<hem::v1::ParameterService::Stub> Stub() {
    return hem::v1::ParameterService::NewStub(CreateHemChannel(address()));
  }

 private:
  LearnerMetrics metrics_;
  ParameterService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST(ParameterService, VersionsMustStrictlyIncrease) {
  ParameterService service(nullptr);
  EXPECT_EQ(service.latest_version(), -1);
  ASSERT_TRUE(service.Publish(Weights(3)).ok());
  EXPECT_EQ(service.Publish(Weights(3)).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(service.Publish(Weights(2)).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(service.Publish(Weights(4)).ok());
  EXPECT_EQ(service.latest_version(), 4);
}

TEST(ParameterService, GetPolicyLongPollTimesOutWithDeadlineExceeded) {
  Learner learner;
  ASSERT_TRUE(learner.service().Publish(Weights(1)).ok());
  auto stub = learner.Stub();
  hem::v1::GetPolicyRequest request;
  request.set_newer_than(1);
  request.set_wait_ms(300);
  grpc::ClientContext context;
  hem::v1::PolicyWeights response;
  const absl::Time start = absl::Now();
  grpc::Status status = stub->GetPolicy(&context, request, &response);
  const absl::Duration waited = absl::Now() - start;
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_message();
  EXPECT_GE(waited, absl::Milliseconds(290));
  EXPECT_LT(waited, absl::Seconds(3));

  // wait_ms = 0 answers at once, with what exists.
  grpc::ClientContext context2;
  request.set_newer_than(-1);
  request.set_wait_ms(0);
  ASSERT_TRUE(stub->GetPolicy(&context2, request, &response).ok());
  EXPECT_EQ(response.version(), 1);
  EXPECT_EQ(response.weights(), Weights(1).weights());
}

TEST(ParameterService, GetPolicyReturnsAsSoonAsANewerVersionIsPublished) {
  Learner learner;
  auto stub = learner.Stub();
  std::thread publisher([&] {
    absl::SleepFor(absl::Milliseconds(200));
    ASSERT_TRUE(learner.service().Publish(Weights(5)).ok());
  });
  hem::v1::GetPolicyRequest request;
  request.set_newer_than(-1);
  request.set_wait_ms(10000);
  request.set_metadata_only(true);
  grpc::ClientContext context;
  hem::v1::PolicyWeights response;
  const absl::Time start = absl::Now();
  grpc::Status status = stub->GetPolicy(&context, request, &response);
  publisher.join();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(response.version(), 5);
  EXPECT_EQ(response.update_count(), 50);
  EXPECT_TRUE(response.weights().empty());  // metadata_only
  EXPECT_EQ(response.config().hidden_sizes_size(), 1);

  grpc::ClientContext bad_context;
  request.set_wait_ms(-1);
  EXPECT_EQ(stub->GetPolicy(&bad_context, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(ParameterSubscriber, ReceivesTheNewestVersionAfterAQuickBurst) {
  Learner learner;
  auto subscriber = ParameterSubscriber::Create(learner.address()).value();
  EXPECT_EQ(subscriber->Latest(), nullptr);
  ASSERT_TRUE(learner.service().Publish(Weights(1)).ok());
  auto first = subscriber->WaitForNewer(-1, absl::Seconds(10));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)->version(), 1);
  for (int v = 2; v <= 30; ++v) ASSERT_TRUE(learner.service().Publish(Weights(v)).ok());
  auto newest = subscriber->WaitForNewer(29, absl::Seconds(10));
  ASSERT_TRUE(newest.ok()) << newest.status();
  EXPECT_EQ((*newest)->version(), 30);
  EXPECT_EQ((*newest)->weights(), Weights(30).weights());
  EXPECT_EQ(subscriber->Latest()->version(), 30);
}

TEST(ParameterSubscriber, WaitForNewerTimesOut) {
  Learner learner;
  ASSERT_TRUE(learner.service().Publish(Weights(7)).ok());
  auto subscriber = ParameterSubscriber::Create(learner.address()).value();
  ASSERT_TRUE(subscriber->WaitForNewer(-1, absl::Seconds(10)).ok());
  auto status = subscriber->WaitForNewer(7, absl::Milliseconds(200)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
}

TEST(ParameterSubscriber, ReconnectsWhenTheLearnerRestarts) {
  int port = 0;
  std::unique_ptr<ParameterSubscriber> subscriber;
  {
    Learner learner;
    port = learner.port();
    subscriber = ParameterSubscriber::Create(learner.address()).value();
    ASSERT_TRUE(learner.service().Publish(Weights(3)).ok());
    ASSERT_TRUE(subscriber->WaitForNewer(2, absl::Seconds(10)).ok());
  }  // Learner gone; the subscriber keeps version 3.
  EXPECT_EQ(subscriber->Latest()->version(), 3);
  absl::SleepFor(absl::Milliseconds(300));
  Learner restarted(port);
  ASSERT_TRUE(restarted.service().Publish(Weights(4)).ok());
  auto newer = subscriber->WaitForNewer(3, absl::Seconds(15));
  ASSERT_TRUE(newer.ok()) << newer.status();
  EXPECT_EQ((*newer)->version(), 4);
}

TEST(ParameterSubscriber, StartsBeforeTheLearnerAndRejectsBadAddresses) {
  EXPECT_EQ(ParameterSubscriber::Create("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParameterSubscriber::Create("nohostport").status().code(),
            absl::StatusCode::kInvalidArgument);
  // Nothing listens yet: Latest() stays null, WaitForNewer times out.
  Learner probe;
  const int port = probe.port();
  probe.Stop();
  auto subscriber = ParameterSubscriber::Create(ListenAddress(port)).value();
  EXPECT_EQ(subscriber->WaitForNewer(-1, absl::Milliseconds(300)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  Learner learner(port);
  ASSERT_TRUE(learner.service().Publish(Weights(1)).ok());
  EXPECT_TRUE(subscriber->WaitForNewer(-1, absl::Seconds(15)).ok());
}

TEST(ParameterService, ReportsReachTheMetricsAndBadReportsAreRejected) {
  Learner learner;
  ASSERT_TRUE(learner.service().Publish(Weights(10)).ok());
  learner.metrics().SetVersion(10);
  auto stub = learner.Stub();
  hem::v1::EvaluationAck ack;
  hem::v1::EvaluationReport eval;
  eval.set_evaluator("eval-0");
  eval.set_policy_version(9);
  eval.set_episodes(10);
  eval.set_success_rate(0.7);
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub->ReportEvaluation(&context, eval, &ack).ok());
  }
  for (uint64_t id : {1, 2}) {
    hem::v1::ActorReport actor;
    actor.set_actor_id(id);
    actor.set_env_steps(1000 * id);
    actor.set_episodes(20 * id);
    actor.set_train_success_rate(0.5);
    actor.set_policy_version(6);
    actor.set_env_steps_per_second(100);
    grpc::ClientContext context;
    ASSERT_TRUE(stub->ReportActor(&context, actor, &ack).ok());
  }
  MetricsSnapshot s = learner.metrics().Snapshot();
  EXPECT_DOUBLE_EQ(s.eval_success_rate, 0.7);
  EXPECT_EQ(s.eval_policy_version, 9);
  EXPECT_EQ(s.env_steps, 3000);
  EXPECT_EQ(s.episodes, 60);
  EXPECT_EQ(s.actors, 2);
  EXPECT_DOUBLE_EQ(s.env_steps_per_second, 200);
  EXPECT_DOUBLE_EQ(s.actor_version_lag, 4);

  eval.set_success_rate(1.5);
  grpc::ClientContext context;
  grpc::Status status = stub->ReportEvaluation(&context, eval, &ack);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("success_rate"), std::string::npos);
  eval.set_success_rate(0.5);
  eval.set_episodes(0);
  grpc::ClientContext context2;
  status = stub->ReportEvaluation(&context2, eval, &ack);
  EXPECT_NE(status.error_message().find("episodes"), std::string::npos);
}

TEST(ParameterService, StopEndsOpenStreams) {
  Learner learner;
  auto subscriber = ParameterSubscriber::Create(learner.address()).value();
  ASSERT_TRUE(learner.service().Publish(Weights(1)).ok());
  ASSERT_TRUE(subscriber->WaitForNewer(-1, absl::Seconds(10)).ok());
  const absl::Time start = absl::Now();
  learner.Stop();  // Would hang if the WatchPolicy handler never returned.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace hem
