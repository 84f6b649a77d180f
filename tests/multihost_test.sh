#!/usr/bin/env bash
# Multi-host, for real, on one machine: every role on its own network host
# (tests/netns_lib.sh: a network namespace per host on a private bridge) with
# TLS and the token on, finding each other only through the rendezvous in
# the run directory. The supervisor (deploy/launch.sh --run=FILE) runs on a
# host of its own and starts each process on its host through its role's
# placement (proto/run.proto: hosts, exec_prefix "ip netns exec ...",
# bind_to_host). Hosts: ctl (supervisor), shards (2 replay shards), learner
# (learner and evaluator), actors-a and actors-b (one actor each).
#
#   MultiHost.TrainsAcrossHostsOverTls      flip_bit:k=10 reaches >= 0.9 test
#                                           success measured by the evaluator
#   MultiHost.NoLoopbackInTheClusterTraffic every process is published and
#                                           listens at its host's address, and
#                                           every TCP connection of every host
#                                           is between two 10.213.0.0/24 addresses
#   MultiHost.SurvivesAnActorHostCut        actors-b's link is down 10 s: the rest
#                                           trains on; once it is back actors-b's
#                                           episodes are stored again; nothing
#                                           crashed or restarted
#   MultiHost.EveryEpisodeStoredOnceAndWhole after an orderly stop, what the shards
#                                           hold (replay_inventory) is exactly what
#                                           actors were told was stored (actor
#                                           --ack_log): none twice, none cut short
#
#   multihost_test.sh [--min_success=0.9] [--time_limit=400] [--cut_seconds=10]
#       [--run_dir=DIR] [--bin_dir=DIR]
# Needs root (network namespaces); elsewhere every case is SKIPPED with the
# reason. Every namespace, veth and the bridge are removed on exit, also on
# failure. Prints GoogleTest-style result lines so tests/run_tests.sh counts
# the cases.
set -uo pipefail

MIN_SUCCESS=0.9
TIME_LIMIT=400
CUT_SECONDS=10
RUN_DIR=""
BIN_DIR=""
for arg in "$@"; do
  case "$arg" in
    --min_success=*) MIN_SUCCESS=${arg#*=} ;;
    --time_limit=*) TIME_LIMIT=${arg#*=} ;;
    --cut_seconds=*) CUT_SECONDS=${arg#*=} ;;
    --run_dir=*) RUN_DIR=${arg#*=} ;;
    --bin_dir=*) BIN_DIR=${arg#*=} ;;
    *) echo "multihost_test.sh: unknown flag '$arg'" >&2; exit 2 ;;
  esac
done
CASES=(TrainsAcrossHostsOverTls NoLoopbackInTheClusterTraffic SurvivesAnActorHostCut
       EveryEpisodeStoredOnceAndWhole)
TEST_SUITE=MultiHost
source "$(dirname "${BASH_SOURCE[0]}")/test_result.sh"
test_paths multihost-run
source "$ROOT/tests/netns_lib.sh"
source "$ROOT/deploy/csv.sh"

netns_available || skip_all "$NETNS_WHY"

rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
SUPERVISOR=""
cleanup() {
  if [[ -n "$SUPERVISOR" ]] && kill -0 "$SUPERVISOR" 2>/dev/null; then
    kill -TERM "$SUPERVISOR" 2>/dev/null
    for _ in $(seq 1 300); do kill -0 "$SUPERVISOR" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SUPERVISOR" 2>/dev/null
  fi
  netns_teardown  # Ends whatever still runs on the hosts, then removes them.
}
trap cleanup EXIT
trap 'exit 130' INT TERM

HOSTS=(ctl shards learner actors-a actors-b)
if ! netns_setup "${HOSTS[@]}"; then
  result "${CASES[0]}" 0 "cannot set up the hosts' namespaces"
  exit 1
fi
for h in "${HOSTS[@]}"; do echo "host $h: $(netns_ip "$h") (namespace $(netns_name "$h"))"; done

# --- The run: every role placed on its host ---------------------------------------
ACKS="$RUN_DIR/acks.txt"
DESCRIPTION="$RUN_DIR/hosts.textproto"
cat >"$DESCRIPTION" <<EOF
# tests/multihost_test.sh: one training run over five network hosts.
env: "flip_bit:k=10"
seed: 1
base_port: 21000
replay {
  role { count: 2 $(netns_placement shards) }
  capacity_transitions: 50000000  # Nothing evicted: every acknowledged episode stays.
}
learner { role { $(netns_placement learner) } }
actors {
  role { count: 2 extra_flags: "--ack_log=$ACKS" $(netns_placement actors-a actors-b) }
}
evaluator { role { $(netns_placement learner) } }
network { tls: true rendezvous: true }
stop { target_success: 2 time_limit_seconds: $TIME_LIMIT }
checkpoint_seconds: 5
EOF
"$NETNS_IP_BIN" netns exec "$(netns_name ctl)" "$ROOT/deploy/launch.sh" --bin_dir="$BIN_DIR" \
    --run="$DESCRIPTION" --run_dir="$RUN_DIR" >"$RUN_DIR/launch.out" 2>&1 &
