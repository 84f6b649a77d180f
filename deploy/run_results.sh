#!/usr/bin/env bash
# Trains every state-based task of the paper with deploy/launch.sh, one after
# another, and prints a Markdown table of what each run reached: best test
# success rate, the env steps and wall-clock when test success first reached
# 0.9, and the seed. Each run's plot is copied to docs/results/.
#
#   deploy/run_results.sh                        # all tasks, 240 s each
#   deploy/run_results.sh --time_limit=120 --tasks="flip_bit:k=10 point_mass"
#   deploy/run_results.sh --launch_flags="--actors=4"
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source deploy/csv.sh

TASKS="flip_bit:k=10 flip_bit:k=20 flip_bit:k=30 flip_bit:k=40 flip_bit:k=50 nav:k=2 nav:k=5 nav:k=10 nav:k=20 nav:k=40 four_rooms point_mass reacher fetch_reach sawyer_reach"
TIME_LIMIT=240
SEED=1
LAUNCH_FLAGS=""
OUT_DIR=runs/results
for arg in "$@"; do
  case "$arg" in
    --tasks=*) TASKS=${arg#*=} ;;
    --time_limit=*) TIME_LIMIT=${arg#*=} ;;
    --seed=*) SEED=${arg#*=} ;;
    --launch_flags=*) LAUNCH_FLAGS=${arg#*=} ;;
    --out_dir=*) OUT_DIR=${arg#*=} ;;
    *) echo "run_results.sh: unknown flag '$arg'" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT_DIR" docs/results

echo "| task | best test success | env steps to 0.9 | wall-clock to 0.9 | env steps run | wall-clock run | stop reason | seed |"
echo "|---|---:|---:|---:|---:|---:|---|---:|"
for task in $TASKS; do
  slug=$(echo "$task" | tr ':,=' '_-_')
  run_dir="$OUT_DIR/$slug-seed$SEED"
  rm -rf "$run_dir"
  # shellcheck disable=SC2086
  deploy/launch.sh --env="$task" --seed="$SEED" --time_limit="$TIME_LIMIT" \
      --target_success=0.99 --run_dir="$run_dir" $LAUNCH_FLAGS >"$OUT_DIR/$slug.log" 2>&1
  csv="$run_dir/progress.csv"
  if [[ ! -f "$csv" ]]; then
    echo "| $task | failed to run (see $OUT_DIR/$slug.log) | | | | | | $SEED |"
    continue
  fi
  read -r best steps_to time_to steps_total time_total < <(csv_awk "$csv" \
      "elapsed_seconds env_steps eval_success_rate" '
      {
        rate = $col["eval_success_rate"]; steps = $col["env_steps"]; secs = $col["elapsed_seconds"]
        if (rate > best) best = rate
        if (rate >= 0.9 && !reached) { reached = 1; steps_to = steps; secs_to = secs }
        total_steps = steps; total_secs = secs
      }
      END { printf "%.2f %s %s %d %d\n", best, reached ? steps_to : "-", reached ? secs_to "s" : "-", total_steps, total_secs }')
  reason=$(sed -n 's/.*"stop_reason": "\([^"]*\)".*/\1/p' "$run_dir/summary.json")
  cp "$run_dir/success.png" "docs/results/$slug.png" 2>/dev/null
  echo "| $task | $best | $steps_to | $time_to | $steps_total | ${time_total}s | $reason | $SEED |"
done
