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
exec "$SUPERVISOR" --run="$description" --bin_dir="$BIN" \
    --plot_script="$ROOT/deploy/plot_run.sh" --credentials_script="$ROOT/deploy/make_credentials.sh" \
    --dashboard_port="$DASHBOARD_PORT" --dashboard_dir="$ROOT/deploy/dashboard"
