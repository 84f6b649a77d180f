// Policy version numbers that stay strictly increasing across learner
// restarts, even when the learner dies between checkpoints after publishing
// versions the actors have already seen.
//
// Versions are leased in blocks: before handing out a version beyond the
// reserved range, the next block's upper end is written to the lease file
// (crash-safely, common/atomic_file.h). A restarted learner starts above
// everything reserved, so at most one file write per kBlock versions.
// Not thread-safe: one owner (the learner's WeightPublisher) serialises it.
#ifndef HEM_LEARNER_VERSION_LEASE_H_
#define HEM_LEARNER_VERSION_LEASE_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace hem {

class VersionLease {
 public:
  static constexpr int64_t kBlock = 1000;

  // `path` "" keeps the lease in memory only. The first version handed out is
  // greater than `at_least` and than any version reserved in the file.
  static absl::StatusOr<VersionLease> Open(std::string path, int64_t at_least);

  // The next version (strictly greater than every earlier one). Fails only
  // when the reservation cannot be written.
  absl::StatusOr<int64_t> Next();

 private:
  VersionLease(std::string path, int64_t next, int64_t reserved)
      : path_(std::move(path)), next_(next), reserved_(reserved) {}

  std::string path_;
  int64_t next_;
  int64_t reserved_;  // Versions <= reserved_ may be handed out.
};

}  // namespace hem

#endif  // HEM_LEARNER_VERSION_LEASE_H_
