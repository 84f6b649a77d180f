#!/usr/bin/env bash
# The paper's N ablation (appendix C.3, Figure 9): trains one task with N
# parallel environment instances for each N and several seeds, then plots
# test success against env steps and against wall-clock time, one curve per
# N (mean over seeds with a min-max band), and tabulates every run.
#
#   deploy/ablation.sh --env=flip_bit:k=50 --n=5,10,20,40,80 --seeds=3 --time_limit=900
#   deploy/ablation.sh --env=flip_bit:k=10 --n=2,8 --seeds=1 --time_limit=60 --shards=2
#
# What N means (docs/RESULTS.md, "What N means"): Algorithm 1 collects N
# trajectories per iteration, then runs a few M-step updates. hem is
# asynchronous, so an iteration is realised as a ratio: N environment
# instances step in parallel (A actor processes x N/A instances each; A is
# the largest divisor of N up to --max_actors), and each replay shard's rate
# limit lets the learner take U updates of B transitions per N x T collected
# transitions (T = the task's horizon):
#   samples_per_insert = U x B / (N x T)
# U defaults to what hem's defaults realise (2 actors x 32 instances, 8
# samples per insert, B = 256): U = 8 x 64 x T / 256 = 2T updates per
# iteration. Each run also reports the ratio it realised (ablation.csv:
# updates_per_iteration, measured over the second half of the run).
#
# Flags of its own: --env (required), --n=N,N,... (required), --seeds=S
# (seeds 1..S, default 3), --time_limit=SECONDS per run (default 600),
# --updates_per_iteration=U (default 2 x horizon), --max_actors=A (default
# 2), --backend=local (runs one after another; slurm is for later: each
# (N, seed) is independent and could be an array job), --out=DIR (default
# runs/ablation-<env>). Every other flag goes to each deploy/launch.sh run
# verbatim (e.g. --shards=2, --bin_dir=..., --batch_size=... which also
# enters the formula). Runs go on until their time limit
# (--target_success=2) unless a flag says otherwise.
#
# Survives failures and resumes: each run's exit is recorded in
# DIR/N<n>-seed<k>/done; a finished run (stopped or failed) is not run
# again, so the same command after an interruption continues where it
# stopped (remove a run's directory to run it again). A failed run is
# listed in ablation.csv with status "failed" and left out of the curves.
#
# Writes into DIR: ablation.csv (one row per run), ablation.png (the
# figure), ablation.md (a Markdown table per N for docs/) and the curves it
# plotted (curves-N<n>-<axis>.dat).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/deploy/sweep.sh"

die() { echo "ablation.sh: $*" >&2; exit 2; }

ENV_NAME=""
N_LIST=""
SEEDS=3
TIME_LIMIT=600
U=""
MAX_ACTORS=2
BACKEND=local
OUT=""
BATCH=256
BIN_DIR=""
LAUNCH_FLAGS=()
for arg in "$@"; do
  case "$arg" in
    --help|-h) sed -n '2,41p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --env=*) ENV_NAME=${arg#*=} ;;
    --n=*) N_LIST=${arg#*=}; [[ "$N_LIST" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--n: a comma-separated list of integers >= 1" ;;
    --seeds=*) SEEDS=${arg#*=}; [[ "$SEEDS" =~ ^[1-9][0-9]*$ ]] || die "--seeds: must be an integer >= 1" ;;
    --time_limit=*) TIME_LIMIT=${arg#*=}; [[ "$TIME_LIMIT" =~ ^[1-9][0-9]*$ ]] || die "--time_limit: must be whole seconds >= 1" ;;
    --updates_per_iteration=*) U=${arg#*=}; [[ "$U" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--updates_per_iteration: must be a number > 0" ;;
    --max_actors=*) MAX_ACTORS=${arg#*=}; [[ "$MAX_ACTORS" =~ ^[1-9][0-9]*$ ]] || die "--max_actors: must be an integer >= 1" ;;
    --backend=*) BACKEND=${arg#*=}; [[ "$BACKEND" == local ]] || die "--backend: only local so far (slurm: later)" ;;
    --out=*) OUT=${arg#*=} ;;
    --seed=*|--run_dir=*|--actors=*|--envs_per_actor=*|--samples_per_insert=*)
      die "${arg%%=*}: set by ablation.sh for each run (see --help)" ;;
    --batch_size=*) BATCH=${arg#*=}; LAUNCH_FLAGS+=("$arg") ;;
    --bin_dir=*) BIN_DIR=${arg#*=}; LAUNCH_FLAGS+=("$arg") ;;
    --*) LAUNCH_FLAGS+=("$arg") ;;
    *) die "'$arg' is not a flag (see --help)" ;;
  esac
