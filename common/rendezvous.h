// Address discovery through a shared directory (the run directory on a
// cluster's shared storage): once ready, each process writes
// "<dir>/<role>-<index>" holding the host:port others should use, and
// address lists may name a process as "rdzv:<role>/<index>" instead of
// host:port, resolved at start by waiting for that file.
//
//   replay shard 1:  PublishAddress(dir, "replay", 1, "node7:7001")
//   learner:         --replay=rdzv:replay/0,rdzv:replay/1
//                    ResolveAddresses(dir, {"rdzv:replay/0", ...}, timeout, &stop)
//
// Roles and their indices: replay-<shard_index>, learner-0, actor-<actor_id>,
// evaluator-<actor_id>. Files are replaced atomically (common/atomic_file.h),
// so a reader never sees half an address; a restarted process overwrites its
// own file. Addresses are resolved once, at start.
#ifndef HEM_COMMON_RENDEZVOUS_H_
#define HEM_COMMON_RENDEZVOUS_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hem {

// The prefix that marks an address as a rendezvous entry.
inline constexpr absl::string_view kRendezvousPrefix = "rdzv:";

// True when `address` starts with "rdzv:".
bool IsRendezvousAddress(absl::string_view address);

// A process in the rendezvous: role ("replay", "learner", ...) and index.
struct RendezvousName {
  std::string role;
  uint64_t index = 0;
  std::string FileName() const;  // "<role>-<index>".
};

// Parses "rdzv:<role>/<index>" (role: lower-case letters, digits, '_').
// INVALID_ARGUMENT quoting the entry otherwise.
absl::StatusOr<RendezvousName> ParseRendezvousAddress(absl::string_view address);

// Writes "<dir>/<role>-<index><suffix>" = host_port atomically, creating
// `dir` if needed. Errors name the field: "rendezvous_dir: ...". A suffix
// publishes another endpoint of the process (".metrics": its /metrics).
absl::Status PublishAddress(const std::string& dir, absl::string_view role,
                            uint64_t index, absl::string_view host_port,
                            absl::string_view suffix = "");

// The host:port published for `address` ("rdzv:<role>/<index>"), waiting
// for its file up to `timeout` and logging progress every 10 s.
// DEADLINE_EXCEEDED naming the missing file; CANCELLED once *stop (when
// given) becomes true; INVALID_ARGUMENT for a bad entry, an empty `dir`, or
// a file that does not hold host:port.
absl::StatusOr<std::string> ResolveAddress(const std::string& dir,
                                           absl::string_view address,
                                           absl::Duration timeout,
                                           const std::atomic<bool>* stop = nullptr);

// `addresses` with every rdzv: entry resolved (host:port entries unchanged),
// all within one `timeout`. `dir` may be "" when no entry needs it.
absl::StatusOr<std::vector<std::string>> ResolveAddresses(
    const std::string& dir, const std::vector<std::string>& addresses,
    absl::Duration timeout, const std::atomic<bool>* stop = nullptr);

}  // namespace hem

#endif  // HEM_COMMON_RENDEZVOUS_H_
