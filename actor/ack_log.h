// An actor's acknowledgement log (actor --ack_log=FILE): one line
// "actor_id episode_id num_steps" for each episode a replay shard
// acknowledged as stored. Each line is one write(2) to a file opened with
// O_APPEND, so it is in the kernel before the next episode is acknowledged,
// survives a kill -9 of the actor, and actors may share one file. The chaos
// test (tests/chaos_test.sh) compares these lines with what the shards hold.
#ifndef HEM_ACTOR_ACK_LOG_H_
#define HEM_ACTOR_ACK_LOG_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "proto/trajectory.pb.h"

namespace hem {

class AckLog {
 public:
  // Opens (creating) `path` for appending. UNAVAILABLE naming the path when
  // it cannot.
  static absl::StatusOr<std::unique_ptr<AckLog>> Open(const std::string& path);
  ~AckLog();
  AckLog(const AckLog&) = delete;
  AckLog& operator=(const AckLog&) = delete;

  // Appends the trajectory's line. Thread-safe; a failed write is logged,
  // not fatal (the log is evidence for tests, not part of training).
  void Append(const hem::v1::Trajectory& trajectory);

 private:
  explicit AckLog(int fd) : fd_(fd) {}
  const int fd_;
};

}  // namespace hem

#endif  // HEM_ACTOR_ACK_LOG_H_
