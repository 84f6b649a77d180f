#include "common/status_service.h"

#include <unistd.h>

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
  }
  // Outside the lock: reporters take their own component's locks.
  if (reporter) reporter(response);
  return grpc::Status::OK;
}

}  // namespace hem
