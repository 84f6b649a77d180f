// The run description (proto/run.proto) as the deploy tools use it: its
// defaults (stated here once: launch.sh's flags, a hand-written file and
// every backend start from DefaultRunDescription), its validation (errors
// name the field, "actors.role.count: must be >= 1, got 0"; launch_flags.h
// turns them into launch.sh flag names), and reading and writing
// <run_dir>/run.textproto in protobuf text format.
#ifndef HEM_DEPLOY_RUN_DESCRIPTION_H_
#define HEM_DEPLOY_RUN_DESCRIPTION_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/run.pb.h"

namespace hem {

// The file every run directory holds.
inline constexpr char kRunDescriptionFile[] = "run.textproto";

// Every default of a run: flip_bit:k=40, 1 shard, learner, 2 actors x 32
// envs, 1 evaluator (100 episodes), stop at test success 0.95, 50 M env
// steps or 900 s; restarts: 5 per role per 10 minutes, backoff 1 s doubling
// to 30 s. Every field is set, so the text written from it is complete.
hem::v1::RunDescription DefaultRunDescription();

// OK, or INVALID_ARGUMENT naming the first bad field by its path in the
// proto ("replay.role.count: must be in [1, 50], got 0").
absl::Status ValidateRunDescription(const hem::v1::RunDescription& run);

// Reads a description written by WriteRunDescription or by hand: the
// file's fields on top of DefaultRunDescription(), validated (run_dir may be
// empty: the launcher fills it in). Errors name the
// file (and the line, for text that does not parse).
absl::StatusOr<hem::v1::RunDescription> ReadRunDescription(const std::string& path);

// Writes `run` to `path` atomically (common/atomic_file.h) in text format,
// after a header comment saying how to run it again.
absl::Status WriteRunDescription(const std::string& path, const hem::v1::RunDescription& run);

// The policy that governs `role`'s processes: the run's, with the fields
// the role sets of its own in place.
hem::v1::RestartPolicy EffectiveRestartPolicy(const hem::v1::RunDescription& run,
                                              const hem::v1::RoleSpec& role);

// "runs/<env with ':,=' made safe>-<yyyymmdd-hhmmss>", the default run_dir.
std::string DefaultRunDir(const std::string& env);

}  // namespace hem

#endif  // HEM_DEPLOY_RUN_DESCRIPTION_H_
