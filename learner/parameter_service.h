// hem.v1.ParameterService: how actors and evaluators get the learner's
// weights, and how they report back.
//
// Invariant: published versions are strictly increasing; every reader only
// ever sees newer versions than it asked for. Weights are serialised once per
// version (by the learner, into PolicyWeights.weights) and shared by pointer
// between all readers.
//
// GetPolicy is a long-poll (wait_ms); WatchPolicy streams each new version,
// skipping to the newest when the reader is slower than the publisher.
// Blocking calls wake every kPollInterval to notice cancelled clients, and
// all of them return when Stop() is called (before grpc::Server::Shutdown).
//
// Bounds: waiting calls (WatchPolicy streams and GetPolicy long-polls) count
// against per-client and total limits (common/stream_limiter.h;
// RESOURCE_EXHAUSTED beyond); a long-poll waits at most kMaxWaitMs and never
// past the call's deadline; reports are checked field by field
// (INVALID_ARGUMENT naming the field), and the learner remembers at most
// LearnerMetrics::kMaxActors actor ids.
#ifndef HEM_LEARNER_PARAMETER_SERVICE_H_
#define HEM_LEARNER_PARAMETER_SERVICE_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/stream_limiter.h"
#include "learner/metrics.h"
#include "proto/policy.grpc.pb.h"

namespace hem {

class ParameterService final : public hem::v1::ParameterService::Service {
 public:
  // Longest GetPolicy wait honoured; longer wait_ms values are capped.
  static constexpr int kMaxWaitMs = 10 * 60 * 1000;

  // Longest evaluator name accepted in a report.
  static constexpr size_t kMaxNameBytes = 256;

  // `metrics` (may be null) receives reports; must outlive the service.
  explicit ParameterService(LearnerMetrics* metrics, StreamLimits limits = {});

  // Makes `weights` the newest version. FAILED_PRECONDITION unless its version
  // is greater than the current one (versions never go back).
  absl::Status Publish(hem::v1::PolicyWeights weights) ABSL_LOCKS_EXCLUDED(mu_);

  // Newest published version, -1 before the first.
  int64_t latest_version() const ABSL_LOCKS_EXCLUDED(mu_);
  std::shared_ptr<const hem::v1::PolicyWeights> latest() const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Ends every blocked GetPolicy (UNAVAILABLE) and WatchPolicy stream.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  grpc::Status GetPolicy(grpc::ServerContext* context,
                         const hem::v1::GetPolicyRequest* request,
                         hem::v1::PolicyWeights* response) override
      ABSL_LOCKS_EXCLUDED(mu_);
  grpc::Status WatchPolicy(grpc::ServerContext* context,
                           const hem::v1::WatchPolicyRequest* request,
                           grpc::ServerWriter<hem::v1::PolicyWeights>* writer) override
      ABSL_LOCKS_EXCLUDED(mu_);
  grpc::Status ReportEvaluation(grpc::ServerContext* context,
                                const hem::v1::EvaluationReport* request,
                                hem::v1::EvaluationAck* response) override;
  grpc::Status ReportActor(grpc::ServerContext* context,
                           const hem::v1::ActorReport* request,
                           hem::v1::EvaluationAck* response) override;

 private:
  static constexpr absl::Duration kPollInterval = absl::Milliseconds(200);

  // Waits until a version > newer_than exists, Stop(), or `deadline`;
  // returns the newest weights or null.
  std::shared_ptr<const hem::v1::PolicyWeights> WaitNewer(
      int64_t newer_than, absl::Time deadline) ABSL_LOCKS_EXCLUDED(mu_);

  LearnerMetrics* const metrics_;
  StreamLimiter waiting_calls_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const hem::v1::PolicyWeights> latest_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace hem

#endif  // HEM_LEARNER_PARAMETER_SERVICE_H_
