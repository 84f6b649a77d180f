// predict: the sizing model's prediction for a run description
// (deploy/sizing_model.h, docs/SCALING.md), and, when the run has been run,
// what it measured next to it.
//
//   bazel run //deploy:predict -- --run=$PWD/runs/x/run.textproto
//   bazel run //deploy:predict -- --run=... --nodes=9 --cores=32 --gpus=1
//   bazel run //deploy:predict -- --run=... --actors=248 --samples_per_insert=0.25
//
// Costs come from --costs (default deploy/sizing_costs.txt, each value with
// the command that measured it). With <run_dir>/progress.csv beside the
// description, measured env steps/s, updates/s and samples/s (from data row
// --from_row on) are printed next to the prediction, with their ratio.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/process.h"
#include "deploy/run_description.h"
#include "deploy/sizing_inputs.h"
#include "deploy/sizing_model.h"

ABSL_FLAG(std::string, run, "", "The run description (<run_dir>/run.textproto).");
ABSL_FLAG(std::string, costs, "",
          "Measured costs file; default deploy/sizing_costs.txt of the workspace.");
ABSL_FLAG(double, cores, 0,
          "Cores per node; 0 = the costs file's cores_available when it has one, else 2.");
ABSL_FLAG(int, nodes, 1, "Nodes; with more than 1, actors go to nodes 1.. and the rest to node 0.");
ABSL_FLAG(int, gpus, -1, "GPUs for the learner; -1 = 1 if learner.device is cuda, else 0.");
ABSL_FLAG(double, network_gbit, 10, "Network bandwidth per node, Gbit/s.");
ABSL_FLAG(int, from_row, 2, "Measured rates from this progress.csv data row on (0-based).");
ABSL_FLAG(std::string, progress, "", "progress.csv to compare with; default beside --run.");
// What-if: change the run's shape before predicting (-1 = as the run says).
ABSL_FLAG(int, actors, -1, "Actor processes instead of the run's.");
ABSL_FLAG(int, shards, -1, "Replay shards instead of the run's.");
ABSL_FLAG(int, batch_size, -1, "Learner batch size instead of the run's.");
ABSL_FLAG(double, samples_per_insert, -1, "Rate limit instead of the run's (0 = none).");

namespace hem {
namespace {

int Main() {
  const std::string run_path = absl::GetFlag(FLAGS_run);
  if (run_path.empty()) {
    std::fprintf(stderr, "predict: --run=<run_dir>/run.textproto is required\n");
    return 2;
  }
  absl::StatusOr<hem::v1::RunDescription> description = ReadRunDescription(run_path);
  if (!description.ok()) {
    std::fprintf(stderr, "predict: %s\n", std::string(description.status().message()).c_str());
    return 2;
  }
  std::string costs_path = absl::GetFlag(FLAGS_costs);
  if (costs_path.empty()) {
    const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");  // Set by bazel run.
    costs_path = absl::StrCat(workspace != nullptr ? workspace : ".", "/deploy/sizing_costs.txt");
  }
  absl::StatusOr<SizingCosts> costs = ReadSizingCosts(costs_path);
  absl::StatusOr<SizingRun> run = SizingRunFromDescription(*description);
  for (const absl::Status& status : {costs.status(), run.status()}) {
    if (!status.ok()) {
      std::fprintf(stderr, "predict: %s\n", std::string(status.message()).c_str());
      return 2;
    }
  }
  const bool what_if = absl::GetFlag(FLAGS_actors) >= 0 || absl::GetFlag(FLAGS_shards) >= 0 ||
                       absl::GetFlag(FLAGS_batch_size) >= 0 ||
                       absl::GetFlag(FLAGS_samples_per_insert) >= 0;
  if (absl::GetFlag(FLAGS_actors) >= 0) run->actors = absl::GetFlag(FLAGS_actors);
  if (absl::GetFlag(FLAGS_shards) >= 0) run->shards = absl::GetFlag(FLAGS_shards);
  if (absl::GetFlag(FLAGS_batch_size) >= 0) run->batch_size = absl::GetFlag(FLAGS_batch_size);
  if (absl::GetFlag(FLAGS_samples_per_insert) >= 0) {
    run->samples_per_insert = absl::GetFlag(FLAGS_samples_per_insert);
  }
  SizingCluster cluster;
  cluster.nodes = absl::GetFlag(FLAGS_nodes);
  cluster.cores_per_node = absl::GetFlag(FLAGS_cores) > 0  ? absl::GetFlag(FLAGS_cores)
                           : costs->cores_available > 0 ? costs->cores_available
                                                        : 2;
  cluster.gpus = absl::GetFlag(FLAGS_gpus) >= 0 ? absl::GetFlag(FLAGS_gpus)
                 : description->learner().device() == "cuda" ? 1
                                                             : 0;
  cluster.network_bytes_per_second = absl::GetFlag(FLAGS_network_gbit) * 1e9 / 8;
  absl::StatusOr<SizingPrediction> prediction = PredictThroughput(*costs, cluster, *run);
  if (!prediction.ok()) {
    std::fprintf(stderr, "predict: %s\n", std::string(prediction.status().message()).c_str());
    return 2;
  }
  std::printf("%s", FormatPrediction(cluster, *run, *prediction).c_str());
  if (what_if) return 0;  // Not the run that was measured.

  std::string progress = absl::GetFlag(FLAGS_progress);
  if (progress.empty()) {
    const size_t slash = run_path.rfind('/');
    progress = absl::StrCat(slash == std::string::npos ? "." : run_path.substr(0, slash),
                            "/progress.csv");
  }
  absl::StatusOr<MeasuredThroughput> measured =
      MeasureProgressCsv(progress, absl::GetFlag(FLAGS_from_row));
  if (!measured.ok()) {
    std::printf("measured: none (%s)\n", std::string(measured.status().message()).c_str());
    return 0;
  }
  std::printf("\nmeasured over %.0f s (%d rows of %s):\n\n", measured->seconds, measured->rows,
              progress.c_str());
  std::printf("| | measured | predicted | predicted / measured |\n|---|--:|--:|--:|\n");
  auto row = [](const char* name, double m, double p) {
    std::printf("| %s | %.1f | %.1f | %s |\n", name, m, p,
                m > 0 ? absl::StrFormat("%.2f", p / m).c_str() : "-");
  };
  row("env steps/s", measured->env_steps_per_second, prediction->env_steps_per_second);
  row("updates/s", measured->updates_per_second, prediction->updates_per_second);
  row("samples/s", measured->samples_per_second, prediction->samples_per_second);
  return 0;
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) {
  hem::InitProcess(argc, argv, "predict --run=<run_dir>/run.textproto [--costs=FILE] [--cores=2]");
  return hem::Main();
}
