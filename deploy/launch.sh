#!/usr/bin/env bash
# Launches a whole hem training cluster on this machine: replay shards, the
# learner, N actors and one evaluator. Installs dependencies and builds when
# needed, waits until every process is ready, and stops everything cleanly on
# Ctrl-C, at the step budget, at the target test success rate or at the time
# limit. Leaves a run directory with each process's log, progress.csv, the
# learner's metrics and checkpoints, summary.json and success.png; run again
# with the same --run_dir, the learner resumes from its newest checkpoint.
#
# This script only starts, waits and reports: deploy/cluster_status checks the
# task name, waits for readiness (failing at once, with the process's log, when
# one exits), samples progress, applies the stop rules and writes summary.json.
#
#   deploy/launch.sh                                  # default task, a few minutes
#   deploy/launch.sh --env=fetch_reach --actors=4 --shards=2
#   deploy/launch.sh --help
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

ENV_NAME="flip_bit:k=40"
ACTORS=2
ENVS_PER_ACTOR=32
SHARDS=1
STEPS=50000000
TARGET_SUCCESS=0.95
TIME_LIMIT=900
DEVICE=auto
RUN_DIR=""
SEED=1
BATCH_SIZE=256
SAMPLES_PER_INSERT=8
BASE_PORT=0
PROGRESS_SECONDS=3
SAMPLE_SECONDS=1
EVAL_EPISODES=100
LEARNER_FLAGS=""
REPLAY_FLAGS=""
ACTOR_FLAGS=""
EVALUATOR_FLAGS=""
BIN_DIR=""

usage() {
  cat <<USAGE
usage: deploy/launch.sh [flags]
  --env=NAME            task (default $ENV_NAME): flip_bit:k=K, nav:k=K, four_rooms,
                        point_mass, reacher, fetch_reach, sawyer_reach (+ :image=48|84)
  --actors=N            actor processes (default $ACTORS); the paper's N ablation
  --envs_per_actor=M    environment instances per actor (default $ENVS_PER_ACTOR)
  --shards=S            replay shards (default $SHARDS)
  --steps=N             stop after N env steps (default $STEPS)
  --target_success=X    stop once the evaluator measures test success >= X (default $TARGET_SUCCESS;
                        above 1 = never)
  --time_limit=SECONDS  stop after this long (default $TIME_LIMIT; 0 = no limit)
  --device=auto|cpu|cuda  learner device (default $DEVICE)
  --batch_size=B        learner batch size (default $BATCH_SIZE)
  --samples_per_insert=R  replay rate limit: each stored transition is sampled ~R times
                        (default $SAMPLES_PER_INSERT; 0 = actors run free). Keeps the
                        learner from falling behind the actors on a small machine.
  --eval_episodes=N     episodes per evaluation (default $EVAL_EPISODES)
  --run_dir=DIR         where logs, metrics, checkpoints and plots go
                        (default runs/<env>-<date>); the learner resumes from the
                        newest checkpoint there, if any
  --seed=N              base seed (default $SEED)
  --base_port=P         first port to use (default: a free range is picked)
  --learner_flags="..." extra flags passed to the learner verbatim
  --replay_flags="..."  extra flags passed to every replay shard verbatim
  --actor_flags="..."   extra flags passed to every actor verbatim
  --evaluator_flags="..."  extra flags passed to the evaluator verbatim
                        (e.g. --eval_deterministic=false to sample from pi)
  --bin_dir=DIR         use already built binaries under DIR (skips install and build;
                        the tests run the launcher this way)
USAGE
}

