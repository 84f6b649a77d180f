// The learner side of hem.v1.ParameterService (see parameter_service.h).
#include "learner/parameter_service.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/call_deadline.h"
#include "common/grpc_util.h"

namespace hem {
namespace {

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

}  // namespace

ParameterService::ParameterService(LearnerMetrics* metrics, StreamLimits limits)
    : metrics_(metrics), waiting_calls_(limits) {}

absl::Status ParameterService::Publish(hem::v1::PolicyWeights weights) {
  auto shared = std::make_shared<const hem::v1::PolicyWeights>(std::move(weights));
  absl::MutexLock lock(&mu_);
  if (latest_ != nullptr && shared->version() <= latest_->version()) {
    return absl::FailedPreconditionError(
        absl::StrCat("version ", shared->version(), " is not newer than ",
                     latest_->version(), ": versions must strictly increase"));
  }
  latest_ = std::move(shared);
  return absl::OkStatus();
}

int64_t ParameterService::latest_version() const {
  absl::MutexLock lock(&mu_);
  return latest_ == nullptr ? -1 : latest_->version();
}

std::shared_ptr<const hem::v1::PolicyWeights> ParameterService::latest() const {
  absl::MutexLock lock(&mu_);
  return latest_;
}

void ParameterService::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

std::shared_ptr<const hem::v1::PolicyWeights> ParameterService::WaitNewer(
    int64_t newer_than, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopped_ || (latest_ != nullptr && latest_->version() > newer_than);
  };
  mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
  if (latest_ != nullptr && latest_->version() > newer_than) return latest_;
  return nullptr;
}

grpc::Status ParameterService::GetPolicy(grpc::ServerContext* context,
                                         const hem::v1::GetPolicyRequest* request,
                                         hem::v1::PolicyWeights* response) {
  if (request->wait_ms() < 0) {
    return Invalid(absl::StrCat("wait_ms: ", request->wait_ms(), " must be >= 0"));
  }
  const absl::Time deadline =
      std::min(CallDeadline(*context),
               absl::Now() + absl::Milliseconds(std::min(request->wait_ms(), kMaxWaitMs)));
  std::optional<StreamLimiter::Slot> slot;
  if (request->wait_ms() > 0) {
    absl::StatusOr<StreamLimiter::Slot> opened = waiting_calls_.Open(context->peer());
    if (!opened.ok()) return ToGrpcStatus(opened.status());
    slot.emplace(*std::move(opened));
  }
  std::shared_ptr<const hem::v1::PolicyWeights> weights;
  while (true) {
    weights = WaitNewer(request->newer_than(),
                        std::min(deadline, absl::Now() + kPollInterval));
    if (weights != nullptr) break;
    if (context->IsCancelled()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
    }
    {
      absl::MutexLock lock(&mu_);
      if (stopped_) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "learner shutting down");
      }
    }
    if (absl::Now() >= deadline) {
      return grpc::Status(
          grpc::StatusCode::DEADLINE_EXCEEDED,
          absl::StrCat("no policy version > ", request->newer_than(), " within ",
                       request->wait_ms(), " ms (newest is ", latest_version(), ")"));
    }
  }
  if (request->metadata_only()) {
    response->set_version(weights->version());
    response->set_update_count(weights->update_count());
    *response->mutable_config() = weights->config();
  } else {
    *response = *weights;
  }
  return grpc::Status::OK;
}

grpc::Status ParameterService::WatchPolicy(
    grpc::ServerContext* context, const hem::v1::WatchPolicyRequest* request,
    grpc::ServerWriter<hem::v1::PolicyWeights>* writer) {
  absl::StatusOr<StreamLimiter::Slot> slot = waiting_calls_.Open(context->peer());
  if (!slot.ok()) return ToGrpcStatus(slot.status());
  int64_t sent = request->newer_than();
  while (!context->IsCancelled()) {
    std::shared_ptr<const hem::v1::PolicyWeights> weights =
        WaitNewer(sent, absl::Now() + kPollInterval);
    if (weights == nullptr) {
      absl::MutexLock lock(&mu_);
      if (stopped_) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "learner shutting down");
      }
      continue;
    }
    // The newest version at this moment: a slow reader skips intermediate ones.
    if (!writer->Write(*weights)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "reader went away");
    }
    sent = weights->version();
  }
  return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
}

grpc::Status ParameterService::ReportEvaluation(grpc::ServerContext*,
                                                const hem::v1::EvaluationReport* request,
                                                hem::v1::EvaluationAck*) {
  if (request->evaluator().size() > kMaxNameBytes) {
    return Invalid(absl::StrCat("evaluator: ", request->evaluator().size(),
                                " bytes, more than ", kMaxNameBytes));
  }
  if (request->policy_version() < -1 || request->env_steps() < 0) {
    return Invalid("policy_version, env_steps: must be >= -1 and >= 0");
  }
  if (request->episodes() < 1) {
    return Invalid(absl::StrCat("episodes: ", request->episodes(), " must be >= 1"));
  }
  if (!(request->success_rate() >= 0 && request->success_rate() <= 1)) {
    return Invalid(absl::StrCat("success_rate: ", request->success_rate(),
                                " not in [0, 1]"));
  }
  if (metrics_ != nullptr) metrics_->RecordEvaluation(*request);
  return grpc::Status::OK;
}

grpc::Status ParameterService::ReportActor(grpc::ServerContext*,
                                           const hem::v1::ActorReport* request,
                                           hem::v1::EvaluationAck*) {
  if (request->env_steps() < 0 || request->episodes() < 0) {
    return Invalid("env_steps, episodes: must be >= 0");
  }
  if (!(request->train_success_rate() >= 0 && request->train_success_rate() <= 1)) {
    return Invalid(absl::StrCat("train_success_rate: ", request->train_success_rate(),
                                " not in [0, 1]"));
  }
  if (!std::isfinite(request->env_steps_per_second()) ||
      request->env_steps_per_second() < 0) {
    return Invalid("env_steps_per_second: must be finite and >= 0");
  }
  if (request->policy_version() < -1) {
    return Invalid(absl::StrCat("policy_version: ", request->policy_version(),
                                " must be >= -1"));
  }
  if (metrics_ != nullptr && !metrics_->RecordActor(*request)) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        absl::StrCat("actor_id: the learner already tracks ",
                                     LearnerMetrics::kMaxActors,
                                     " actors, the most it takes"));
  }
  return grpc::Status::OK;
}

}  // namespace hem
