#!/usr/bin/env bash
# Launches a whole hem training run on this machine: replay shards, the
# learner, N actors and one evaluator. Installs dependencies and builds when
# needed, then hands over to deploy/supervisor, which starts every process,
# waits until each is ready, restarts one that dies (within a limit per role),
# and stops everything cleanly on Ctrl-C, at the step budget, at the target
# test success rate or at the time limit. Leaves a run directory with
# run.textproto (the run as data), each process's log, progress.csv, the
# learner's metrics and checkpoints, summary.json and success.png; run again
# with the same --run_dir and every process resumes from its newest checkpoint.
#
# This script only parses, builds and hands over: the flags become a run
# description (proto/run.proto; deploy/launch_flags.cc knows every flag and
# its default), written to <run_dir>/run.textproto, which the supervisor runs.
#
# --backend=slurm (docs/CLUSTER.md): inside a Slurm job (SLURM_JOB_ID set)
# the supervisor runs here and starts every process as a job step. Elsewhere
# (a login node) the run is submitted as one job (sbatch) whose batch step
# is the supervisor (deploy/slurm_batch.sh); this script stays, prints the
# job id, follows the job's output (<run_dir>/logs/slurm-<job>.out) until
# the job ends and exits with the supervisor's status. Ctrl-C asks the job
# to stop in order (scancel --batch --signal=TERM); a second one cancels it.
#
#   deploy/launch.sh                                  # default task, under a minute
#   deploy/launch.sh --env=fetch_reach --actors=4 --shards=2
#   deploy/launch.sh --run=runs/x/run.textproto       # the same run again, new run_dir
#   deploy/launch.sh --help
# Paths are relative to the repository root.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

die() { echo "launch.sh: $*" >&2; exit 2; }

BIN_DIR=""
RUN_FILE=""
DASHBOARD_PORT=0
HELP=0
FLAGS=()  # Everything else: the supervisor checks them by name.
for arg in "$@"; do
  case "$arg" in
    --help|-h) HELP=1 ;;
    --bin_dir=*) BIN_DIR=${arg#*=}; [[ -d "$BIN_DIR" ]] || die "--bin_dir: '$BIN_DIR' is not a directory" ;;
    --run=*) RUN_FILE=${arg#*=}; [[ -f "$RUN_FILE" ]] || die "--run: '$RUN_FILE' is not a file" ;;
    --dashboard_port=*) DASHBOARD_PORT=${arg#*=} ;;
    --*) FLAGS+=("$arg") ;;
    *) die "'$arg' is not a flag (flags look like --name=value; see --help)" ;;
  esac
done

build() {  # targets...
  deploy/install_deps.sh || die "installing dependencies failed"
  echo "hem: building (the first build takes several minutes)..." >&2
  if ! bazel build "$@" >/tmp/hem-launch-build.log 2>&1; then
    tail -n 30 /tmp/hem-launch-build.log >&2
    die "build failed (full log: /tmp/hem-launch-build.log)"
  fi
}

if [[ -n "$BIN_DIR" ]]; then
  BIN=$(cd "$BIN_DIR" && pwd)
else
  BIN="$ROOT/bazel-bin"
  ((HELP)) && [[ ! -x "$BIN/deploy/supervisor" ]] && build //deploy:supervisor
  ((HELP)) || build //replay_service:replay_server //learner:learner //actor:actor \
      //deploy:supervisor
fi
SUPERVISOR="$BIN/deploy/supervisor"
[[ -x "$SUPERVISOR" ]] || die "missing binary $SUPERVISOR"

if ((HELP)); then
  cat <<USAGE
usage: deploy/launch.sh [flags]
  --run=FILE                 run a run description again (<run_dir>/run.textproto of an
                             earlier run): same roles, flags and seeds, in a new run directory
                             unless --run_dir is given; other flags change what they name
  --bin_dir=DIR              use already built binaries under DIR (skips install and build;
                             the tests run the launcher this way)
  --dashboard_port=P         the run's live dashboard on this port of the bind host
                             (default 0: any free port, printed at start; -1: none)
USAGE
  "$SUPERVISOR" --launch_help
  exit 0
