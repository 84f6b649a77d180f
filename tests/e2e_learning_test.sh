#!/usr/bin/env bash
# End-to-end learning: a real cluster (1-2 replay shards, learner, 2 actors and an
# evaluator, started by deploy/launch.sh) trains from scratch, and the test
# asserts the test success rate the evaluator measured.
#
#   e2e_learning_test.sh ENV MIN_SUCCESS TIME_LIMIT_SECONDS [launch flags...]
# Prints GoogleTest-style result lines so tests/run_tests.sh counts the case.
set -uo pipefail
env_name=$1 min_success=$2 time_limit=$3
shift 3
algo=""
for flag in "$@"; do [[ $flag == --algo=* ]] && algo="_${flag#--algo=}"; done
case_name="EndToEnd.${env_name//[^a-zA-Z0-9]/_}$algo"
runfiles="${TEST_SRCDIR:-$PWD/..}/hem"
run_dir="${TEST_TMPDIR:-/tmp}/run-${env_name//[^a-zA-Z0-9]/_}"
rm -rf "$run_dir"

echo "[ RUN      ] $case_name"
start=$(date +%s)
"$runfiles/deploy/launch.sh" --bin_dir="$runfiles" --env="$env_name" \
    --target_success="$min_success" --time_limit="$time_limit" --seed=1 \
    --run_dir="$run_dir" "$@"
launch_rc=$?
elapsed=$(( $(date +%s) - start ))

summary="$run_dir/summary.json"
if [[ ! -f "$summary" ]]; then
  echo "no summary.json in $run_dir"
  echo "[  FAILED  ] $case_name ($((elapsed * 1000)) ms)"
  exit 1
fi
cat "$summary"
best=$(sed -n 's/.*"best_eval_success_rate": \([0-9.]*\).*/\1/p' "$summary")
# Keep the artefacts for people to look at.
if [[ -n "${TEST_UNDECLARED_OUTPUTS_DIR:-}" ]]; then
  cp "$run_dir"/summary.json "$run_dir"/progress.csv "$run_dir"/success.png \
      "$TEST_UNDECLARED_OUTPUTS_DIR"/ 2>/dev/null
  [[ -f "$run_dir/success.png" ]] || echo "warning: no success.png was plotted"
fi
echo "measured test success rate on $env_name: ${best:-none} (needed >= $min_success) after ${elapsed}s; launch.sh exit $launch_rc"
if [[ $launch_rc -eq 0 ]] && awk -v b="${best:-0}" -v m="$min_success" 'BEGIN { exit !(b >= m) }'; then
  echo "[       OK ] $case_name ($((elapsed * 1000)) ms)"
  exit 0
fi
for log in "$run_dir"/logs/*.log; do
  echo "--- tail of $log"
  tail -n 15 "$log"
done
echo "[  FAILED  ] $case_name ($((elapsed * 1000)) ms)"
exit 1
