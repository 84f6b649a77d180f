// Per-episode CSV log of the evaluator (see eval_episode_log.h).
#include "actor/eval_episode_log.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace hem {
namespace {

std::string Coordinates(const std::vector<float>& v) {
  if (v.size() > static_cast<size_t>(kMaxLoggedGoalDim)) return "";
  return absl::StrJoin(v, " ", [](std::string* out, float x) {
    absl::StrAppendFormat(out, "%.6g", x);
  });
}

}  // namespace

const char* EvalEpisodeLog::Header() {
  return "policy_version,evaluation,episode,success,steps,start_distance,min_distance,"
         "final_distance,start_achieved,goal,final_achieved";
}

absl::StatusOr<std::unique_ptr<EvalEpisodeLog>> EvalEpisodeLog::Open(
    const std::string& path) {
  bool empty = true;
  {
    std::ifstream existing(path);
    std::string first;
    if (existing && std::getline(existing, first)) {
      empty = false;
      if (first != Header()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "--eval_episode_log: '", path,
            "' exists and is not an evaluation episode log (its first line is not '",
            Header(), "'); choose another file"));
      }
    }
  }
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    return absl::UnavailableError(absl::StrCat("--eval_episode_log: cannot open '", path,
                                               "': ", std::strerror(errno)));
  }
  auto log = std::unique_ptr<EvalEpisodeLog>(new EvalEpisodeLog(path, file));
  if (empty && (std::fprintf(file, "%s\n", Header()) < 0 || std::fflush(file) != 0)) {
    return absl::UnavailableError(
        absl::StrCat("--eval_episode_log: cannot write to '", path, "'"));
  }
  return log;
}

EvalEpisodeLog::~EvalEpisodeLog() { std::fclose(file_); }

absl::Status EvalEpisodeLog::Append(int64_t policy_version, int64_t evaluation,
                                    absl::Span<const EvaluatedEpisode> episodes) {
  std::string rows;
  for (const EvaluatedEpisode& e : episodes) {
    absl::StrAppendFormat(&rows, "%d,%d,%d,%d,%d,%.6g,%.6g,%.6g,%s,%s,%s\n", policy_version,
                          evaluation, e.index, e.success ? 1 : 0, e.steps, e.start_distance,
                          e.min_distance, e.final_distance, Coordinates(e.start_achieved),
                          Coordinates(e.goal), Coordinates(e.final_achieved));
  }
  if (std::fwrite(rows.data(), 1, rows.size(), file_) != rows.size() ||
      std::fflush(file_) != 0) {
    return absl::UnavailableError(
        absl::StrCat("--eval_episode_log: cannot write to '", path_, "'"));
  }
  return absl::OkStatus();
}

}  // namespace hem
