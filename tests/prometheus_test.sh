#!/usr/bin/env bash
# A real Prometheus (Debian's) scrapes a live run - 2 shards, learner, 2
# actors, evaluator, with TLS and the token - from the prometheus.yml the
# supervisor wrote into the run directory, and its HTTP API says: every
# target is up, the learner's samples counter grows, and so does each
# shard's inserted-transitions counter. Prometheus is stopped afterwards.
# Prints GoogleTest-style result lines so tests/run_tests.sh counts the case.
set -uo pipefail
runfiles="${TEST_SRCDIR:-$PWD/..}/hem"
tmp="${TEST_TMPDIR:-/tmp/hem-prometheus-test}"
run_dir="$tmp/run"
rm -rf "$run_dir" "$tmp/prometheus-data"
mkdir -p "$tmp"
case_name="Monitoring.PrometheusScrapesEveryProcessOfALiveRun"
echo "[ RUN      ] $case_name"
start=$(date +%s)
failures=0
fail() { echo "FAILED: $*"; failures=$((failures + 1)); }

launch_pid="" prometheus_pid=""
cleanup() {
  [[ -n "$prometheus_pid" ]] && kill "$prometheus_pid" 2>/dev/null && wait "$prometheus_pid" 2>/dev/null
  [[ -n "$launch_pid" ]] && kill -INT "$launch_pid" 2>/dev/null && wait "$launch_pid" 2>/dev/null
  prometheus_pid="" launch_pid=""
}
trap cleanup EXIT

"$runfiles/deploy/launch.sh" --bin_dir="$runfiles" --env=flip_bit:k=10 --shards=2 --tls \
    --target_success=2 --time_limit=150 --eval_episodes=20 --dashboard_port=-1 \
    --run_dir="$run_dir" >"$tmp/launch.log" 2>&1 &
launch_pid=$!
for ((i = 0; i < 120; ++i)); do
  grep -q "cluster up" "$tmp/launch.log" && break
  kill -0 "$launch_pid" 2>/dev/null || break
  sleep 1
done
grep -q "cluster up" "$tmp/launch.log" || fail "the run did not come up: $(tail -n 20 "$tmp/launch.log")"
config="$run_dir/prometheus.yml"
[[ -s "$config" ]] || fail "no $config"
targets=$(grep -c -- "- targets:" "$config")
((targets == 6)) || fail "prometheus.yml has $targets targets, expected 6"
grep -q "scheme: https" "$config" || fail "prometheus.yml does not scrape over https"

# A free port for Prometheus's own HTTP API.
port=""
for ((i = 0; i < 50; ++i)); do
  candidate=$((40000 + RANDOM % 20000))
  if ! (echo >"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
/usr/bin/prometheus --config.file="$config" --storage.tsdb.path="$tmp/prometheus-data" \
    --web.listen-address="127.0.0.1:$port" >"$tmp/prometheus.log" 2>&1 &
prometheus_pid=$!

query() {  # PromQL -> "labels value" lines of the instant vector
  # (echo: the answer has no final newline, and sed would keep it so, making
  # `wc -l` miss the last series.)
  { curl -sf --max-time 5 "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$1"; echo; } |
      sed 's/},{"metric"/}\n{"metric"/g' |
      sed -n 's/.*"metric":{\([^}]*\)},"value":\[[0-9.]*,"\([^"]*\)"\].*/\1 \2/p'
}

# Within a minute: every target up, and the counters' rates positive.
ok=0
for ((i = 0; i < 60; ++i)); do
  sleep 2
  up=$(query 'up == 1' | wc -l)
  learner=$(query 'rate(hem_learner_samples_total[20s]) > 0' | wc -l)
  shards=$(query 'rate(hem_replay_inserted_transitions_total[20s]) > 0' | wc -l)
  if ((up == targets && learner == 1 && shards == 2)); then ok=1; break; fi
done
echo "targets up: $up of $targets; learner samples rate > 0: $learner; shards inserting: $shards of 2"
if ((ok == 0)); then
  fail "Prometheus did not see every target up with positive rates"
  query 'up'
  tail -n 20 "$tmp/prometheus.log"
fi
query 'up'
query 'rate(hem_learner_samples_total[20s])'
query 'rate(hem_replay_inserted_transitions_total[20s])'
# Each process under its role and index; the learner's update phases as a histogram.
for role in replay learner actor evaluator; do
  [[ $(query "up{role=\"$role\"} == 1" | wc -l) -ge 1 ]] || fail "no $role target up"
done
[[ $(query 'hem_learner_update_phase_seconds_count{phase="forward_backward"} > 0' | wc -l) -eq 1 ]] ||
    fail "no learner update phase histogram"
[[ $(query 'hem_actor_inference_seconds_count > 0' | wc -l) -eq 2 ]] ||
    fail "not both actors report inference time"
[[ $(query 'hem_evaluator_evaluations_total > 0' | wc -l) -eq 1 ]] || fail "no evaluations counted"
cleanup

elapsed=$(( $(date +%s) - start ))
if ((failures == 0)); then
  echo "[       OK ] $case_name ($((elapsed * 1000)) ms)"
  exit 0
fi
tail -n 30 "$tmp/launch.log"
for log in "$run_dir"/logs/*.log; do
  echo "--- tail of $log"
  tail -n 10 "$log"
done
echo "[  FAILED  ] $case_name ($((elapsed * 1000)) ms)"
exit 1
