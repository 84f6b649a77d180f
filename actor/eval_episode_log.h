// The evaluator's per-episode log (actor --eval --eval_episode_log=FILE): a
// CSV row for every test episode, so a run that plateaus can be asked which
// goals its policy misses and by how much (four_rooms' wall bumps and
// reacher's misses were found this way). One row:
//
//   policy_version,evaluation,episode,success,steps,start_distance,
//   min_distance,final_distance,start_achieved,goal,final_achieved
//
// Distances are the success rule's (GoalDistance, common/env_spec_util.h):
// compare them with the task's threshold. The three vectors are
// space-separated coordinates, left empty for goals of more than
// kMaxLoggedGoalDim coordinates (flip_bit:k=50 would otherwise log 150
// numbers per episode). Rows of one evaluation are written and flushed
// together; a restarted evaluator appends to the same file.
#ifndef HEM_ACTOR_EVAL_EPISODE_LOG_H_
#define HEM_ACTOR_EVAL_EPISODE_LOG_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "actor/evaluation.h"

namespace hem {

inline constexpr int kMaxLoggedGoalDim = 8;

class EvalEpisodeLog {
 public:
  // The CSV header line, without its newline.
  static const char* Header();

  // Opens `path` for appending, writing the header when the file is new or
  // empty. UNAVAILABLE naming the path when it cannot be opened;
  // FAILED_PRECONDITION when it holds something other than this log (its
  // first line is not the header), which is then left as it was.
  static absl::StatusOr<std::unique_ptr<EvalEpisodeLog>> Open(const std::string& path);
  ~EvalEpisodeLog();
  EvalEpisodeLog(const EvalEpisodeLog&) = delete;
  EvalEpisodeLog& operator=(const EvalEpisodeLog&) = delete;

  // Appends one evaluation's episodes and flushes. UNAVAILABLE when the
  // write fails (a full disk): the evaluation itself still counts.
  absl::Status Append(int64_t policy_version, int64_t evaluation,
                      absl::Span<const EvaluatedEpisode> episodes);

 private:
  EvalEpisodeLog(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}
  const std::string path_;
  std::FILE* const file_;
};

}  // namespace hem

#endif  // HEM_ACTOR_EVAL_EPISODE_LOG_H_
