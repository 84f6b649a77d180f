#!/usr/bin/env bash
# Chaos: a training run (2 replay shards, the learner, 2 actors and the
# evaluator, started by deploy/launch.sh) during which this script kills
# processes with SIGKILL at random times drawn from a fixed seed - an actor,
# a shard and the learner, each at least once, in a seeded order - and the
# supervisor restarts them. Then it asserts:
#   Chaos.ReachesTargetSuccess         the evaluator measures >= MIN_SUCCESS
#                                      for a policy published after the last kill
#   Chaos.EveryKillWasRestarted        every killed role restarted, counted in
#                                      summary.json and progress.csv
#   Chaos.VersionsOnlyIncrease         the learner's published versions (progress.csv)
#                                      and the evaluated ones (evaluator log)
#   Chaos.CountersNeverGoBackwards     env steps and episodes in progress.csv
#   Chaos.AcknowledgedEpisodesSurvive  every episode a shard acknowledged to an
#                                      actor (actor --ack_log) is held by the shards
#                                      after the run, whole (its length) and once;
#                                      no episode id is acknowledged twice
#
#   chaos_test.sh [--env=flip_bit:k=10] [--min_success=0.9] [--kill_every=8-15]
#       [--duration=0] [--time_limit=300] [--seed=1] [--run_dir=DIR] [--bin_dir=DIR]
#       [-- launch.sh flags...]
# --duration=S keeps killing (one process every --kill_every seconds) for S
# seconds after the cluster is up; 0 = only the three kills. The longer run
# for docs/RELIABILITY.md (from the repository root, after a build):
#   tests/chaos_test.sh --duration=600 --kill_every=20-40 --time_limit=900 \
#       --run_dir=runs/chaos-long --bin_dir=bazel-bin
# Prints GoogleTest-style result lines so tests/run_tests.sh counts the cases.
set -uo pipefail

ENV_NAME="flip_bit:k=10"
MIN_SUCCESS=0.9
KILL_EVERY="8-15"
DURATION=0
TIME_LIMIT=300
SEED=1
RUN_DIR=""
BIN_DIR=""
LAUNCH_FLAGS=()
while (($#)); do
  case "$1" in
    --env=*) ENV_NAME=${1#*=} ;;
    --min_success=*) MIN_SUCCESS=${1#*=} ;;
    --kill_every=*) KILL_EVERY=${1#*=} ;;
    --duration=*) DURATION=${1#*=} ;;
    --time_limit=*) TIME_LIMIT=${1#*=} ;;
    --seed=*) SEED=${1#*=} ;;
    --run_dir=*) RUN_DIR=${1#*=} ;;
    --bin_dir=*) BIN_DIR=${1#*=} ;;
    --) shift; LAUNCH_FLAGS=("$@"); break ;;
    *) echo "chaos_test.sh: unknown flag '$1'" >&2; exit 2 ;;
  esac
  shift
