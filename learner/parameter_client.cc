// The actor side of the ParameterService: a WatchPolicy stream that keeps
// the newest weights (see parameter_client.h).
#include "learner/parameter_client.h"

#include <algorithm>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/grpc_util.h"
#include "common/logging.h"
#include "grpcpp/client_context.h"
#include "proto/policy.grpc.pb.h"

namespace hem {
namespace {

constexpr absl::Duration kInitialBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(2);

// Invariant: latest_ only moves to strictly higher versions.
class WatchingSubscriber final : public ParameterSubscriber {
 public:
  WatchingSubscriber(const std::string& address, const Credentials* credentials)
      : address_(address),
        stub_(hem::v1::ParameterService::NewStub(CreateHemChannel(address, credentials))) {
    thread_ = std::thread([this] { Run(); });
  }

  ~WatchingSubscriber() override {
    stop_.Notify();
    {
      // Run checks stop_ and sets context_ under mu_, so a stream opened
      // before the notification is cancelled here and none opens after it.
      absl::MutexLock lock(&mu_);
      if (context_ != nullptr) context_->TryCancel();
    }
    thread_.join();
  }

  std::shared_ptr<const hem::v1::PolicyWeights> Latest() const override
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return latest_;
  }

  absl::StatusOr<std::shared_ptr<const hem::v1::PolicyWeights>> WaitForNewer(
      int64_t newer_than, absl::Duration timeout) override ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto newer = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return latest_ != nullptr && latest_->version() > newer_than;
    };
    mu_.AwaitWithTimeout(absl::Condition(&newer), timeout);
    if (!newer()) {
      return absl::DeadlineExceededError(absl::StrCat(
          "no policy version > ", newer_than, " from the learner at ", address_,
          " within ", absl::FormatDuration(timeout),
          last_error_.empty() ? "" : absl::StrCat(" (last error: ", last_error_, ")")));
    }
    return latest_;
  }

 private:
  // Holds one WatchPolicy stream at a time; reconnects with exponential
  // backoff (reset by every received version) until destruction.
  void Run() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::Duration backoff = kInitialBackoff;
    while (true) {
      grpc::ClientContext context;
      hem::v1::WatchPolicyRequest request;
      {
        absl::MutexLock lock(&mu_);
        if (stop_.HasBeenNotified()) return;
        context_ = &context;
        request.set_newer_than(latest_ == nullptr ? -1 : latest_->version());
      }
      std::unique_ptr<grpc::ClientReader<hem::v1::PolicyWeights>> reader =
          stub_->WatchPolicy(&context, request);
      auto weights = std::make_shared<hem::v1::PolicyWeights>();
      while (reader->Read(weights.get())) {
        backoff = kInitialBackoff;
        absl::MutexLock lock(&mu_);
        if (latest_ == nullptr || weights->version() > latest_->version()) {
          latest_ = std::move(weights);
        }
        weights = std::make_shared<hem::v1::PolicyWeights>();
      }
      grpc::Status status = reader->Finish();
      {
        absl::MutexLock lock(&mu_);
        context_ = nullptr;
        if (stop_.HasBeenNotified()) return;
        const std::string error =
            absl::StrCat("WatchPolicy on ", address_, ": ",
                         ToAbslStatus(status).ToString());
        if (error != last_error_) {
          HEM_LOG(WARNING) << error << "; reconnecting";
          last_error_ = error;
        }
      }
      if (stop_.WaitForNotificationWithTimeout(backoff)) return;
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }

  const std::string address_;
  const std::unique_ptr<hem::v1::ParameterService::Stub> stub_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const hem::v1::PolicyWeights> latest_ ABSL_GUARDED_BY(mu_);
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  absl::Notification stop_;  // Set once, by the destructor.
  std::thread thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ParameterSubscriber>> ParameterSubscriber::Create(
    const std::string& learner_address, const Credentials* credentials) {
  if (learner_address.empty() || learner_address.find(':') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "learner_address: '", learner_address, "' is not host:port"));
  }
  return std::unique_ptr<ParameterSubscriber>(
      new WatchingSubscriber(learner_address, credentials));
}

}  // namespace hem
