// What `predict` feeds the sizing model (deploy/sizing_model.h) and compares
// it with: a run description (proto/run.proto) as a SizingRun, and a run's
// measured throughput from its progress.csv.
#ifndef HEM_DEPLOY_SIZING_INPUTS_H_
#define HEM_DEPLOY_SIZING_INPUTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "deploy/sizing_model.h"
#include "proto/run.pb.h"

namespace hem {

// The run's shape: task, counts, rate limit, batch size, evaluator; the
// learner's --hidden_sizes and --publish_every when its extra flags set
// them (else the learner's defaults, 256,256,256 and 10); byte sizes from
// the task's EnvSpec.
absl::StatusOr<SizingRun> SizingRunFromDescription(const hem::v1::RunDescription& run);

// A run's throughput as deploy/cluster_benchmark.sh computes it, from data
// row `from_row` (0-based) of progress.csv on: env steps/s from the
// env_steps counter between that row and the last over the elapsed time,
// samples/s and updates/s as the average of the rows after it.
// cluster_benchmark.sh starts at row 0; predict at row 2, past the start-up
// rows (replay filling to min_size_to_sample, the learner's first batches).
struct MeasuredThroughput {
  int rows = 0;  // Rows averaged.
  double seconds = 0;
  double env_steps_per_second = 0;
  double updates_per_second = 0;
  double samples_per_second = 0;
};
// NOT_FOUND without the file; FAILED_PRECONDITION with fewer than
// from_row + 2 rows.
absl::StatusOr<MeasuredThroughput> MeasureProgressCsv(const std::string& path, int from_row);

}  // namespace hem

#endif  // HEM_DEPLOY_SIZING_INPUTS_H_
