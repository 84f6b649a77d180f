#!/usr/bin/env bash
# SIGTERM ends every hem process within seconds while its streams are open,
# and the learner writes its final checkpoint on the way out. A replay
# shard, a learner and an actor run against each other (addresses through
# the rendezvous directory); once episodes flow, the learner is stopped
# (the actor's WatchPolicy stream and the learner's own Sample streams
# open), then the actor (its Insert stream open), then the shard. The
# shard's case with open Insert and Sample streams is also in
# replay_service/replay_server_robustness_test.
set -uo pipefail
cd "${TEST_SRCDIR:-$PWD}/${TEST_WORKSPACE:-.}" 2>/dev/null || true
dir=$(mktemp -d "${TEST_TMPDIR:-/tmp}/sigterm.XXXXXX")
limit_s=5
failures=0
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done; }
trap cleanup EXIT

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Waits for the rendezvous file of role-index; fails after 60 s.
wait_for() {
  for _ in $(seq 600); do
    [[ -s "$dir/rdzv/$1" ]] && return 0
    sleep 0.1
  done
  fail "$1 never became ready"
  return 1
}

# Sends SIGTERM to pid $1 (named $2) and checks it exits 0 within limit_s.
stop() {
  local pid=$1 name=$2 start took_ms status
  start=$(date +%s%N)
  kill -TERM "$pid"
  for _ in $(seq $((limit_s * 20 + 100))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  took_ms=$((($(date +%s%N) - start) / 1000000))
  if kill -0 "$pid" 2>/dev/null; then
    fail "$name still running $((limit_s + 5)) s after SIGTERM"
    kill -9 "$pid"
    return
  fi
  wait "$pid"
  status=$?
  echo "$name exited with $status ${took_ms} ms after SIGTERM"
  [[ $status -eq 0 ]] || fail "$name exited with $status"
  [[ $took_ms -lt $((limit_s * 1000)) ]] || fail "$name took ${took_ms} ms (limit ${limit_s} s)"
}

env=flip_bit:k=8
replay_service/replay_server --port=0 --rendezvous_dir="$dir/rdzv" \
  --checkpoint_dir="$dir/replay" --quiet >"$dir/replay.log" 2>&1 &
pids+=($!); replay=$!
wait_for replay-0 || exit 1
learner/learner --env=$env --replay=rdzv:replay/0 --port=0 --metrics_port=-1 \
  --rendezvous_dir="$dir/rdzv" --run_dir="$dir/learner" --torch_threads=1 \
  --hidden_sizes=16 >"$dir/learner.log" 2>&1 &
pids+=($!); learner=$!
wait_for learner-0 || { cat "$dir/learner.log"; exit 1; }
actor/actor --env=$env --actor_id=0 --num_envs=4 --replay=rdzv:replay/0 \
  --learner=rdzv:learner/0 --port=0 --rendezvous_dir="$dir/rdzv" \
  --torch_threads=1 >"$dir/actor.log" 2>&1 &
pids+=($!); actor=$!
wait_for actor-0 || { cat "$dir/actor.log"; exit 1; }
sleep 4  # Episodes flow; the learner samples and publishes.

stop "$learner" learner
ls "$dir/learner/checkpoints/"ckpt-*.pt >/dev/null 2>&1 ||
  fail "the learner wrote no checkpoint on SIGTERM"
stop "$actor" actor
stop "$replay" "replay shard"
ls "$dir/replay/"replay-shard-0-*.ckpt >/dev/null 2>&1 ||
  fail "the shard wrote no checkpoint on SIGTERM"
if [[ $failures -gt 0 ]]; then
  for log in replay learner actor; do echo "--- $log.log"; tail -n 20 "$dir/$log.log"; done
  exit 1
fi
echo "PASS: every process exited within ${limit_s} s of SIGTERM"
