#!/usr/bin/env bash
# The sizing model (docs/SCALING.md) against a cluster spread over network
# hosts: the multi-host set-up of tests/multihost_test.sh (a network
# namespace per host on a private bridge, TLS and the token on, rendezvous
# through the run directory) running point_mass with the shard, the learner
# and the evaluator on their hosts and one actor on each of two actor hosts.
# The namespaces share this machine's cores, so the model's cluster is still
# one node of `nproc` cores; what the hosts add is TLS on every stream and a
# real (virtual) link between processes. Prints predict's table of measured
# against predicted, as deploy/sizing_check.sh does for the loopback runs.
#
#   deploy/sizing_netns_check.sh                        # 2 actors, 1 shard, 40 s
#   deploy/sizing_netns_check.sh --samples_per_insert=0 --seconds=60
#   deploy/sizing_netns_check.sh --bin_dir=DIR --costs=FILE --out=DIR
# Needs root (network namespaces); says why and exits 0 where it cannot run.
# Every namespace, veth and the bridge are removed on exit.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

ENV_NAME=point_mass
SECONDS_PER_RUN=40
SPI=8
BIN_DIR=""
OUT=""
COSTS=""
for arg in "$@"; do
  case "$arg" in
    --env=*) ENV_NAME=${arg#*=} ;;
    --seconds=*) SECONDS_PER_RUN=${arg#*=} ;;
    --samples_per_insert=*) SPI=${arg#*=} ;;
    --bin_dir=*) BIN_DIR=${arg#*=} ;;
    --out=*) OUT=${arg#*=} ;;
    --costs=*) COSTS=${arg#*=} ;;
    *) echo "sizing_netns_check.sh: unknown flag '$arg'" >&2; exit 2 ;;
  esac
done
source "$ROOT/tests/netns_lib.sh"
if ! netns_available; then
  echo "sizing_netns_check.sh: not run: $NETNS_WHY"
  exit 0
fi
if [[ -z "$BIN_DIR" ]]; then
  bazel build //deploy:predict //replay_service:replay_server //learner:learner //actor:actor \
      //deploy:supervisor //actor:actor_benchmark //learner:learner_benchmark \
      //replay_service:replay_benchmark >/tmp/hem-sizing-build.log 2>&1 ||
      { tail -20 /tmp/hem-sizing-build.log; exit 1; }
  BIN_DIR="$ROOT/bazel-bin"
fi
[[ -n "$OUT" ]] || OUT=$(mktemp -d /tmp/hem-sizing-netns.XXXXXX)
mkdir -p "$OUT"
RUN_DIR="$OUT/${ENV_NAME//[:=,]/_}-netns-a2-s1-spi${SPI}"
rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR"
if [[ -z "$COSTS" ]]; then
  COSTS="$RUN_DIR.costs.txt"
  deploy/measure_costs.sh --env="$ENV_NAME" --bin_dir="$BIN_DIR" --out="$COSTS" >/dev/null ||
      { echo "sizing_netns_check.sh: measuring costs failed" >&2; exit 1; }
fi

SUPERVISOR=""
cleanup() {
  if [[ -n "$SUPERVISOR" ]] && kill -0 "$SUPERVISOR" 2>/dev/null; then
    kill -TERM "$SUPERVISOR" 2>/dev/null
    for _ in $(seq 1 300); do kill -0 "$SUPERVISOR" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SUPERVISOR" 2>/dev/null
  fi
  netns_teardown
}
trap cleanup EXIT
trap 'exit 130' INT TERM

HOSTS=(ctl shards learner actors-a actors-b)
netns_setup "${HOSTS[@]}" || { echo "sizing_netns_check.sh: cannot set up the hosts" >&2; exit 1; }
DESCRIPTION="$RUN_DIR/hosts.textproto"
cat >"$DESCRIPTION" <<EOF
# deploy/sizing_netns_check.sh: $ENV_NAME over five network hosts.
env: "$ENV_NAME"
seed: 1
base_port: 21500
replay { role { count: 1 $(netns_placement shards) } samples_per_insert: $SPI min_size_to_sample: 2000 }
learner { role { $(netns_placement learner) } batch_size: 256 }
actors { role { count: 2 $(netns_placement actors-a actors-b) } envs_per_actor: 32 }
evaluator { role { $(netns_placement learner) } episodes: 100 interval_seconds: 1 }
network { tls: true rendezvous: true }
stop { target_success: 2 time_limit_seconds: $SECONDS_PER_RUN }
progress_seconds: 3
EOF
echo "sizing check over network hosts: $ENV_NAME, 2 actors on 2 hosts, 1 shard, samples_per_insert $SPI, TLS, ${SECONDS_PER_RUN}s; run in $RUN_DIR"
"$NETNS_IP_BIN" netns exec "$(netns_name ctl)" "$ROOT/deploy/launch.sh" --bin_dir="$BIN_DIR" \
    --run="$DESCRIPTION" --run_dir="$RUN_DIR" >"$RUN_DIR/launch.out" 2>&1 &
SUPERVISOR=$!
wait "$SUPERVISOR"
SUPERVISOR=""
[[ -s "$RUN_DIR/progress.csv" ]] ||
    { echo "sizing_netns_check.sh: the run left no progress.csv" >&2; tail -20 "$RUN_DIR/launch.out" >&2; exit 1; }
echo
"$BIN_DIR/deploy/predict" --run="$RUN_DIR/run.textproto" --costs="$COSTS"