fi

# The flags (on top of --run's description) become <run_dir>/run.textproto;
# a bad flag or value fails here, naming the flag.
description=$("$SUPERVISOR" --write_description ${RUN_FILE:+--from="$RUN_FILE"} -- \
    "${FLAGS[@]}") || exit 2
RUN_ARGS=(--bin_dir="$BIN" --plot_script="$ROOT/deploy/plot_run.sh"
    --credentials_script="$ROOT/deploy/make_credentials.sh"
    --dashboard_port="$DASHBOARD_PORT" --dashboard_dir="$ROOT/deploy/dashboard")

# --- Slurm, from a login node: submit, follow, report --------------------------------
# The job's state and exit code, from the controller (it keeps an ended job
# for MinJobAge, 300 s by default).
job_field() {  # job, field
  scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | awk -F= -v f="$2" '$1 == f { print $2; exit }'
}
submit_and_follow() {
  local run_dir words job out state code tail_pid="" interrupts=0
  run_dir=$(dirname "$description")
  command -v sbatch >/dev/null 2>&1 ||
    die "sbatch is not installed: --backend=slurm runs from a Slurm login node (docs/CLUSTER.md)"
  words=$("$SUPERVISOR" --sbatch_command --run="$description" -- \
      "$ROOT/deploy/slurm_batch.sh" "$SUPERVISOR" --run="$description" "${RUN_ARGS[@]}") || exit 2
  mapfile -t sbatch_command <<<"$words"
  job=$("${sbatch_command[@]}") || die "sbatch failed: ${sbatch_command[*]}"
  job=${job%%;*}
  out="$run_dir/logs/slurm-$job.out"
  echo "hem: submitted slurm job $job; its output: $out (Ctrl-C stops the job)"
  # A background job of this script ignores Ctrl-C: the follower stays.
  tail -n +1 -F "$out" 2>/dev/null &
  tail_pid=$!
  trap '[[ -n "$tail_pid" ]] && kill "$tail_pid" 2>/dev/null' EXIT
  on_interrupt() {
    interrupts=$((interrupts + 1))
    if ((interrupts == 1)); then
      echo "launch.sh: stopping slurm job $job in order (scancel --batch --signal=TERM $job):" \
          "final checkpoints and summary follow; Ctrl-C again cancels it at once" >&2
      scancel --batch --signal=TERM "$job"
    else
      echo "launch.sh: cancelling slurm job $job (scancel $job)" >&2
      scancel "$job"
    fi
  }
  trap on_interrupt INT TERM
  local pending_shown=0
  while :; do
    state=$(job_field "$job" JobState)
    case "$state" in
      PENDING)
        ((pending_shown)) ||
          echo "hem: job $job is pending ($(job_field "$job" Reason))"
        pending_shown=1 ;;
      RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUED|RESIZING|STAGE_OUT|SIGNALING) ;;
      *) break ;;  # Ended (or no longer known to the controller).
    esac
    sleep 2 &
    wait $! 2>/dev/null  # Interruptible: Ctrl-C is handled at once.
  done
  sleep 1  # The last lines of the output.
  kill "$tail_pid" 2>/dev/null
  tail_pid=""
  code=$(job_field "$job" ExitCode)  # "status:signal"
  if [[ "$code" =~ ^([0-9]+):([0-9]+)$ ]]; then
    if ((BASH_REMATCH[2] != 0)); then code=$((128 + BASH_REMATCH[2])); else code=${BASH_REMATCH[1]}; fi
  else
    # The controller forgot the job: the supervisor's own record.
    code=$(grep -o '"exit_code": *[0-9]*' "$run_dir/summary.json" 2>/dev/null | grep -o '[0-9]*$')
    code=${code:-1}
  fi
  echo "hem: slurm job $job ended (${state:-gone}); exit $code"
  exit "$code"
}
if grep -q '^backend: BACKEND_SLURM' "$description" && [[ -z "${SLURM_JOB_ID:-}" ]]; then
  submit_and_follow
fi
exec "$SUPERVISOR" --run="$description" "${RUN_ARGS[@]}"
