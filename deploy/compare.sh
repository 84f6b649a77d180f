#!/usr/bin/env bash
# hEM against HER on one task over several seeds, as the paper's Figures 3-5
# compare them: runs every (algorithm, seed) with deploy/launch.sh, one after
# another, then plots the test success rate's mean and min-max band per
# algorithm against environment steps and against wall-clock time, and
# tabulates final and best success and the steps and seconds each run took to
# reach 0.5 and 0.9.
#
#   deploy/compare.sh --env=flip_bit:k=50 --seeds=3 --time_limit=600
#   deploy/compare.sh --env=fetch_reach:image=48 --seeds=3 --time_limit=1200 --actors=4
#
# Flags of its own: --env (required), --seeds=N (seeds 1..N, default 3),
# --time_limit=SECONDS per run (default 600), --algos=hem,her (default both),
# --out=DIR (default runs/compare-<env>). Every other flag goes to each
# deploy/launch.sh run verbatim (e.g. --actors=4, --bin_dir=...). Runs go on
# until their time limit (--target_success=2) unless a flag says otherwise.
#
# Resumable: a run that finished (DIR/<algo>-seed<k>/done) is not run again,
# so the same command after an interruption continues where it stopped; an
# unfinished run starts over, so every curve is one uninterrupted run.
#
# Writes into DIR: compare.png (the figure), runs.csv (one row per run),
# summary.md (one row per algorithm: mean [min, max] over seeds), and the
# curves it plotted (curves-<algo>-<axis>.dat). progress.csv columns are read
# by name (deploy/csv.sh).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/deploy/sweep.sh"

die() { echo "compare.sh: $*" >&2; exit 2; }

ENV_NAME=""
SEEDS=3
TIME_LIMIT=600
ALGOS="hem,her"
OUT=""
LAUNCH_FLAGS=()
for arg in "$@"; do
  case "$arg" in
    --help|-h) sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --env=*) ENV_NAME=${arg#*=} ;;
    --seeds=*) SEEDS=${arg#*=}; [[ "$SEEDS" =~ ^[1-9][0-9]*$ ]] || die "--seeds: must be an integer >= 1" ;;
    --time_limit=*) TIME_LIMIT=${arg#*=}; [[ "$TIME_LIMIT" =~ ^[1-9][0-9]*$ ]] || die "--time_limit: must be whole seconds >= 1" ;;
    --algos=*) ALGOS=${arg#*=}; [[ "$ALGOS" =~ ^(hem|her)(,(hem|her))*$ ]] || die "--algos: a comma-separated list of hem, her" ;;
    --out=*) OUT=${arg#*=} ;;
    --seed=*|--run_dir=*|--algo=*) die "${arg%%=*}: set by compare.sh for each run" ;;
    --*) LAUNCH_FLAGS+=("$arg") ;;
    *) die "'$arg' is not a flag (see --help)" ;;
  esac
done
[[ -n "$ENV_NAME" ]] || die "--env: required, e.g. --env=flip_bit:k=50"
[[ -z "$OUT" ]] && OUT="runs/compare-$(echo "$ENV_NAME" | tr ':,=' '_-_')"
mkdir -p "$OUT" || die "--out: cannot create '$OUT'"
OUT=$(cd "$OUT" && pwd)
IFS=, read -r -a ALGO_LIST <<<"$ALGOS"

# --- The runs, one after another. ---
for algo in "${ALGO_LIST[@]}"; do
  for ((seed = 1; seed <= SEEDS; ++seed)); do
    run_dir="$OUT/$algo-seed$seed"
    if [[ -f "$run_dir/done" ]]; then
      echo "compare: $algo seed $seed already done ($run_dir)"
      continue
    fi
    rm -rf "$run_dir"
    echo "compare: $algo seed $seed on $ENV_NAME for ${TIME_LIMIT}s -> $run_dir"
    "$ROOT/deploy/launch.sh" --env="$ENV_NAME" --algo="$algo" --seed="$seed" \
        --time_limit="$TIME_LIMIT" --target_success=2 --run_dir="$run_dir" \
        "${LAUNCH_FLAGS[@]}"
    rc=$?
    # 130/143: interrupted (Ctrl-C, SIGTERM): stop here, resume later.
    ((rc == 130 || rc == 143)) && die "interrupted during $algo seed $seed; run again to resume"
    [[ -f "$run_dir/progress.csv" ]] || die "$algo seed $seed left no progress.csv (launch.sh exit $rc; logs in $run_dir/logs)"
    echo "$rc" >"$run_dir/done"
  done
done

# --- Every run's evaluations: algo seed steps seconds success. ---
points="$OUT/points.tsv"
: >"$points"
for algo in "${ALGO_LIST[@]}"; do
  for ((seed = 1; seed <= SEEDS; ++seed)); do
    sweep_points "$algo" "$seed" "$OUT/$algo-seed$seed" >>"$points" ||
        die "unreadable $OUT/$algo-seed$seed/progress.csv"
  done
done

# --- Curves, tables and the figure (deploy/sweep.sh). ---
curves=()
for algo in "${ALGO_LIST[@]}"; do
  sweep_curves "$points" "$algo" 3 "$OUT/curves-$algo-steps.dat"
  sweep_curves "$points" "$algo" 4 "$OUT/curves-$algo-seconds.dat"
  label=$([[ $algo == hem ]] && echo hEM || echo HER)
  curves+=("$label (mean, min-max band):$OUT/curves-$algo-steps.dat:$OUT/curves-$algo-seconds.dat")
done
sweep_runs_csv "$points" algo >"$OUT/runs.csv"

{
  echo "# hEM vs HER on $ENV_NAME"
  echo
  echo "$SEEDS seed(s) per algorithm, ${TIME_LIMIT} s per run; mean [min, max] over seeds;"
  echo "thresholds: mean over the runs that reached them (reached/runs)."
  echo
  echo "| algo | runs | final success | best success | steps to 0.5 | seconds to 0.5 | steps to 0.9 | seconds to 0.9 |"
  echo "|---|---|---|---|---|---|---|---|"
  for algo in "${ALGO_LIST[@]}"; do
    sweep_summary_row "$OUT/runs.csv" algo "$algo" || die "unreadable $OUT/runs.csv"
  done
} >"$OUT/summary.md"
cat "$OUT/summary.md"

sweep_figure "$OUT/compare.png" "hEM vs HER on $ENV_NAME: test success, $SEEDS seed(s)" \
    "$points" "${curves[@]}" || die "no figure (tables are in $OUT)"
rm -f "$points"
echo "compare: figure $OUT/compare.png, tables $OUT/runs.csv and $OUT/summary.md"