done
KILL_MIN=${KILL_EVERY%-*}
KILL_MAX=${KILL_EVERY#*-}

TEST_SUITE=Chaos
source "$(dirname "${BASH_SOURCE[0]}")/test_result.sh"
test_paths chaos-run
rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
source "$ROOT/deploy/csv.sh"
source "$ROOT/tests/episode_audit.sh"
RANDOM=$SEED  # Every draw below follows from the seed.

# --- The run --------------------------------------------------------------
ACKS="$RUN_DIR/acks.txt"
CAPACITY=50000000  # Per shard: nothing is evicted, so every ack must be held.
"$ROOT/deploy/launch.sh" --bin_dir="$BIN_DIR" --run_dir="$RUN_DIR" --env="$ENV_NAME" \
    --shards=2 --actors=2 --seed="$SEED" --target_success=2 --time_limit="$TIME_LIMIT" \
    --checkpoint_seconds=5 --max_restarts=20 --actor_flags="--ack_log=$ACKS" \
    --replay_flags="--capacity_transitions=$CAPACITY" "${LAUNCH_FLAGS[@]}" \
    >"$RUN_DIR/launch.out" 2>&1 &
SUPERVISOR=$!  # launch.sh execs the supervisor.

cleanup() {
  if kill -0 "$SUPERVISOR" 2>/dev/null; then
    kill -TERM "$SUPERVISOR" 2>/dev/null
    for _ in $(seq 1 300); do kill -0 "$SUPERVISOR" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SUPERVISOR" 2>/dev/null
  fi
  # Whatever the supervisor left (it should leave nothing).
  [[ -f "$RUN_DIR/processes.tsv" ]] && awk 'NR > 1 { print $5 }' "$RUN_DIR/processes.tsv" |
      while read -r pid; do kill -KILL "$pid" 2>/dev/null; done
}
trap cleanup EXIT

alive() { kill -0 "$SUPERVISOR" 2>/dev/null; }
last_csv() {  # column: its value in the newest progress.csv row
  csv_awk "$RUN_DIR/progress.csv" "$1" '{ v = $col["'"$1"'"] } END { print v + 0 }' 2>/dev/null ||
      echo 0
}
pid_of() { awk -v n="$1" '$1 == n { print $5 }' "$RUN_DIR/processes.tsv"; }
lives_of() { awk -v n="$1" '$1 == n { print $6 }' "$RUN_DIR/processes.tsv"; }

for _ in $(seq 1 600); do
  grep -q "cluster up" "$RUN_DIR/launch.out" 2>/dev/null && break
  alive || break
  sleep 0.5
done
if ! grep -q "cluster up" "$RUN_DIR/launch.out"; then
  cat "$RUN_DIR/launch.out"
  result ReachesTargetSuccess 0 "the cluster did not come up"
  exit 1
fi
up_s=$(date +%s)

# --- The kills ------------------------------------------------------------
# The first three victims are actor, replay and learner in a seeded order;
# with --duration, any process after that.
ALL_ROLES=(actor replay learner)
ROLES=("${ALL_ROLES[@]}")
for i in 2 1; do
  j=$((RANDOM % (i + 1)))
  tmp=${ROLES[$i]}; ROLES[$i]=${ROLES[$j]}; ROLES[$j]=$tmp
done
KILLS="$RUN_DIR/kills.txt"
: >"$KILLS"
last_kill_elapsed=0
learner_version_at_kill=-1
n=0
while alive; do
  if ((n >= 3)) && (( $(date +%s) - up_s >= DURATION )); then break; fi
  sleep $((KILL_MIN + RANDOM % (KILL_MAX - KILL_MIN + 1)))
  alive || break
  # Draws in this shell only: bash reseeds RANDOM in subshells.
  pick=$((RANDOM % 3))
  index=$((RANDOM % 2))
  if ((n < 3)); then role=${ROLES[$n]}; else role=${ALL_ROLES[$pick]}; fi
  case $role in
    actor) victim="actor-$index" ;;
    replay) victim="replay-$index" ;;
    learner) victim=learner ;;
  esac
  pid=$(pid_of "$victim")
  lives=$(lives_of "$victim")
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || continue
  version=$(last_csv version)
  kill -KILL "$pid"
  last_kill_elapsed=$(last_csv elapsed_seconds)
  [[ $role == learner ]] && learner_version_at_kill=$version
  echo "$last_kill_elapsed $victim $pid" >>"$KILLS"
  echo "chaos: killed $victim (pid $pid) at ${last_kill_elapsed}s of the run"
  n=$((n + 1))
  # Wait for its restart before the next kill.
  for _ in $(seq 1 600); do
    [[ "$(lives_of "$victim")" -gt "$lives" ]] && break
    alive || break
    sleep 0.1
  done
done

# --- Recovery: success measured on a policy newer than every kill ---------
reached=0
while alive; do
  if csv_awk "$RUN_DIR/progress.csv" "elapsed_seconds eval_success_rate eval_version" '
      $col["elapsed_seconds"] > t && $col["eval_success_rate"] >= m &&
          $col["eval_version"] > v { found = 1 }
      END { exit !found }' -v t="$last_kill_elapsed" -v m="$MIN_SUCCESS" \
      -v v="$learner_version_at_kill" 2>/dev/null; then
    reached=1
    break
  fi
  sleep 1
done
# An orderly stop: actors flush, learner and shards write final checkpoints.
if alive; then
  kill -TERM "$SUPERVISOR"
  wait "$SUPERVISOR"
fi
echo "--- launch.sh output"
cat "$RUN_DIR/launch.out"
echo "--- kills (run seconds, process, pid)"
cat "$KILLS"

