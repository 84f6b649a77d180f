#!/usr/bin/env bash
# End-to-end throughput of a whole cluster on this machine: env steps/s of
# all actors together, and the learner's samples/s and updates/s, for 1, 2
# and 4 actor processes (the paper's N ablation, from the systems side).
# Every run is a real cluster started by deploy/launch.sh, training as usual.
#
#   deploy/cluster_benchmark.sh                         # point_mass, 45 s per run
#   deploy/cluster_benchmark.sh --env=fetch_reach --seconds=60 --actors="1 2 4 8"
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source deploy/csv.sh

ENV_NAME=point_mass
SECONDS_PER_RUN=45
ACTOR_COUNTS="1 2 4"
LAUNCH_FLAGS=""
for arg in "$@"; do
  case "$arg" in
    --env=*) ENV_NAME=${arg#*=} ;;
    --seconds=*) SECONDS_PER_RUN=${arg#*=} ;;
    --actors=*) ACTOR_COUNTS=${arg#*=} ;;
    --launch_flags=*) LAUNCH_FLAGS=${arg#*=} ;;
    *) echo "cluster_benchmark.sh: unknown flag '$arg'" >&2; exit 2 ;;
  esac
done

echo "cluster throughput on $ENV_NAME, $(nproc) cores, ${SECONDS_PER_RUN}s per run (rates over the run after the first progress row)"
echo
echo "| actors | env steps/s (all actors) | learner samples/s | learner updates/s | test success at end |"
echo "|---:|---:|---:|---:|---:|"
for n in $ACTOR_COUNTS; do
  run_dir=$(mktemp -d /tmp/hem-cluster-bench.XXXXXX)
  # shellcheck disable=SC2086
  deploy/launch.sh --env="$ENV_NAME" --actors="$n" --time_limit="$SECONDS_PER_RUN" \
      --target_success=1.1 --run_dir="$run_dir" $LAUNCH_FLAGS >"$run_dir/launch.out" 2>&1
  # Rates from the first row on; averages over the rows after it.
  csv_awk "$run_dir/progress.csv" \
      "elapsed_seconds env_steps samples_per_second updates_per_second eval_success_rate" '
      ++rows == 1 { t0 = $col["elapsed_seconds"]; s0 = $col["env_steps"]; next }
      {
        t1 = $col["elapsed_seconds"]; s1 = $col["env_steps"]; eval = $col["eval_success_rate"]
        samples += $col["samples_per_second"]; updates += $col["updates_per_second"]
      }
      END {
        if (rows < 2) { printf "| %d | (run failed) | | | |\n", n; exit }
        rows--
        printf "| %d | %.0f | %.0f | %.1f | %.2f |\n", n, (s1 - s0) / (t1 - t0), samples / rows, updates / rows, eval
      }' -v n="$n" 2>/dev/null || echo "| $n | (run failed) | | | |"
done