SUPERVISOR=$!  # ip netns exec, launch.sh and the supervisor each exec the next.

alive() { kill -0 "$SUPERVISOR" 2>/dev/null; }
last_csv() {  # column: its value in the newest progress.csv row
  csv_awk "$RUN_DIR/progress.csv" "$1" '{ v = $col["'"$1"'"] } END { print v + 0 }' 2>/dev/null ||
      echo 0
}
acks_of() { awk -v a="$1" '$1 == a' "$ACKS" 2>/dev/null | wc -l; }
show_logs() {
  echo "--- launch.sh output"
  cat "$RUN_DIR/launch.out"
  for log in "$RUN_DIR"/logs/*.log; do
    echo "--- tail of $log"
    tail -n 15 "$log"
  done
}

for _ in $(seq 1 600); do
  grep -q "cluster up" "$RUN_DIR/launch.out" 2>/dev/null && break
  alive || break
  sleep 0.5
done
if ! grep -q "cluster up" "$RUN_DIR/launch.out"; then
  show_logs
  result "${CASES[0]}" 0 "the cluster did not come up"
  exit 1
fi

# --- Training to the target ------------------------------------------------------
reached=0
deadline=$((SECONDS + TIME_LIMIT))
while alive && ((SECONDS < deadline)); do
  if awk -v b="$(last_csv eval_success_rate)" -v m="$MIN_SUCCESS" 'BEGIN { exit !(b >= m) }'; then
    reached=1
    break
  fi
  sleep 1
done
trained_s=$(last_csv elapsed_seconds)
result TrainsAcrossHostsOverTls "$reached" \
    "test success $(last_csv eval_success_rate) after ${trained_s}s, needed >= $MIN_SUCCESS"
echo "test success $(last_csv eval_success_rate) (version $(last_csv eval_version)) after ${trained_s} s of training; $(last_csv env_steps) env steps"

# --- Only the hosts' addresses carry the cluster ------------------------------------
ok=1 why=""
for entry in replay-0 replay-1 learner-0 actor-0 actor-1 evaluator-1000; do
  published=$(cat "$RUN_DIR/rendezvous/$entry" 2>/dev/null)
  if [[ ! "$published" =~ ^10\.213\.0\.[0-9]+:[0-9]+$ ]]; then
    ok=0; why+="rendezvous $entry holds '$published', not a host address; "
  fi
done
[[ "$(cat "$RUN_DIR/rendezvous/replay-1" 2>/dev/null)" == "$(netns_ip shards):21001" ]] ||
  { ok=0; why+="replay-1 is not published at $(netns_ip shards):21001; "; }
[[ "$(cat "$RUN_DIR/rendezvous/actor-1" 2>/dev/null)" == "$(netns_ip actors-b):21101" ]] ||
  { ok=0; why+="actor-1 is not published at $(netns_ip actors-b):21101; "; }
connections=0
for h in "${HOSTS[@]}"; do
  # Established TCP connections: local and peer address of each.
  while read -r local peer; do
    connections=$((connections + 1))
    if [[ ! "$local" =~ ^10\.213\.0\.[0-9]+:[0-9]+$ || ! "$peer" =~ ^10\.213\.0\.[0-9]+:[0-9]+$ ]]; then
      ok=0; why+="$h has a connection $local -> $peer; "
    fi
  done < <(netns_exec "$h" ss -Htn state established 2>/dev/null | awk '{ print $3, $4 }')
  # The run's gRPC ports (process_plan.h, from base 21000): only on the
  # host's own address.
  while read -r listening; do
    case ${listening##*:} in
      21000|21001|21050|21099|21100|21101)
        [[ "$listening" == "$(netns_ip "$h"):${listening##*:}" ]] ||
          { ok=0; why+="$h listens on $listening; "; } ;;
    esac
  done < <(netns_exec "$h" ss -Htln 2>/dev/null | awk '{ print $4 }')
done
((connections >= 8)) || { ok=0; why+="only $connections connections seen; "; }
echo "$connections established TCP connections over the hosts, all within 10.213.0.0/24: $([[ $ok == 1 ]] && echo yes || echo no)"
result NoLoopbackInTheClusterTraffic "$ok" "$why"

# --- Cutting actors-b off for CUT_SECONDS ------------------------------------------
ok=1 why=""
version_before=$(last_csv version)
acks_a_before=$(acks_of 0)
netns_link_down actors-b
echo "cut actors-b ($(netns_ip actors-b)) at $(last_csv elapsed_seconds) s of the run"
sleep "$CUT_SECONDS"
acks_a_during=$(( $(acks_of 0) - acks_a_before ))
version_during=$(last_csv version)
acks_b_at_restore=$(acks_of 1)
netns_link_up actors-b
restored_s=$(last_csv elapsed_seconds)
echo "restored actors-b at ${restored_s} s; during the cut actors-a stored $acks_a_during episodes, the learner went from version $version_before to $version_during"
((acks_a_during > 0)) || { ok=0; why+="actors-a stored nothing while actors-b was cut off; "; }
awk -v a="$version_during" -v b="$version_before" 'BEGIN { exit !(a > b) }' ||
  { ok=0; why+="the learner published nothing while actors-b was cut off; "; }
# actors-b comes back by itself: its episodes are stored again, and the
# evaluator measures newer policies.
back=0
eval_version_at_restore=$(last_csv eval_version)
for _ in $(seq 1 90); do
  alive || break
  if (( $(acks_of 1) > acks_b_at_restore + 10 )) &&
      awk -v a="$(last_csv eval_version)" -v b="$eval_version_at_restore" 'BEGIN { exit !(a > b) }'; then
    back=1
    break
  fi
  sleep 1
done
echo "after the link came back: actors-b stored $(( $(acks_of 1) - acks_b_at_restore )) more episodes, $(awk -v a="$(last_csv elapsed_seconds)" -v b="$restored_s" 'BEGIN { printf "%.1f", a - b }') s later; eval version $eval_version_at_restore -> $(last_csv eval_version)"
((back)) || { ok=0; why+="actors-b stored nothing (or the evaluator measured no newer policy) within 90 s of the link coming back; "; }
alive || { ok=0; why+="the supervisor exited: $(tail -n 3 "$RUN_DIR/launch.out"); "; }

# An orderly stop: actors flush, learner and shards write final checkpoints.
if alive; then
  kill -TERM "$SUPERVISOR"
  wait "$SUPERVISOR"
fi
restarts=$(last_csv restarts)
((restarts == 0)) || { ok=0; why+="$restarts restarts: $(grep -h "died" "$RUN_DIR/logs/supervisor.log"); "; }
lives=$(awk 'NR > 1 && $6 != 1 { print $1 " lived " $6 " times" }' "$RUN_DIR/processes.tsv")
[[ -z "$lives" ]] || { ok=0; why+="$lives; "; }
result SurvivesAnActorHostCut "$ok" "$why"

# --- What was acknowledged is what is held ------------------------------------------
ok=1 why=""
held="$RUN_DIR/held.txt"
: >"$held"
for s in 0 1; do
  if ! "$BIN_DIR/deploy/replay_inventory" --checkpoint_dir="$RUN_DIR/replay-$s" \
      --shard_index=$s --num_shards=2 >>"$held" 2>"$RUN_DIR/logs/inventory-$s.log"; then
    ok=0; why+="cannot list shard $s: $(tail -n 3 "$RUN_DIR/logs/inventory-$s.log"); "
  fi
done
acked=$(wc -l <"$ACKS")
twice_acked=$(cut -d' ' -f1,2 "$ACKS" | sort | uniq -d | wc -l)
twice_held=$(cut -d' ' -f1,2 "$held" | sort | uniq -d | wc -l)
# Whole lines: actor, episode and length must all agree.
missing=$(comm -23 <(sort -u "$ACKS") <(sort -u "$held") | wc -l)
unacked=$(comm -13 <(sort -u "$ACKS") <(sort -u "$held") | wc -l)
((acked > 0)) || { ok=0; why+="no episode was acknowledged; "; }
((twice_acked == 0)) || { ok=0; why+="$twice_acked episode ids acknowledged twice; "; }
((twice_held == 0)) || { ok=0; why+="$twice_held episodes held twice; "; }
((missing == 0)) || { ok=0; why+="$missing acknowledged episodes not held whole, e.g. $(comm -23 <(sort -u "$ACKS") <(sort -u "$held") | head -n 3 | tr '\n' ';'); "; }
((unacked == 0)) || { ok=0; why+="$unacked held episodes were never acknowledged (or differ in length), e.g. $(comm -13 <(sort -u "$ACKS") <(sort -u "$held") | head -n 3 | tr '\n' ';'); "; }
echo "acknowledged $acked episodes ($(acks_of 0) from actors-a, $(acks_of 1) from actors-b); the shards hold $(wc -l <"$held")"
result EveryEpisodeStoredOnceAndWhole "$ok" "$why"

if ((failures > 0)); then
  show_logs
fi
((failures == 0))
