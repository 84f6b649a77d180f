// Per-task defaults chosen by measurement (issue 13): the flags a task needs
// beyond hem's general defaults to be solved, beside the task catalogue
// (env_catalog.h) so that a task and what it needs are found together.
//
// Each preset names the task exactly as --env spells it, the role it is for,
// the flags, and the measurement that chose them (docs/RESULTS.md, "Per-task
// presets", has the runs). deploy/launch.sh applies them to runs of the
// paper's algorithm (--algo=hem) by placing the flags before the role's own
// --learner_flags / --actor_flags, so a user's flag always wins (the last
// occurrence of a flag is the one a binary keeps). Presets of the "launch"
// role are deploy/launch.sh's own flags (--batch_size, --envs_per_actor: the
// paper's N for image tasks), applied before the user's launch flags.
#ifndef HEM_COMMON_TASK_PRESETS_H_
#define HEM_COMMON_TASK_PRESETS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace hem {

struct TaskPreset {
  const char* task;      // --env, exactly: "nav:k=20".
  const char* role;      // "learner", "actor" (actors that collect; not the evaluator)
                         // or "launch" (deploy/launch.sh flags).
  const char* flags;     // Space-separated --name=value words.
  const char* evidence;  // What was measured, in one line.
};

// Every preset, in a fixed order.
absl::Span<const TaskPreset> TaskPresets();

// The flags of every preset for `task` and `role`, in table order; empty
// when the task has none.
std::vector<std::string> PresetFlags(absl::string_view task, absl::string_view role);

}  // namespace hem

#endif  // HEM_COMMON_TASK_PRESETS_H_
