#!/usr/bin/env bash
# deploy/ablation.sh end to end on a small case: flip_bit:k=10 with N = 2
# and N = 8 parallel environment instances, one seed, 30 s each. Checks the
# CSV (a row per run, status ok, the set-up N asks for, a final success in
# [0, 1], the updates per iteration it realised within a factor of 2 of the
# target), the figure and the Markdown table, and that a second call skips
# the finished runs. Prints GoogleTest-style result lines.
set -uo pipefail
runfiles="${TEST_SRCDIR:-$PWD/..}/hem"
out="${TEST_TMPDIR:-/tmp}/ablation"
rm -rf "$out"
case_name="Ablation.FlipBitTwoNs"
echo "[ RUN      ] $case_name"
start=$(date +%s)
failures=0
fail() { echo "FAILED: $*"; failures=$((failures + 1)); }

flags=(--bin_dir="$runfiles" --env=flip_bit:k=10 --n=2,8 --seeds=1 --time_limit=30
       --out="$out" --eval_episodes=20)
"$runfiles/deploy/ablation.sh" "${flags[@]}"
rc=$?
((rc == 0)) || fail "ablation.sh exit $rc"
csv="$out/ablation.csv"
[[ -s "$out/ablation.png" ]] || fail "no ablation.png"
[[ -s "$out/ablation.md" ]] || fail "no ablation.md"
cat "$csv"
rows=$(($(wc -l <"$csv") - 1))
((rows == 2)) || fail "ablation.csv has $rows runs, expected 2"
source "$runfiles/deploy/csv.sh"
check=$(csv_awk "$csv" "N seed status actors envs_per_actor samples_per_insert target_updates_per_iteration updates_per_iteration final_success" '
  {
    n = $col["N"]; a = $col["actors"]; e = $col["envs_per_actor"]
    if ($col["status"] != "ok") print "N=" n ": status " $col["status"]
    if (a * e != n || a != 2) print "N=" n ": " a " actors x " e " envs"
    # U = 2T = 20 updates of 256 per N x 10 transitions.
    if ($col["samples_per_insert"] != 512 / n) print "N=" n ": samples_per_insert " $col["samples_per_insert"]
    if ($col["target_updates_per_iteration"] != 20) print "N=" n ": target U " $col["target_updates_per_iteration"]
    u = $col["updates_per_iteration"]
    if (u == "" || u < 10 || u > 40) print "N=" n ": realised updates per iteration " u " (target 20)"
    f = $col["final_success"]
    if (f == "" || f < 0 || f > 1) print "N=" n ": final success " f
  }')
[[ -z "$check" ]] || fail "$check"
for n in 2 8; do
  grep -q "^| $n | 1 |" "$out/ablation.md" || fail "ablation.md has no row for N=$n"
done
cat "$out/ablation.md"
if [[ -n "${TEST_UNDECLARED_OUTPUTS_DIR:-}" ]]; then
  cp "$out/ablation.png" "$out/ablation.csv" "$out/ablation.md" "$TEST_UNDECLARED_OUTPUTS_DIR"/
fi

# Resumable: nothing is run again.
again=$("$runfiles/deploy/ablation.sh" "${flags[@]}" 2>&1)
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
