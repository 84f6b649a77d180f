#!/usr/bin/env bash
# deploy/run_results.sh end to end on a tiny case: flip_bit:k=4, 2 seeds, a
# 0.9 target held for 3 more evaluations. Checks a row per run in runs.csv
# (target reached, 3 settle evaluations in the stop reason), the task's row
# and figure, the block it writes between the markers of a docs file (the
# text around it kept), the evaluator's eval_episodes.csv in every run, that
# no replay checkpoint is left behind, that a second call skips the
# finished runs, that --report_only runs nothing, that runs kept beside the
# docs are restored (same table) when the run directories are lost and only
# with the same settings,
# and, on a hand-made run, a task with commas, an unreached target and --block.
# Prints GoogleTest-style result lines so tests/run_tests.sh counts the case.
set -uo pipefail
runfiles="${TEST_SRCDIR:-$PWD/..}/hem"
out="${TEST_TMPDIR:-/tmp}/run_results"
rm -rf "$out"
mkdir -p "$out/docs"
case_name="RunResults.TinyFlipBitTwoSeeds"
echo "[ RUN      ] $case_name"
start=$(date +%s)
failures=0
fail() { echo "FAILED: $*"; failures=$((failures + 1)); }

docs="$out/docs/RESULTS.md"
printf 'before\n<!-- run_results:begin -->\nold table\n<!-- run_results:end -->\nafter\n' >"$docs"
flags=(--tasks=flip_bit:k=4 --seeds=2 --time_limit=40 --settle=3 --out_dir="$out/runs"
       --eval_episodes=20 --launch_flags="--bin_dir=$runfiles" --write_docs --docs="$docs")
"$runfiles/deploy/run_results.sh" "${flags[@]}"
rc=$?
((rc == 0)) || fail "run_results.sh exit $rc"

# Finished runs keep their results, not their replay checkpoints.
compgen -G "$out/runs/*/replay-*/*.ckpt" >/dev/null &&
    fail "replay checkpoints left: $(ls "$out"/runs/*/replay-*/*.ckpt)"

runs="$out/runs/runs.csv"
rows=$(($(wc -l <"$runs") - 1))
((rows == 2)) || fail "runs.csv has $rows runs, expected 2"
for seed in 1 2; do
  row=$(awk -F, -v s="$seed" '$1 == "flip_bit:k=4" && $2 == s' "$runs")
  IFS=, read -r _ _ best steps secs settled lo hi change mean_change _ _ reason <<<"$row"
  [[ -n "$steps" && -n "$secs" ]] || fail "seed $seed: never reached 0.9 ($row)"
  [[ "$settled" == 3 ]] || fail "seed $seed: $settled settle evaluations, expected 3 ($row)"
  awk -v b="$best" -v l="$lo" -v h="$hi" -v c="$change" -v m="$mean_change" \
      'BEGIN { exit !(b >= 0.9 && b <= 1 && l <= h && h <= 1 && c >= 0 && c <= 1 && m >= 0 && m <= c) }' ||
      fail "seed $seed: inconsistent numbers ($row)"
  [[ "$reason" == *"then 3 evaluations in"* ]] || fail "seed $seed: stop reason '$reason'"
  episodes="$out/runs/flip_bit_k_4-seed$seed/eval_episodes.csv"
  [[ $(head -n 1 "$episodes" 2>/dev/null) == policy_version,evaluation,episode,success* ]] ||
      fail "seed $seed: no eval_episodes.csv"
  # 20 episodes per evaluation, at least the 4 evaluations the run counted.
  n=$(($(wc -l <"$episodes") - 1))
  ((n >= 80 && n % 20 == 0)) || fail "seed $seed: eval_episodes.csv has $n rows"
done
grep -q "^| flip_bit:k=4 | 2/2 |" "$out/runs/results.md" || fail "results.md has no 2/2 row"
[[ -s "$out/runs/flip_bit_k_4.png" ]] || fail "no figure"

# The docs block: replaced, with the text around it kept.
grep -q "old table" "$docs" && fail "the old block is still in the docs"
[[ $(head -n 1 "$docs") == before && $(tail -n 1 "$docs") == after ]] ||
    fail "the text around the block changed"
grep -q "^| flip_bit:k=4 | 2/2 |" "$docs" || fail "the docs block has no table row"
[[ -s "$out/docs/results/flip_bit_k_4.png" && -s "$out/docs/results/runs.csv" ]] ||
    fail "figure or runs.csv not beside the docs"
cat "$out/runs/results.md"

# Resumable: nothing is run again.
again=$("$runfiles/deploy/run_results.sh" "${flags[@]}" 2>&1)
[[ $(grep -c "already done" <<<"$again") -eq 2 ]] || fail "second call re-ran runs: $again"

