#include "actor/envs/mujoco_model.h"

#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace hem {
namespace {

struct ModelCache {
  absl::Mutex mu;
  std::map<std::string, const mjModel*> models ABSL_GUARDED_BY(mu);
};

ModelCache& Cache() {
  static auto* cache = new ModelCache;
  return *cache;
}

absl::StatusOr<const mjModel*> Compile(const std::string& filename, absl::string_view xml) {
  // mjVFS holds 2000 fixed-size names (~2 MB): never on the stack.
  auto vfs = std::make_unique<mjVFS>();
  mj_defaultVFS(vfs.get());
  if (mj_makeEmptyFileVFS(vfs.get(), filename.c_str(), static_cast<int>(xml.size())) != 0) {
    mj_deleteVFS(vfs.get());
    return absl::InternalError(absl::StrCat("cannot add ", filename, " to MuJoCo's VFS"));
  }
  const int index = mj_findFileVFS(vfs.get(), filename.c_str());
  std::memcpy(vfs->filedata[index], xml.data(), xml.size());
  char error[1024] = {0};
  mjModel* model = mj_loadXML(filename.c_str(), vfs.get(), error, sizeof error);
  mj_deleteVFS(vfs.get());
  if (model == nullptr) {
    return absl::InternalError(absl::StrCat("MuJoCo cannot load ", filename, ": ", error));
  }
  return model;
}

}  // namespace

absl::StatusOr<const mjModel*> LoadEmbeddedModel(absl::string_view filename,
                                                 absl::string_view xml) {
  ModelCache& cache = Cache();
  absl::MutexLock lock(&cache.mu);
  const std::string key(filename);
  auto it = cache.models.find(key);
  if (it != cache.models.end()) return it->second;
  absl::StatusOr<const mjModel*> model = Compile(key, xml);
  if (model.ok()) cache.models.emplace(key, *model);
  return model;
}

absl::StatusOr<int> ObjectId(const mjModel* model, mjtObj type, const char* name) {
  const int id = mj_name2id(model, type, name);
  if (id < 0) {
    return absl::InternalError(absl::StrCat("model has no object named '", name, "'"));
  }
  return id;
}

}  // namespace hem
