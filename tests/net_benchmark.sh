#!/usr/bin/env bash
# Performance across the network, measured side by side in one run:
#   replay insert and sample throughput of one shard, from a client on
#   another network host over TLS with the token, against the same client
#   and shard on loopback without TLS (target: >= 0.7 of it);
#   time for a new weight version to reach all of 4 and of 16 actors
#   (ParameterService.WatchPolicy), p50/p99 (target: p99 <= 50 ms), actors on
#   two hosts over TLS, and on loopback without TLS for reference.
# Hosts are network namespaces on a private bridge (tests/netns_lib.sh);
# every process is a real one (replay_server; tests/net_benchmark.cc for the
# client, publisher and subscribers). Needs root. docs/PERFORMANCE.md holds
# the table.
#
#   bazel run //tests:net_benchmark [-- --seconds=5 --versions=200 --interval_ms=100]
set -uo pipefail

SECONDS_EACH=5
VERSIONS=200
INTERVAL_MS=100
for arg in "$@"; do
  case "$arg" in
    --seconds=*) SECONDS_EACH=${arg#*=} ;;
    --versions=*) VERSIONS=${arg#*=} ;;
    --interval_ms=*) INTERVAL_MS=${arg#*=} ;;
    *) echo "net_benchmark.sh: unknown flag '$arg'" >&2; exit 2 ;;
  esac
done
if [[ -n "${RUNFILES_DIR:-}" ]]; then
  ROOT="$RUNFILES_DIR/hem"
elif [[ -d "$0.runfiles/hem" ]]; then
  ROOT="$0.runfiles/hem"
else
  ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bazel-bin/tests/net_benchmark.runfiles/hem
fi
source "$ROOT/tests/netns_lib.sh"
REPLAY="$ROOT/replay_service/replay_server"
BENCH="$ROOT/tests/net_benchmark_bin"
if ! netns_available; then
  echo "net_benchmark: cannot run: $NETNS_WHY" >&2
  exit 1
