// The StatusService every hem process serves (hem.v1.StatusService), so
// deploy/launch.sh and `hem_status` can watch any process the same way.
//
// Bounds: GetStatus reads nothing from its request (hem.v1.StatusRequest is
// empty) and answers from the process's own state, so no request can size
// an allocation or a wait here; concurrent calls are bounded by the gRPC
// server they share.
#ifndef HEM_COMMON_STATUS_SERVICE_H_
#define HEM_COMMON_STATUS_SERVICE_H_

#include <functional>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/process_status.grpc.pb.h"

namespace hem {

class ProcessStatusService final : public hem::v1::StatusService::Service {
 public:
  // Fills role-specific metrics and labels; called on every GetStatus, from a
  // gRPC thread, so it must be thread-safe.
  using Reporter = std::function<void(hem::v1::ProcessStatus*)>;

  ProcessStatusService(std::string role, std::string name);

  void SetReporter(Reporter reporter) ABSL_LOCKS_EXCLUDED(mu_);
  void SetReady(bool ready) ABSL_LOCKS_EXCLUDED(mu_);
  // A label every answer carries from now on (e.g. "metrics_address").
  void SetLabel(const std::string& key, const std::string& value) ABSL_LOCKS_EXCLUDED(mu_);

  grpc::Status GetStatus(grpc::ServerContext* context,
                         const hem::v1::StatusRequest* request,
                         hem::v1::ProcessStatus* response) override
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const std::string role_;
  const std::string name_;
  const absl::Time start_time_;
  absl::Mutex mu_;
  Reporter reporter_ ABSL_GUARDED_BY(mu_);
  bool ready_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, std::string> labels_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hem

#endif  // HEM_COMMON_STATUS_SERVICE_H_