done
[[ -n "$ENV_NAME" ]] || die "--env: required, e.g. --env=flip_bit:k=50"
[[ -n "$N_LIST" ]] || die "--n: required, e.g. --n=5,10,20,40,80"

# The task's horizon T, from the task catalogue (and a check of its name).
status_tool="${BIN_DIR:-$ROOT/bazel-bin}/deploy/cluster_status"
if [[ ! -x "$status_tool" ]]; then
  (cd "$ROOT" && bazel build //deploy:cluster_status >/tmp/hem-ablation-build.log 2>&1) ||
      die "building deploy/cluster_status failed (/tmp/hem-ablation-build.log)"
fi
HORIZON=$("$status_tool" --check_env="$ENV_NAME" | awk '$1 == "horizon" { print $2 }') ||
    die "--env: '$ENV_NAME' is not a known task"
[[ "$HORIZON" =~ ^[0-9]+$ ]] || die "--env: no horizon for '$ENV_NAME'"
[[ -z "$U" ]] && U=$((2 * HORIZON))
[[ -z "$OUT" ]] && OUT="runs/ablation-$(echo "$ENV_NAME" | tr ':,=' '_-_')"
mkdir -p "$OUT" || die "--out: cannot create '$OUT'"
OUT=$(cd "$OUT" && pwd)
IFS=, read -r -a NS <<<"$N_LIST"

actors_for() {  # N -> the largest divisor of N that is <= MAX_ACTORS
  local n=$1 a
  for ((a = MAX_ACTORS < n ? MAX_ACTORS : n; a > 1; --a)); do
    ((n % a == 0)) && break
  done
  echo "$a"
}
spi_for() {  # N -> samples_per_insert = U x B / (N x T)
  awk -v u="$U" -v b="$BATCH" -v n="$1" -v t="$HORIZON" 'BEGIN { printf "%.6g", u * b / (n * t) }'
}

echo "ablation: $ENV_NAME, T = $HORIZON, U = $U updates of $BATCH per iteration of N trajectories"
# --- The runs, one after another. ---
for n in "${NS[@]}"; do
  actors=$(actors_for "$n")
  envs=$((n / actors))
  spi=$(spi_for "$n")
  for ((seed = 1; seed <= SEEDS; ++seed)); do
    run_dir="$OUT/N$n-seed$seed"
    if [[ -f "$run_dir/done" ]]; then
      echo "ablation: N=$n seed $seed already done ($run_dir)"
      continue
    fi
    rm -rf "$run_dir"
    echo "ablation: N=$n ($actors actors x $envs envs, samples_per_insert $spi) seed $seed for ${TIME_LIMIT}s -> $run_dir"
    "$ROOT/deploy/launch.sh" --env="$ENV_NAME" --seed="$seed" --actors="$actors" \
        --envs_per_actor="$envs" --samples_per_insert="$spi" --time_limit="$TIME_LIMIT" \
        --target_success=2 --run_dir="$run_dir" --dashboard_port=-1 "${LAUNCH_FLAGS[@]}"
    rc=$?
    # 130/143: interrupted (Ctrl-C, SIGTERM): stop here, resume later.
    ((rc == 130 || rc == 143)) && die "interrupted during N=$n seed $seed; run again to resume"
    mkdir -p "$run_dir"
    echo "$rc" >"$run_dir/done"
    ((rc == 0)) || echo "ablation: N=$n seed $seed failed (launch.sh exit $rc; logs in $run_dir/logs); going on"
  done
done

# --- Every good run's evaluations, and its realised updates per iteration:
# N x T x (learner updates / env steps) between the middle and the end of the
# run, where the rate limiter's start-up offset no longer counts. ---
points="$OUT/points.tsv"
realised="$OUT/realised.tsv"
: >"$points"
: >"$realised"
for n in "${NS[@]}"; do
  for ((seed = 1; seed <= SEEDS; ++seed)); do
    run_dir="$OUT/N$n-seed$seed"
    status=ok
    [[ "$(cat "$run_dir/done" 2>/dev/null)" == 0 && -s "$run_dir/progress.csv" ]] || status=failed
    ratio=""
    if [[ $status == ok ]]; then
      sweep_points "$n" "$seed" "$run_dir" >>"$points" || status=failed
      ratio=$(csv_awk "$run_dir/progress.csv" "env_steps learner_updates episodes" '
          { s[NR] = $col["env_steps"]; u[NR] = $col["learner_updates"]; e[NR] = $col["episodes"] }
          END {
            m = int((NR + 1) / 2); ds = s[NR] - s[m]
            if (NR < 4 || ds <= 0) exit
            printf "%.2f %.3f", n * t * (u[NR] - u[m]) / ds, (u[NR] - u[m]) / (e[NR] - e[m] > 0 ? e[NR] - e[m] : 1)
          }' -v n="$n" -v t="$HORIZON")
    fi
    echo "$n $seed $status ${ratio:-- -}" >>"$realised"
  done
done

# --- Curves per N on a shared grid. ---
curves=()
for n in "${NS[@]}"; do
  sweep_curves "$points" "$n" 3 "$OUT/curves-N$n-steps.dat"
  sweep_curves "$points" "$n" 4 "$OUT/curves-N$n-seconds.dat"
  curves+=("N = $n:$OUT/curves-N$n-steps.dat:$OUT/curves-N$n-seconds.dat")
done

# --- ablation.csv: the per-run table, with each run's set-up, status and
# realised ratio; failed runs have a row too. ---
runs=$(sweep_runs_csv "$points" N)
{
  echo "N,seed,status,actors,envs_per_actor,samples_per_insert,target_updates_per_iteration,updates_per_iteration,updates_per_episode,$(head -n 1 <<<"$runs" | cut -d, -f3-)"
  while read -r n seed status per_iteration per_episode; do
    row=$(awk -F, -v n="$n" -v s="$seed" '$1 == n && $2 == s' <<<"$runs" | cut -d, -f3-)
    [[ -z "$row" ]] && row=",,,,,"
    actors=$(actors_for "$n")
    echo "$n,$seed,$status,$actors,$((n / actors)),$(spi_for "$n"),$U,${per_iteration/-/},${per_episode/-/},$row"
  done <"$realised"
} >"$OUT/ablation.csv"

{
  echo "# N ablation on $ENV_NAME"
  echo
  echo "$SEEDS seed(s) per N, ${TIME_LIMIT} s per run; N parallel environment instances,"
  echo "U = $U updates of $BATCH transitions per iteration of N trajectories of T = $HORIZON"
  echo "steps (samples_per_insert = U x B / (N x T)); mean [min, max] over seeds; thresholds:"
  echo "mean over the runs that reached them (reached/runs)."
  echo
  echo "| N | runs | final success | best success | steps to 0.5 | seconds to 0.5 | steps to 0.9 | seconds to 0.9 | updates per iteration (realised) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for n in "${NS[@]}"; do
    row=$(sweep_summary_row "$OUT/ablation.csv" N "$n") || die "unreadable $OUT/ablation.csv"
    measured=$(awk -v n="$n" '$1 == n && $4 != "-" { s += $4; c++ } END { if (c) printf "%.1f", s / c; else printf "-" }' "$realised")
    echo "${row} ${measured} (target $U) |"
  done
} >"$OUT/ablation.md"
cat "$OUT/ablation.md"

sweep_figure "$OUT/ablation.png" \
    "N ablation on $ENV_NAME: test success, mean and min-max over $SEEDS seed(s); U = $U updates per N trajectories" \
    "$points" "${curves[@]}" || die "no figure (tables are in $OUT)"
rm -f "$points" "$realised"
echo "ablation: figure $OUT/ablation.png, tables $OUT/ablation.csv and $OUT/ablation.md"