die() { echo "launch.sh: $*" >&2; exit 2; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
is_number() { [[ "$1" =~ ^[0-9]*\.?[0-9]+$ ]]; }

for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --env=*) ENV_NAME=${arg#*=} ;;
    --actors=*) ACTORS=${arg#*=}; is_uint "$ACTORS" && ((ACTORS >= 1)) || die "--actors: must be an integer >= 1, got '$ACTORS'" ;;
    --envs_per_actor=*) ENVS_PER_ACTOR=${arg#*=}; is_uint "$ENVS_PER_ACTOR" && ((ENVS_PER_ACTOR >= 1)) || die "--envs_per_actor: must be an integer >= 1" ;;
    --shards=*) SHARDS=${arg#*=}; is_uint "$SHARDS" && ((SHARDS >= 1)) || die "--shards: must be an integer >= 1, got '$SHARDS'" ;;
    --steps=*) STEPS=${arg#*=}; is_uint "$STEPS" || die "--steps: must be a non-negative integer, got '$STEPS'" ;;
    --target_success=*) TARGET_SUCCESS=${arg#*=}; is_number "$TARGET_SUCCESS" || die "--target_success: must be a number (above 1 = never stop on success)" ;;
    --time_limit=*) TIME_LIMIT=${arg#*=}; is_uint "$TIME_LIMIT" || die "--time_limit: must be whole seconds" ;;
    --device=*) DEVICE=${arg#*=}; [[ "$DEVICE" =~ ^(auto|cpu|cuda)$ ]] || die "--device: must be auto, cpu or cuda, got '$DEVICE'" ;;
    --batch_size=*) BATCH_SIZE=${arg#*=}; is_uint "$BATCH_SIZE" && ((BATCH_SIZE >= 1)) || die "--batch_size: must be an integer >= 1" ;;
    --samples_per_insert=*) SAMPLES_PER_INSERT=${arg#*=}; is_number "$SAMPLES_PER_INSERT" || die "--samples_per_insert: must be a number >= 0" ;;
    --eval_episodes=*) EVAL_EPISODES=${arg#*=}; is_uint "$EVAL_EPISODES" && ((EVAL_EPISODES >= 1)) || die "--eval_episodes: must be >= 1" ;;
    --run_dir=*) RUN_DIR=${arg#*=} ;;
    --seed=*) SEED=${arg#*=}; is_uint "$SEED" || die "--seed: must be a non-negative integer" ;;
    --base_port=*) BASE_PORT=${arg#*=}; is_uint "$BASE_PORT" && ((BASE_PORT >= 1024 && BASE_PORT < 65000)) || die "--base_port: must be in [1024, 65000)" ;;
    --learner_flags=*) LEARNER_FLAGS=${arg#*=} ;;
    --replay_flags=*) REPLAY_FLAGS=${arg#*=} ;;
    --actor_flags=*) ACTOR_FLAGS=${arg#*=} ;;
    --evaluator_flags=*) EVALUATOR_FLAGS=${arg#*=} ;;
    --bin_dir=*) BIN_DIR=${arg#*=}; [[ -d "$BIN_DIR" ]] || die "--bin_dir: '$BIN_DIR' is not a directory" ;;
    *) usage >&2; die "unknown flag '$arg'" ;;
  esac
done

if [[ -n "$BIN_DIR" ]]; then
  BIN=$(cd "$BIN_DIR" && pwd)