summary="$RUN_DIR/summary.json"
best=$(csv_awk "$RUN_DIR/progress.csv" "eval_success_rate eval_version" '
    $col["eval_version"] > v && $col["eval_success_rate"] > b { b = $col["eval_success_rate"] }
    END { print b + 0 }' -v v="$learner_version_at_kill")
result ReachesTargetSuccess "$reached" \
    "test success after the last kill: best $best, needed >= $MIN_SUCCESS (on a version > $learner_version_at_kill)"

# --- Restarts counted -------------------------------------------------------
ok=1 why=""
for role in actor replay learner; do
  killed=$(grep -c " $role" "$KILLS")
  counted=$(sed -n '/"restarts": {/,/}/p' "$summary" | sed -n "s/.*\"$role\": \([0-9]*\).*/\1/p")
  if ((killed < 1)); then ok=0; why+="$role was never killed; "; fi
  if [[ -z "$counted" ]] || ((counted < killed)); then
    ok=0; why+="$role killed $killed times, summary.json counts ${counted:-no} restarts; "
  fi
done
total_kills=$(wc -l <"$KILLS")
csv_restarts=$(last_csv restarts)
if ((csv_restarts < total_kills)); then
  ok=0; why+="progress.csv restarts $csv_restarts < $total_kills kills; "
fi
result EveryKillWasRestarted "$ok" "$why"

# --- Versions only increase -------------------------------------------------
ok=1 why=""
if ! csv_awk "$RUN_DIR/progress.csv" "version eval_version" '
    $col["version"] >= 0 { if ($col["version"] < last) bad = bad " " last "->" $col["version"]; last = $col["version"] }
    $col["eval_version"] >= 0 { if ($col["eval_version"] < elast) bad = bad " eval " elast "->" $col["eval_version"]; elast = $col["eval_version"] }
    END { if (bad != "") { print bad; exit 1 } }'; then
  ok=0; why+="progress.csv versions went back; "
fi
evaluated=$(sed -n 's/.*evaluation of version \([0-9]*\):.*/\1/p' "$RUN_DIR/logs/evaluator.log")
if [[ -z "$evaluated" ]]; then
  ok=0; why+="the evaluator evaluated nothing; "
elif ! awk 'NR > 1 && $1 <= last { print "evaluated " last " then " $1; bad = 1 } { last = $1 } END { exit bad }' \
    <<<"$evaluated"; then
  ok=0; why+="evaluated versions not increasing; "
fi
result VersionsOnlyIncrease "$ok" "$why"

# --- Counters never go backwards --------------------------------------------
backwards=$(csv_awk "$RUN_DIR/progress.csv" "elapsed_seconds env_steps episodes" '
    $col["env_steps"] < s || $col["episodes"] < e { print "at " $col["elapsed_seconds"] "s: env steps " s " -> " $col["env_steps"] ", episodes " e " -> " $col["episodes"] }
    { s = $col["env_steps"]; e = $col["episodes"] }')
result CountersNeverGoBackwards "$([[ -z "$backwards" ]] && echo 1 || echo 0)" "$backwards"

# --- Acknowledged episodes survive, whole and once ---------------------------
audit_episodes "$RUN_DIR" "$BIN_DIR" "$ACKS" 2
ok=1 why="$AUDIT_ERRORS"
[[ -z "$why" ]] || ok=0
killed_shard=$(grep -c " replay" "$KILLS")
if ((AUDIT_ACKED == 0)); then ok=0; why+="no episode was acknowledged; "; fi
if ((AUDIT_TWICE_ACKED > 0)); then ok=0; why+="$AUDIT_TWICE_ACKED episode ids acknowledged twice; "; fi
if ((AUDIT_TWICE_HELD > 0)); then ok=0; why+="$AUDIT_TWICE_HELD episodes held twice; "; fi
if ((AUDIT_MISSING > 0)); then
  ok=0
  why+="$AUDIT_MISSING of $AUDIT_ACKED acknowledged episodes are not held (or not whole), e.g. $AUDIT_MISSING_EXAMPLES "
  if ! "$BIN_DIR/replay_service/replay_server" --helpfull 2>&1 | grep -q -- "--durability"; then
    why+="(the shards have no episode log: what they acknowledged after their last checkpoint dies with them) "
  fi
fi
# Each life of an actor had its episodes stored, not dropped as duplicates
# of an earlier life's: a life's ids count up from its start time in
# microseconds, so lives show as runs of ids seconds (1e6) apart.
for actor in 0 1; do
  lives=$(lives_of "actor-$actor")
  stored_lives=$(awk -v a="$actor" '$1 == a { print $2 }' "$ACKS" | sort -n |
      awk 'NR == 1 || $1 - last > 1000000 { ++runs } { last = $1 } END { print runs + 0 }')
  if ((stored_lives < lives)); then
    ok=0; why+="actor $actor lived $lives times, only $stored_lives lives have acknowledged episodes; "
  fi
done
# Held but never acknowledged: stored while the actor that sent them died.
echo "acknowledged $AUDIT_ACKED episodes; the shards hold $AUDIT_HELD ($AUDIT_UNACKED never acknowledged; $killed_shard shard kills)"
result AcknowledgedEpisodesSurvive "$ok" "$why"

echo "--- summary.json"
cat "$summary"
if ((failures > 0)); then
  for log in "$RUN_DIR"/logs/*.log; do
    echo "--- tail of $log"
    tail -n 15 "$log"
  done
fi
((failures == 0))
