#!/usr/bin/env bash
# The binaries' network contract, end to end on loopback:
# - deploy/make_credentials.sh makes private files whose node certificate
#   verifies against the CA and names hem-node, localhost, 127.0.0.1 and the
#   given hosts;
# - every binary bound beyond loopback without credentials refuses to start
#   within seconds, naming --bind_host; --insecure starts it, with a warning;
# - a replay shard, a learner and an actor, each on a port it picks itself,
#   listening on 0.0.0.0 with TLS and the token, find each other only through
#   a rendezvous directory (started in the "wrong" order, so they must wait),
#   and train; cluster_status finds them the same way, and without the
#   credentials cannot read them.
#
#   net_security_test.sh        (bazel test //tests:net_security_test)
# Prints GoogleTest-style result lines so tests/run_tests.sh counts the cases.
set -uo pipefail
runfiles="${TEST_SRCDIR:-$PWD/..}/hem"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
}
trap cleanup EXIT

REPLAY="$runfiles/replay_service/replay_server"
LEARNER="$runfiles/learner/learner"
ACTOR="$runfiles/actor/actor"
STATUS="$runfiles/deploy/cluster_status"

run_case() { echo "[ RUN      ] $1"; CASE=$1; WHY=""; }
expect() {  # why, command...
  local why=$1
  shift
  [[ -n "$WHY" ]] && return
  "$@" || WHY="$why"
}
end_case() {
  if [[ -z "$WHY" ]]; then
    echo "[       OK ] $CASE"
  else
    echo "$WHY"
    echo "[  FAILED  ] $CASE"
    failures=$((failures + 1))
  fi
}

# --- make_credentials.sh ------------------------------------------------------
creds="$tmp/creds"
run_case "MakeCredentials.PrivateFilesThatVerify"
rm -rf "$creds"
out=$("$runfiles/deploy/make_credentials.sh" "$creds" --hosts=10.9.8.7,node-a.example 2>&1) ||
  WHY="make_credentials.sh failed: $out"
expect "directory mode is not 700: $(stat -c %a "$creds")" [ "$(stat -c %a "$creds")" = 700 ]
for f in ca.crt node.crt node.key token; do
  expect "$f mode is not 600: $(stat -c %a "$creds/$f")" [ "$(stat -c %a "$creds/$f")" = 600 ]
done
expect "files other than the four: $(ls -A "$creds")" \
  [ "$(ls -A "$creds" | tr '\n' ' ')" = "ca.crt node.crt node.key token " ]
verify=$(openssl verify -CAfile "$creds/ca.crt" "$creds/node.crt" 2>&1)
expect "openssl verify: $verify" [ "$verify" = "$creds/node.crt: OK" ]
sans=$(openssl x509 -in "$creds/node.crt" -noout -ext subjectAltName 2>&1)
for san in "DNS:hem-node" "DNS:localhost" "IP Address:127.0.0.1" "DNS:$(uname -n)" \
           "IP Address:10.9.8.7" "DNS:node-a.example"; do
  expect "SAN $san missing in: $sans" grep -qF "$san" <<< "$sans"
done
expect "token is not 64 hex digits: $(cat "$creds/token")" grep -qE '^[0-9a-f]{64}$' "$creds/token"
# Run again: the existing credentials are kept (a resumed run keeps its token).
token=$(cat "$creds/token")
"$runfiles/deploy/make_credentials.sh" "$creds" >/dev/null 2>&1
expect "a second run replaced the token" [ "$(cat "$creds/token")" = "$token" ]
end_case

# --- refusing exposure ----------------------------------------------------------
# A binary bound beyond loopback without credentials exits within 10 s, exit
# code 2, naming the flag; `args` are what it needs besides.
refuses() {  # name, binary, args...
  local name=$1 binary=$2 start elapsed output rc
  shift 2
  run_case "RefusesExposure.$name"
  start=$(date +%s%N)
  output=$(timeout 20 "$binary" --bind_host=0.0.0.0 "$@" 2>&1)
  rc=$?
  elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
  expect "exit code $rc, not 2; output: $output" [ "$rc" = 2 ]
  expect "took $elapsed ms (limit 10000)" [ "$elapsed" -lt 10000 ]
  expect "no '--bind_host: 0.0.0.0 reaches beyond loopback' in: $output" \
    grep -qF -- "--bind_host: 0.0.0.0 reaches beyond loopback" <<< "$output"
  expect "the message does not say how to fix it: $output" \
    grep -qF -- "credentials_dir" <<< "$output"
  end_case
}
refuses ReplayServer "$REPLAY" --port=0
refuses Learner "$LEARNER" --replay=127.0.0.1:1 --env=flip_bit:k=4
refuses Actor "$ACTOR" --replay=127.0.0.1:1 --env=flip_bit:k=4

