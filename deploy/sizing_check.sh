#!/usr/bin/env bash
# Checks the sizing model (docs/SCALING.md) against real clusters on this
# machine: for each scale, the costs measured just before by
# deploy/measure_costs.sh (this machine's speed moves by 20-40 % over
# minutes when it is shared, so each run is paired with its own costs), then
# a point_mass run of --seconds started by deploy/launch.sh, one at a time,
# then deploy/predict on its run description and those costs, printing
# measured next to predicted. --costs=FILE uses one costs file for all.
#
#   deploy/sizing_check.sh                                   # 8 runs, 40 s each
#   deploy/sizing_check.sh --scales="1x1 2x2" --limits="8"   # actors x shards, samples_per_insert
#   deploy/sizing_check.sh --bin_dir=DIR --out=/tmp/sizing   # prebuilt binaries (predict too)
#   deploy/sizing_check.sh --costs=deploy/sizing_costs.txt     # no measuring
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

ENV_NAME=point_mass
SECONDS_PER_RUN=40
SCALES="1x1 2x1 4x1 2x2"
LIMITS="8 0"
BIN_DIR=""
OUT=""
COSTS=""
for arg in "$@"; do
  case "$arg" in
    --env=*) ENV_NAME=${arg#*=} ;;
    --seconds=*) SECONDS_PER_RUN=${arg#*=} ;;
    --scales=*) SCALES=${arg#*=} ;;
    --limits=*) LIMITS=${arg#*=} ;;
    --bin_dir=*) BIN_DIR=${arg#*=} ;;
    --out=*) OUT=${arg#*=} ;;
    --costs=*) COSTS=${arg#*=} ;;
    *) echo "sizing_check.sh: unknown flag '$arg'" >&2; exit 2 ;;
  esac
done
if [[ -z "$BIN_DIR" ]]; then
  bazel build //deploy:predict //replay_service:replay_server //learner:learner //actor:actor \
      //deploy:supervisor //actor:actor_benchmark //learner:learner_benchmark \
      //replay_service:replay_benchmark >/tmp/hem-sizing-build.log 2>&1 || { tail -20 /tmp/hem-sizing-build.log; exit 1; }
  BIN_DIR="$ROOT/bazel-bin"
fi
[[ -n "$OUT" ]] || OUT=$(mktemp -d /tmp/hem-sizing.XXXXXX)
mkdir -p "$OUT"

echo "sizing check on $ENV_NAME, $(nproc) cores, ${SECONDS_PER_RUN}s per run, runs under $OUT"
for spi in $LIMITS; do
  for scale in $SCALES; do
    actors=${scale%x*}; shards=${scale#*x}
    run_dir="$OUT/${ENV_NAME//[:=,]/_}-a${actors}-s${shards}-spi${spi}"
    rm -rf "$run_dir"
    costs=$COSTS
    if [[ -z "$costs" ]]; then
      costs="$run_dir.costs.txt"
      deploy/measure_costs.sh --env="$ENV_NAME" --bin_dir="$BIN_DIR" --out="$costs" >/dev/null ||
          { echo "sizing_check.sh: measuring costs failed" >&2; exit 1; }
    fi
    deploy/launch.sh --bin_dir="$BIN_DIR" --env="$ENV_NAME" --actors="$actors" --shards="$shards" \
        --samples_per_insert="$spi" --time_limit="$SECONDS_PER_RUN" --target_success=2 \
        --run_dir="$run_dir" >"$OUT/launch-a${actors}-s${shards}-spi${spi}.out" 2>&1
    echo
    echo "## $actors actor(s), $shards shard(s), samples_per_insert $spi ($run_dir)"
    "$BIN_DIR/deploy/predict" --run="$run_dir/run.textproto" --costs="$costs"
  done
done
