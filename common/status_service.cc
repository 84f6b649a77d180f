#include "common/status_service.h"

#include <unistd.h>

#include "common/grpc_util.h"

namespace hem {

ProcessStatusService::ProcessStatusService(std::string role, std::string name)
    : role_(std::move(role)), name_(std::move(name)), start_time_(absl::Now()) {}

void ProcessStatusService::SetReporter(Reporter reporter) {
  absl::MutexLock lock(&mu_);
  reporter_ = std::move(reporter);
}

void ProcessStatusService::SetReady(bool ready) {
  absl::MutexLock lock(&mu_);
  ready_ = ready;
}

void ProcessStatusService::SetLabel(const std::string& key, const std::string& value) {
  absl::MutexLock lock(&mu_);
  labels_[key] = value;
}

grpc::Status ProcessStatusService::GetStatus(grpc::ServerContext*,
                                             const hem::v1::StatusRequest*,
                                             hem::v1::ProcessStatus* response) {
  response->set_role(role_);
  response->set_name(name_);
  response->set_pid(getpid());
  response->set_uptime_seconds(absl::ToDoubleSeconds(absl::Now() - start_time_));
  Reporter reporter;
  {
    absl::MutexLock lock(&mu_);
    response->set_ready(ready_);
    reporter = reporter_;
    for (const auto& [key, value] : labels_) (*response->mutable_labels())[key] = value;
  }
  // Outside the lock: reporters take their own component's locks.
  if (reporter) reporter(response);
  // Every process counts calls refused for a missing or wrong token.
  (*response->mutable_metrics())["unauthenticated_calls"] =
      static_cast<double>(UnauthenticatedCallCount());
  return grpc::Status::OK;
}

}  // namespace hem
