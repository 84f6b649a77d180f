#include "common/checkpoint_files.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace hem {
namespace {

namespace fs = std::filesystem;

struct Found {
  int64_t sequence;
  std::string path;
};

}  // namespace

CheckpointFiles::CheckpointFiles(std::string dir, std::string prefix,
                                 std::string suffix, int digits, int keep)
    : dir_(std::move(dir)),
      prefix_(std::move(prefix)),
      suffix_(std::move(suffix)),
      digits_(std::clamp(digits, 1, 19)),
      keep_(std::max(1, keep)) {}

std::vector<std::string> CheckpointFiles::List() const {
  std::vector<Found> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir_, error)) {
    const std::string name = entry.path().filename().string();
    absl::string_view middle(name);
    if (!absl::ConsumePrefix(&middle, prefix_) || !absl::ConsumeSuffix(&middle, suffix_)) {
      continue;
    }
    int64_t sequence;
    if (middle.empty() || !absl::SimpleAtoi(middle, &sequence) || sequence < 0) continue;
    found.push_back({sequence, entry.path().string()});
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.sequence > b.sequence; });
  std::vector<std::string> paths;
  paths.reserve(found.size());
  for (Found& f : found) paths.push_back(std::move(f.path));
  return paths;
}

int64_t CheckpointFiles::NewestSequence() const {
  const std::vector<std::string> paths = List();
  return paths.empty() ? -1 : SequenceOf(paths.front());
}

int64_t CheckpointFiles::SequenceOf(absl::string_view path) const {
  absl::string_view name(path);
  name.remove_prefix(name.rfind('/') == absl::string_view::npos ? 0 : name.rfind('/') + 1);
  int64_t sequence = -1;
  if (!absl::ConsumePrefix(&name, prefix_) || !absl::ConsumeSuffix(&name, suffix_) ||
      !absl::SimpleAtoi(name, &sequence) || sequence < 0) {
    return -1;
  }
  return sequence;
}

absl::StatusOr<std::string> CheckpointFiles::PathFor(int64_t sequence) const {
  std::error_code error;
  fs::create_directories(dir_, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create checkpoint directory ", dir_, ": ", error.message()));
  }
  return absl::StrFormat("%s/%s%0*d%s", dir_, prefix_, digits_, sequence, suffix_);
}

absl::Status CheckpointFiles::Prune() const {
  const std::vector<std::string> paths = List();
  for (size_t i = static_cast<size_t>(keep_); i < paths.size(); ++i) {
    std::error_code error;
    fs::remove(paths[i], error);
    if (error) {
      return absl::UnavailableError(
          absl::StrCat("cannot remove old checkpoint ", paths[i], ": ", error.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CheckpointFiles::RestoreNewest(
    const Loader& load, std::vector<std::string>* problems) const {
  for (const std::string& path : List()) {
    absl::Status status = load(path);
    if (status.ok()) return path;
    if (!absl::IsDataLoss(status)) return status;
    if (problems != nullptr) problems->push_back(std::string(status.message()));
  }
  return std::string();
}

}  // namespace hem
