#include "deploy/sizing_inputs.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "deploy/cluster_progress.h"

namespace hem {
namespace {

// The value of "--name=value" among a role's extra flags, or "".
std::string ExtraFlag(const hem::v1::RoleSpec& role, const std::string& name) {
  const std::string prefix = absl::StrCat("--", name, "=");
  std::string value;
  for (const std::string& flag : role.extra_flags()) {
    if (absl::StartsWith(flag, prefix)) value = flag.substr(prefix.size());
  }
  return value;
}

}  // namespace

absl::StatusOr<SizingRun> SizingRunFromDescription(const hem::v1::RunDescription& run) {
  SizingRun out;
  out.task = run.env();
  out.actors = run.actors().role().count();
  out.envs_per_actor = run.actors().envs_per_actor();
  out.shards = run.replay().role().count();
  out.samples_per_insert = run.replay().samples_per_insert();
  out.batch_size = run.learner().batch_size();
  out.evaluators = run.evaluator().role().count();
  out.eval_episodes = run.evaluator().episodes();
  out.eval_interval_seconds = run.evaluator().interval_seconds();
  std::vector<int> hidden_sizes = {256, 256, 256};
  if (const std::string sizes = ExtraFlag(run.learner().role(), "hidden_sizes"); !sizes.empty()) {
    hidden_sizes.clear();
    for (absl::string_view item : absl::StrSplit(sizes, ',', absl::SkipWhitespace())) {
      int width = 0;
      if (!absl::SimpleAtoi(item, &width) || width < 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("learner --hidden_sizes: '", item, "' is not a width"));
      }
      hidden_sizes.push_back(width);
    }
  }
  if (const std::string every = ExtraFlag(run.learner().role(), "publish_every"); !every.empty()) {
    if (!absl::SimpleAtoi(every, &out.publish_every) || out.publish_every < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("learner --publish_every: '", every, "' is not >= 1"));
    }
  }
  if (absl::Status filled = FillFromEnvSpec(hidden_sizes, &out); !filled.ok()) return filled;
  return out;
}

absl::StatusOr<MeasuredThroughput> MeasureProgressCsv(const std::string& path, int from_row) {
  absl::StatusOr<std::vector<double>> elapsed = ReadCsvColumn(path, "elapsed_seconds");
  if (!elapsed.ok()) return elapsed.status();
  absl::StatusOr<std::vector<double>> steps = ReadCsvColumn(path, "env_steps");
  absl::StatusOr<std::vector<double>> updates = ReadCsvColumn(path, "updates_per_second");
  absl::StatusOr<std::vector<double>> samples = ReadCsvColumn(path, "samples_per_second");
  for (const auto* column : {&steps, &updates, &samples}) {
    if (!column->ok()) return column->status();
  }
  const int n = static_cast<int>(elapsed->size());
  if (from_row < 0 || n < from_row + 2) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": ", n, " rows; need ", from_row + 2, " to measure from row ", from_row));
  }
  MeasuredThroughput m;
  const int first = from_row;
  m.rows = n - first - 1;
  m.seconds = (*elapsed)[n - 1] - (*elapsed)[first];
  if (!(m.seconds > 0)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": no time passes after row ", first));
  }
  m.env_steps_per_second = ((*steps)[n - 1] - (*steps)[first]) / m.seconds;
  for (int i = first + 1; i < n; ++i) {
    m.updates_per_second += (*updates)[i] / m.rows;
    m.samples_per_second += (*samples)[i] / m.rows;
  }
  return m;
}

}  // namespace hem
