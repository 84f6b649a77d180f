// deploy/launch.sh's flags (--env=..., --actors=N, ...): the only place that
// knows their names. Each flag sets one field of a run description
// (proto/run.proto); its default is that field's in DefaultRunDescription(),
// and errors the description's validation reports by field
// ("actors.role.count: must be >= 1, got 0") are reported by flag
// ("--actors: must be >= 1, got 0").
#ifndef HEM_DEPLOY_LAUNCH_FLAGS_H_
#define HEM_DEPLOY_LAUNCH_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proto/run.pb.h"

namespace hem {

// Applies "--name=value" words (a bare "--name" for on/off flags) to `run`,
// in order, leaving every field no word names as it was. INVALID_ARGUMENT
// naming the flag for an unknown flag or a value that does not parse;
// ranges are checked later, by ValidateRunDescription.
absl::Status ApplyLaunchFlags(const std::vector<std::string>& words,
                              hem::v1::RunDescription* run);

// ApplyLaunchFlags with the task's "launch" presets (common/task_presets.h)
// first: the task and algorithm are those `words` leave in `run`, and presets
// apply to the paper's algorithm only, so any word the user gives wins over a
// preset. For a new run; a description read from a file is taken as it is.
absl::Status ApplyLaunchFlagsWithPresets(const std::vector<std::string>& words,
                                         hem::v1::RunDescription* run);

// True when `words` set the run directory.
bool LaunchFlagsSetRunDir(const std::vector<std::string>& words);

// `status` with a leading "<field>: " (a description field a flag sets)
// rewritten to "--<flag>: "; anything else unchanged.
absl::Status LaunchFlagError(const absl::Status& status);

// One line per flag, "  --actors=N  actor processes (default 2); ...",
// defaults taken from DefaultRunDescription().
std::string LaunchFlagsHelp();

}  // namespace hem

#endif  // HEM_DEPLOY_LAUNCH_FLAGS_H_