# --report_only tabulates what is there and runs nothing: a task without
# runs gets a row saying so.
report=$("$runfiles/deploy/run_results.sh" "${flags[@]}" --report_only \
    --tasks="flip_bit:k=4 nav:k=2" 2>&1)
grep -q "^| nav:k=2 | no run finished" <<<"$report" || fail "--report_only: no empty nav:k=2 row: $report"
grep -q "^| flip_bit:k=4 | 2/2 |" <<<"$report" || fail "--report_only: flip_bit row lost: $report"
compgen -G "$out/runs/nav_k_2-seed*" >/dev/null && fail "--report_only started a run"

# Kept beside the docs: with DIR lost, the same command restores every run
# from there instead of running it, and tabulates exactly what it had.
kept="$out/docs/results/runs/flip_bit_k_4-seed1"
[[ -f "$kept/done" && -f "$kept/run.textproto" && -f "$kept/settings" ]] ||
    fail "run not kept beside the docs: $(ls "$kept" 2>&1)"
before=$(cat "$runs")
kept_rows=$(($(wc -l <"$kept/progress.csv") - 1))
all_rows=$(($(wc -l <"$out/runs/flip_bit_k_4-seed1/progress.csv") - 1))
((kept_rows >= 4 && kept_rows <= all_rows)) ||
    fail "kept progress.csv has $kept_rows rows (the run's has $all_rows)"
[[ $(head -n 1 "$kept/progress.csv") == elapsed_seconds,env_steps,eval_success_rate,eval_version,learner_updates,train_success_rate ]] ||
    fail "kept progress.csv columns: $(head -n 1 "$kept/progress.csv")"
rm -rf "$out/runs"
again=$("$runfiles/deploy/run_results.sh" "${flags[@]}" 2>&1)
[[ $(grep -c "restored from" <<<"$again") -eq 2 ]] || fail "runs not restored: $again"
grep -q "(up to " <<<"$again" && fail "a kept run was run again: $again"
[[ "$(cat "$runs")" == "$before" ]] ||
    fail "the restored runs tabulate differently: $(diff <(echo "$before") "$runs")"
[[ -s "$out/runs/flip_bit_k_4.png" ]] || fail "no figure from the restored runs"
# Other settings (here --settle) are not restored from it.
read_only=()
for flag in "${flags[@]}"; do [[ "$flag" == --write_docs ]] || read_only+=("$flag"); done
other=$("$runfiles/deploy/run_results.sh" "${read_only[@]}" --settle=4 --report_only \
    --out_dir="$out/other" 2>&1)
grep -q "other settings.*not restored" <<<"$other" || fail "--settle=4 restored kept runs: $other"
grep -q "^| flip_bit:k=4 | no run finished" <<<"$other" || fail "--settle=4 row: $other"

# A task whose name has commas (a CSV separator) and a run that never
# reached the target, made by hand: its row reads 0/1 with dashes, not NaN;
# --block writes a second table between its own markers.
hand="$out/runs/sawyer_reach_image_48_image_goal_1-seed1"
mkdir -p "$hand"
printf 'elapsed_seconds,env_steps,eval_success_rate,eval_version\n1,100,0.1,1\n2,200,0.4,2\n3,300,0.3,3\n' \
    >"$hand/progress.csv"
echo '{ "stop_reason": "time limit 3s reached" }' >"$hand/summary.json"
echo 0 >"$hand/done"
printf '<!-- run_results:images:begin -->\n<!-- run_results:images:end -->\n' >>"$docs"
report=$("$runfiles/deploy/run_results.sh" "${flags[@]}" --report_only --seeds=1 --block=images \
    --tasks="sawyer_reach:image=48,image_goal=1" 2>&1)
grep -q "^| sawyer_reach:image=48,image_goal=1 | 0/1 | - | - | 0.40 \[0.40, 0.40\] | - | - |$" \
    <<<"$report" || fail "comma task or unreached row wrong: $report"
grep -q "^sawyer_reach:image=48;image_goal=1,1,0.40,,," "$out/runs/runs.csv" ||
    fail "runs.csv row of the comma task: $(cat "$out/runs/runs.csv")"
awk '/run_results:images:begin/,/run_results:images:end/' "$docs" | grep -q "^| sawyer_reach" ||
    fail "--block=images: no row between its markers"
grep -q "^| flip_bit:k=4 | 2/2 |" "$docs" || fail "--block=images replaced the main block"
[[ -s "$out/docs/results/runs_images.csv" ]] || fail "--block=images: no runs_images.csv"

elapsed=$(( $(date +%s) - start ))
if ((failures == 0)); then
  echo "[       OK ] $case_name ($((elapsed * 1000)) ms)"
  exit 0
fi
for log in "$out"/runs/*/logs/*.log; do
  echo "--- tail of $log"
  tail -n 15 "$log"
done
echo "[  FAILED  ] $case_name ($((elapsed * 1000)) ms)"
exit 1
