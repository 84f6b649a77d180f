#!/usr/bin/env bash
# deploy/compare.sh end to end on a tiny case: flip_bit:k=4, one seed of hEM
# and one of HER, 20 s each. Checks that the figure and both tables exist
# with one row per run and per algorithm, that every run has a final test
# success in [0, 1], and that a second call skips the finished runs.
# Prints GoogleTest-style result lines so tests/run_tests.sh counts the case.
set -uo pipefail
runfiles="${TEST_SRCDIR:-$PWD/..}/hem"
out="${TEST_TMPDIR:-/tmp}/compare"
rm -rf "$out"
case_name="Compare.TinyFlipBitHemAndHer"
echo "[ RUN      ] $case_name"
start=$(date +%s)
failures=0
fail() { echo "FAILED: $*"; failures=$((failures + 1)); }

"$runfiles/deploy/compare.sh" --bin_dir="$runfiles" --env=flip_bit:k=4 --seeds=1 \
    --time_limit=20 --out="$out" --eval_episodes=20
rc=$?
((rc == 0)) || fail "compare.sh exit $rc"
[[ -s "$out/compare.png" ]] || fail "no compare.png"
for algo in hem her; do
  [[ -s "$out/curves-$algo-steps.dat" && -s "$out/curves-$algo-seconds.dat" ]] ||
      fail "no curves for $algo"
  grep -q "^| $algo | 1 |" "$out/summary.md" || fail "summary.md has no row for $algo"
  final=$(awk -F, -v a="$algo" '$1 == a && $2 == 1 { print $3 }' "$out/runs.csv")
  awk -v f="${final:-x}" 'BEGIN { exit !(f != "x" && f >= 0 && f <= 1) }' ||
      fail "runs.csv: no final success in [0, 1] for $algo seed 1 (got '${final}')"
done
# The HER run trained DQN+HER (flip_bit's actions are discrete).
grep -rqs "ALGORITHM_DQN_HER" "$out/her-seed1/logs" || fail "the her run's learner did not run DQN+HER"
grep -rqs "ALGORITHM_HEM" "$out/hem-seed1/logs" || fail "the hem run's learner did not run hEM"
rows=$(($(wc -l <"$out/runs.csv") - 1))
((rows == 2)) || fail "runs.csv has $rows runs, expected 2"
cat "$out/summary.md"

# Resumable: nothing is run again.
again=$("$runfiles/deploy/compare.sh" --bin_dir="$runfiles" --env=flip_bit:k=4 --seeds=1 \
    --time_limit=20 --out="$out" --eval_episodes=20 2>&1)
[[ $(grep -c "already done" <<<"$again") -eq 2 ]] || fail "second call re-ran runs: $again"

elapsed=$(( $(date +%s) - start ))
if ((failures == 0)); then
  echo "[       OK ] $case_name ($((elapsed * 1000)) ms)"
  exit 0
fi
for log in "$out"/*/logs/*.log; do
  echo "--- tail of $log"
  tail -n 15 "$log"
done
echo "[  FAILED  ] $case_name ($((elapsed * 1000)) ms)"
exit 1