else
  deploy/install_deps.sh || die "installing dependencies failed"
  echo "hem: building (the first build takes several minutes)..."
  TARGETS=(//replay_service:replay_server //learner:learner //actor:actor //deploy:cluster_status)
  if ! bazel build "${TARGETS[@]}" >/tmp/hem-launch-build.log 2>&1; then
    tail -n 30 /tmp/hem-launch-build.log >&2
    die "build failed (full log: /tmp/hem-launch-build.log)"
  fi
  BIN="$ROOT/bazel-bin"
fi
for binary in replay_service/replay_server learner/learner actor/actor deploy/cluster_status; do
  [[ -x "$BIN/$binary" ]] || die "missing binary $BIN/$binary"
done
# A mistyped task fails here, with the processes' own message, not after a
# cluster came half up.
env_error=$("$BIN/deploy/cluster_status" --check_env="$ENV_NAME" 2>&1) || die "$env_error"

[[ -z "$RUN_DIR" ]] && RUN_DIR="runs/$(echo "$ENV_NAME" | tr ':,=' '_-_')-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN_DIR/logs" || die "--run_dir: cannot create '$RUN_DIR'"
RUN_DIR=$(cd "$RUN_DIR" && pwd)

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ((BASE_PORT == 0)); then
  for _ in $(seq 1 50); do
    candidate=$((20000 + (RANDOM % 200) * 200))
    ok=1
    for offset in 0 1 50 51 100; do port_free $((candidate + offset)) || ok=0; done
    if ((ok)); then BASE_PORT=$candidate; break; fi
  done
  ((BASE_PORT > 0)) || die "no free port range found; pass --base_port"
fi
LEARNER_PORT=$((BASE_PORT + 50))
METRICS_PORT=$((BASE_PORT + 51))

# One thread per process for OpenMP/BLAS: on a small machine oversubscription
# makes LibTorch many times slower.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

NAMES=()
TARGETS_LIST=""
PIDS=()
start() {  # name, command...
  local name=$1; shift
  "$@" >"$RUN_DIR/logs/$name.log" 2>&1 &
  NAMES+=("$name")
  PIDS+=($!)
}

# cluster_status runs in the background and is waited for, so that Ctrl-C or
# SIGTERM reach the trap at once rather than after it returns.
STATUS_PID=""
cluster_status() {
  "$BIN/deploy/cluster_status" "$@" &
  STATUS_PID=$!
  wait "$STATUS_PID"
  local rc=$?
  STATUS_PID=""
  return $rc
}

pid_list() {
  local list="" i
  for i in "${!NAMES[@]}"; do list+="${list:+,}${NAMES[$i]}:${PIDS[$i]}"; done
  echo "$list"
}

STOPPING=0
stop_all() {
  ((STOPPING)) && return
  STOPPING=1
  # Actors first (they flush their episodes), then the learner (final
  # checkpoint), then the shards (their checkpoints).
  for group in actor evaluator learner replay; do
    local pids=()
    for i in "${!NAMES[@]}"; do
      [[ "${NAMES[$i]}" == "$group"* ]] && kill -0 "${PIDS[$i]}" 2>/dev/null && pids+=("${PIDS[$i]}")
    done
    ((${#pids[@]})) || continue
    kill -TERM "${pids[@]}" 2>/dev/null
    for _ in $(seq 1 100); do
      local alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      ((alive)) || break
      sleep 0.2
    done
    kill -KILL "${pids[@]}" 2>/dev/null
  done
}
trap 'echo; echo "hem: stopping (Ctrl-C)"; STOP_REASON=interrupted; finish 130' INT TERM

REPLAY_LIST=""
for ((s = 0; s < SHARDS; ++s)); do
  port=$((BASE_PORT + s))
  REPLAY_LIST+="${REPLAY_LIST:+,}127.0.0.1:$port"
  TARGETS_LIST+="${TARGETS_LIST:+,}replay=127.0.0.1:$port"
done

wait_ready() {  # what, timeout
  cluster_status --wait_ready --timeout_seconds="$2" --targets="$TARGETS_LIST" \
      --pids="$(pid_list)" 2>>"$RUN_DIR/logs/launch.log"
  case $? in
    0) return ;;
    3) check_alive; STOP_REASON="$DEAD exited during start-up" ;;
    *) check_alive; echo "hem: $1 did not become ready in $2 s" >&2; STOP_REASON="$1 not ready" ;;
  esac
  finish 1
}

# Prints the last lines of the log of every process that is gone; DEAD names them.
DEAD=""
check_alive() {
  local i
  DEAD=""
  for i in "${!NAMES[@]}"; do
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
      DEAD+="${DEAD:+, }${NAMES[$i]}"
      echo >&2
      echo "hem: process ${NAMES[$i]} died; last lines of $RUN_DIR/logs/${NAMES[$i]}.log:" >&2
      tail -n 20 "$RUN_DIR/logs/${NAMES[$i]}.log" | sed 's/^/    /' >&2
    fi
  done
  [[ -z "$DEAD" ]]
}

START_TIME=$(date +%s)
STOP_REASON=""
finish() {
  local code=$1
  trap - INT TERM
  [[ -n "$STATUS_PID" ]] && kill "$STATUS_PID" 2>/dev/null
  local elapsed=$(( $(date +%s) - START_TIME ))
  # Polled before stopping, so "final" holds the cluster's last numbers.
  "$BIN/deploy/cluster_status" --summary="$RUN_DIR/summary.json" --targets="$TARGETS_LIST" \
      --csv="$RUN_DIR/progress.csv" --elapsed_seconds="$elapsed" \
      env="$ENV_NAME" actors="$ACTORS" envs_per_actor="$ENVS_PER_ACTOR" shards="$SHARDS" \
      seed="$SEED" device="$DEVICE" batch_size="$BATCH_SIZE" stop_reason="$STOP_REASON" \
      exit_code="$code" wall_seconds="$elapsed" 2>>"$RUN_DIR/logs/launch.log"
  stop_all
  plot
  echo "hem: run directory $RUN_DIR ($STOP_REASON)"
  exit "$code"
}

plot() {
  "$ROOT/deploy/plot_run.sh" "$RUN_DIR" \
      "hEM on $ENV_NAME: $ACTORS actors x $ENVS_PER_ACTOR envs, $SHARDS shard(s), seed $SEED" \
      2>>"$RUN_DIR/logs/launch.log"
}

echo "hem: run directory $RUN_DIR; ports $BASE_PORT..$((BASE_PORT + 100 + ACTORS))"
# shellcheck disable=SC2086
for ((s = 0; s < SHARDS; ++s)); do
  start "replay-$s" "$BIN/replay_service/replay_server" --port=$((BASE_PORT + s)) \
      --shard_index=$s --num_shards="$SHARDS" --checkpoint_dir="$RUN_DIR/replay-$s" \
      --samples_per_insert="$SAMPLES_PER_INSERT" --samples_per_insert_tolerance=100000 \
      --min_size_to_sample=2000 $REPLAY_FLAGS
done
wait_ready "replay shards" 60

# shellcheck disable=SC2086
start learner "$BIN/learner/learner" --env="$ENV_NAME" --replay="$REPLAY_LIST" \
    --port="$LEARNER_PORT" --metrics_port="$METRICS_PORT" --device="$DEVICE" \
    --batch_size="$BATCH_SIZE" --run_dir="$RUN_DIR" --resume --seed="$SEED" $LEARNER_FLAGS
TARGETS_LIST+=",learner=127.0.0.1:$LEARNER_PORT"
wait_ready "learner" 120

# shellcheck disable=SC2086
for ((a = 0; a < ACTORS; ++a)); do
  port=$((BASE_PORT + 100 + a))
  start "actor-$a" "$BIN/actor/actor" --env="$ENV_NAME" --actor_id=$a --seed="$SEED" \
      --num_envs="$ENVS_PER_ACTOR" --replay="$REPLAY_LIST" \
      --learner="127.0.0.1:$LEARNER_PORT" --port="$port" $ACTOR_FLAGS
  TARGETS_LIST+=",actor=127.0.0.1:$port"
done
port=$((BASE_PORT + 99))
# shellcheck disable=SC2086
start evaluator "$BIN/actor/actor" --eval --env="$ENV_NAME" --actor_id=1000 --seed="$SEED" \
    --num_envs=$((EVAL_EPISODES < 32 ? EVAL_EPISODES : 32)) --eval_episodes="$EVAL_EPISODES" \
    --eval_interval_seconds=1 --learner="127.0.0.1:$LEARNER_PORT" --port="$port" $EVALUATOR_FLAGS
TARGETS_LIST+=",evaluator=127.0.0.1:$port"

wait_ready "actors" 60
echo "hem: cluster up: $SHARDS shard(s), learner (metrics http://127.0.0.1:$METRICS_PORT/metrics), $ACTORS actors, evaluator"

# Sample every second into progress.csv, print a line every few seconds, and
# return when a stop rule fires or a process dies.
rm -f "$RUN_DIR/logs/stop_reason"
cluster_status --monitor --targets="$TARGETS_LIST" --pids="$(pid_list)" \
    --csv="$RUN_DIR/progress.csv" --elapsed_seconds=$(( $(date +%s) - START_TIME )) \
    --sample_seconds="$SAMPLE_SECONDS" --print_seconds="$PROGRESS_SECONDS" \
    --target_success="$TARGET_SUCCESS" --max_env_steps="$STEPS" \
    --time_limit_seconds="$TIME_LIMIT" --stop_reason_file="$RUN_DIR/logs/stop_reason"
monitor_rc=$?
STOP_REASON=$(cat "$RUN_DIR/logs/stop_reason" 2>/dev/null)
case $monitor_rc in
  0) finish 0 ;;
  3) check_alive; finish 1 ;;
  *) STOP_REASON=${STOP_REASON:-"cluster_status --monitor failed (exit $monitor_rc)"}; finish 1 ;;
esac
