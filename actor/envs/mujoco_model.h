// Loads MJCF models embedded in the binary as strings, through MuJoCo's
// virtual file system (MuJoCo 2.2.2 has no mj_addBufferVFS; see
// /work/shared/notes/mujoco-2.2.2.md), and keeps one compiled model per name
// for the life of the process.
//
// Environments share the cached model read-only (mj_step and the renderer
// take const mjModel*) and keep their own mjData, so creating M instances
// compiles the XML once. Thread-safe.
#ifndef HEM_ACTOR_ENVS_MUJOCO_MODEL_H_
#define HEM_ACTOR_ENVS_MUJOCO_MODEL_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mujoco/mujoco.h"

namespace hem {

// Returns the model compiled from `xml`, stored in the VFS as `filename`
// (e.g. "point_mass.xml"). The first call per filename compiles; later calls
// return the same pointer (and ignore `xml`). Never freed. Errors carry
// MuJoCo's parser message.
absl::StatusOr<const mjModel*> LoadEmbeddedModel(absl::string_view filename,
                                                 absl::string_view xml);

// Id of a named object, or an INTERNAL error naming it (a model/code mismatch).
absl::StatusOr<int> ObjectId(const mjModel* model, mjtObj type, const char* name);

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_MUJOCO_MODEL_H_