fi
TMP=$(mktemp -d /tmp/hem-net-benchmark.XXXXXX)
cleanup() {
  netns_teardown  # Ends what still runs on the hosts.
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
netns_setup shards learner actors-a actors-b || exit 1
"$ROOT/deploy/make_credentials.sh" "$TMP/credentials" \
    --hosts="$(netns_ip shards),$(netns_ip learner),$(netns_ip actors-a),$(netns_ip actors-b)" \
    >/dev/null || exit 1
TLS=(--credentials_dir="$TMP/credentials")
echo "hosts: shards $(netns_ip shards), learner $(netns_ip learner), actors $(netns_ip actors-a) and $(netns_ip actors-b); $(nproc) cores"

# replay_row NAME SERVER_HOST BIND CLIENT_HOST [TLS flags]: key=value line.
replay_row() {
  local name=$1 server_host=$2 bind=$3 client_host=$4 rdzv="$TMP/rdzv-$1" pid out
  shift 4
  $(netns_prefix "$server_host") "$REPLAY" --bind_host="$bind" --port=22000 \
      --rendezvous_dir="$rdzv" --capacity_transitions=5000000 --samples_per_insert=0 \
      --min_size_to_sample=1 "$@" >"$TMP/replay-$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do [[ -f "$rdzv/replay-0" ]] && break; sleep 0.1; done
  out=$(netns_exec "$client_host" "$BENCH" --mode=replay --replay="$(cat "$rdzv/replay-0")" \
      --seconds="$SECONDS_EACH" "$@" 2>"$TMP/client-$name.log")
  kill "$pid"
  wait "$pid" 2>/dev/null
  [[ -n "$out" ]] || { echo "replay $name failed: $(tail -n 5 "$TMP"/*-"$name".log)" >&2; exit 1; }
  echo "$out"
}

# weights_row NAME N PUBLISHER_HOST BIND SUBSCRIBER_HOSTS(comma) [TLS flags]
weights_row() {
  local name=$1 n=$2 publisher_host=$3 bind=$4 hosts=$5 sync="$TMP/sync-$1" pid i out
  shift 5
  local -a subscriber_hosts
  IFS=',' read -r -a subscriber_hosts <<<"$hosts"
  mkdir -p "$sync"
  $(netns_prefix "$publisher_host") "$BENCH" --mode=publish --bind_host="$bind" --port=22050 \
      --subscribers="$n" --versions="$VERSIONS" --interval_ms="$INTERVAL_MS" --sync_dir="$sync" \
      "$@" >"$sync/publisher.out" 2>"$sync/publisher.log" &
  pid=$!
  for _ in $(seq 1 100); do [[ -f "$sync/publisher.ready" ]] && break; sleep 0.1; done
  for ((i = 0; i < n; ++i)); do
    $(netns_prefix "${subscriber_hosts[$((i % ${#subscriber_hosts[@]}))]}") "$BENCH" \
        --mode=subscribe --learner="$bind:22050" --index="$i" --versions="$VERSIONS" \
        --sync_dir="$sync" "$@" 2>"$sync/subscriber-$i.log" &
  done
  wait "$pid"
  out=$(cat "$sync/publisher.out")
  [[ -n "$out" ]] || { echo "weights $name failed: $(tail -n 5 "$sync"/*.log)" >&2; exit 1; }
  wait
  echo "$out"
}

value() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" <<<"$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

echo "replay: one shard, fetch_reach episodes (50 steps), 4 writers then batches of 256 ('future'), ${SECONDS_EACH} s each"
loop=$(replay_row loopback shards 127.0.0.1 shards)
net=$(replay_row network shards "$(netns_ip shards)" actors-a "${TLS[@]}")
echo "weights: ${VERSIONS} versions every ${INTERVAL_MS} ms, $(( $("$BENCH" --helpfull 2>&1 | grep -A1 -- '--weights_bytes' | sed -n 's/.*default: \([0-9]*\).*/\1/p') / 1000 )) KB each"
w4_loop=$(weights_row loop4 4 learner 127.0.0.1 learner)
w4_net=$(weights_row net4 4 learner "$(netns_ip learner)" actors-a,actors-b "${TLS[@]}")
w16_loop=$(weights_row loop16 16 learner 127.0.0.1 learner)
w16_net=$(weights_row net16 16 learner "$(netns_ip learner)" actors-a,actors-b "${TLS[@]}")

echo
printf '| %-46s | %18s | %22s | %8s | %-12s |\n' "measurement" "loopback, plaintext" \
    "namespace network, TLS" "ratio" "target"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..48})" "$(printf -- '-%.0s' {1..20})" \
    "$(printf -- '-%.0s' {1..24})" "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..14})"
row() { printf '| %-46s | %18s | %22s | %8s | %-12s |\n' "$@"; }
row "replay insert, transitions/s (MB/s)" "$(value "$loop" insert_tps) ($(value "$loop" insert_mbps))" \
    "$(value "$net" insert_tps) ($(value "$net" insert_mbps))" \
    "$(ratio "$(value "$net" insert_tps)" "$(value "$loop" insert_tps)")" ">= 0.7"
row "replay sample, transitions/s (MB/s)" "$(value "$loop" sample_tps) ($(value "$loop" sample_mbps))" \
    "$(value "$net" sample_tps) ($(value "$net" sample_mbps))" \
    "$(ratio "$(value "$net" sample_tps)" "$(value "$loop" sample_tps)")" ">= 0.7"
for n in 4 16; do
  l=w${n}_loop t=w${n}_net
  row "new version reaches all $n actors, p50 ms" "$(value "${!l}" p50_ms)" "$(value "${!t}" p50_ms)" "" ""
  row "new version reaches all $n actors, p99 ms (max)" "$(value "${!l}" p99_ms) ($(value "${!l}" max_ms))" \
      "$(value "${!t}" p99_ms) ($(value "${!t}" max_ms))" "" "p99 <= 50"
done