# Waits up to `seconds` for `pattern` in `file`.
wait_for_line() {  # file, pattern, seconds
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

run_case "InsecureStartsWithAWarning.ReplayServer"
log="$tmp/insecure.log"
"$REPLAY" --bind_host=0.0.0.0 --insecure --port=0 >"$log" 2>&1 &
pids+=($!)
expect "no listening line within 20 s: $(cat "$log")" \
  wait_for_line "$log" "listening on 0.0.0.0:" 20
expect "no INSECURE warning in: $(cat "$log")" grep -qF "INSECURE: listening on 0.0.0.0" "$log"
kill "${pids[-1]}" 2>/dev/null
end_case

# --- a cluster over TLS that finds itself through the rendezvous ----------------
rdzv="$tmp/rendezvous"
rm -rf "$rdzv"
net=(--bind_host=0.0.0.0 --advertise_host=127.0.0.1 --credentials_dir="$creds"
     --rendezvous_dir="$rdzv")
run_case "Rendezvous.ShardLearnerAndActorFindEachOtherOverTls"
# The actor and the learner first: they wait for what they need.
"$ACTOR" "${net[@]}" --port=0 --env=flip_bit:k=4 --num_envs=4 --actor_id=3 \
  --replay=rdzv:replay/0 --learner=rdzv:learner/0 >"$tmp/actor.log" 2>&1 &
pids+=($!)
"$LEARNER" "${net[@]}" --port=0 --env=flip_bit:k=4 --batch_size=32 --hidden_sizes=16 \
  --replay=rdzv:replay/0 >"$tmp/learner.log" 2>&1 &
pids+=($!)
sleep 1
expect "the learner published itself before its shard existed" [ ! -e "$rdzv/learner-0" ]
"$REPLAY" "${net[@]}" --port=0 --shard_index=0 --num_shards=1 --min_size_to_sample=64 \
  >"$tmp/replay.log" 2>&1 &
pids+=($!)
targets="replay=rdzv:replay/0,learner=rdzv:learner/0,actor=rdzv:actor/3"
ready=$("$STATUS" "${net[@]}" --targets="$targets" --wait_ready --timeout_seconds=90 2>&1)
rc=$?
expect "not ready (exit $rc): $ready
--- actor: $(tail -5 "$tmp/actor.log")
--- learner: $(tail -5 "$tmp/learner.log")
--- replay: $(tail -5 "$tmp/replay.log")" [ "$rc" -eq 0 ]
for entry in replay-0 learner-0 actor-3; do
  expect "$entry not published as 127.0.0.1:<port>: $(cat "$rdzv/$entry" 2>&1)" \
    grep -qE '^127\.0\.0\.1:[0-9]+$' "$rdzv/$entry"
done
# Training happens: the learner takes batches of what the actor stored.
updates=0
deadline=$((SECONDS + 90))
while [[ -z "$WHY" ]] && ((SECONDS < deadline)); do
  "$STATUS" "${net[@]}" --targets="$targets" --print=false --json="$tmp/progress.json" \
    >/dev/null 2>&1
  updates=$(grep -oE '"learner_updates": *[0-9.]+' "$tmp/progress.json" 2>/dev/null |
            grep -oE '[0-9.]+$')
  [[ -n "$updates" && "$updates" != 0 ]] && break
  sleep 1
done
expect "no learner updates within 90 s: $(cat "$tmp/progress.json" 2>&1)
--- learner: $(tail -5 "$tmp/learner.log")" [ -n "$updates" ] && [ "$updates" != 0 ]
# Without the credentials the same processes cannot be read.
plain=$("$STATUS" --rendezvous_dir="$rdzv" --targets="$targets" --print=true 2>&1)
expect "a plaintext cluster_status could read the TLS cluster: $plain" \
  grep -qF "UNREACHABLE" <<< "$plain"
end_case

echo "$failures failure(s)"
((failures == 0))
