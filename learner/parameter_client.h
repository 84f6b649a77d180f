// Actor side of the learner's ParameterService: keeps the newest policy
// weights at hand without ever stalling the environment loop.
//
// A background thread holds a WatchPolicy stream (reconnecting with backoff
// when the learner restarts) and swaps in each new version; Latest() is a
// cheap pointer copy the actor calls between steps.
#ifndef HEM_LEARNER_PARAMETER_CLIENT_H_
#define HEM_LEARNER_PARAMETER_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/net_config.h"
#include "proto/policy.pb.h"

namespace hem {

class ParameterSubscriber {
 public:
  // Watches the learner at "host:port", over TLS with the token when
  // `credentials` is given (copied; plaintext when null).
  static absl::StatusOr<std::unique_ptr<ParameterSubscriber>> Create(
      const std::string& learner_address, const Credentials* credentials = nullptr);
  virtual ~ParameterSubscriber() = default;

  // The newest weights received, or null before the first arrives.
  virtual std::shared_ptr<const hem::v1::PolicyWeights> Latest() const = 0;

  // Blocks until weights with version > `newer_than` have arrived, or
  // `timeout` (DEADLINE_EXCEEDED).
  virtual absl::StatusOr<std::shared_ptr<const hem::v1::PolicyWeights>> WaitForNewer(
      int64_t newer_than, absl::Duration timeout) = 0;
};

}  // namespace hem

#endif  // HEM_LEARNER_PARAMETER_CLIENT_H_
