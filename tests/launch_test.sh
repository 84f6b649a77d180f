#!/usr/bin/env bash
# deploy/launch.sh as a new user meets it: a mistyped task or a bad flag of
# any process fails within seconds, showing the precise message, instead of
# waiting out a readiness timeout; and a run that reaches its step budget
# stops by itself and leaves summary.json and progress.csv with named columns;
# its run.textproto runs the same run again; --tls runs it with TLS and a
# token on every service.
#
#   launch_test.sh        (bazel test //tests:launch_test)
# Prints GoogleTest-style result lines so tests/run_tests.sh counts the cases.
set -uo pipefail
runfiles="${TEST_SRCDIR:-$PWD/..}/hem"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Runs launch.sh with the given flags; sets OUTPUT, RC and ELAPSED_MS.
launch() {  # run dir, flags...
  local run_dir=$1 start
  shift
  start=$(now_ms)
  OUTPUT=$(timeout 120 "$runfiles/deploy/launch.sh" --bin_dir="$runfiles" --run_dir="$run_dir" \
      --actors=1 --eval_episodes=4 "$@" 2>&1)
  RC=$?
  ELAPSED_MS=$(( $(now_ms) - start ))
}

pass() { echo "[       OK ] $1 ($ELAPSED_MS ms)"; }
fail() {  # case, why
  echo "$2"
  echo "--- launch.sh output (exit $RC):"
  echo "$OUTPUT"
  echo "[  FAILED  ] $1 ($ELAPSED_MS ms)"
  failures=$((failures + 1))
}

# A bad flag: launch.sh must fail (non-zero) within 15 s and show `expected`.
fails_fast() {  # case, expected text, flags...
  local name="LaunchFailsFast.$1" expected=$2
  shift 2
  echo "[ RUN      ] $name"
  rm -rf "${tmp:?}/$1"
  launch "$tmp/$1" "$@"
  if ((RC == 0)); then
    fail "$name" "launch.sh succeeded with $*"
  elif ((RC == 124)); then
    fail "$name" "launch.sh still ran after 120 s"
  elif ((ELAPSED_MS > 15000)); then
    fail "$name" "launch.sh took ${ELAPSED_MS} ms to fail (limit 15000)"
  elif [[ "$OUTPUT" != *"$expected"* ]]; then
    fail "$name" "the output does not show: $expected"
  else
    pass "$name"
  fi
}

fails_fast UnknownEnv "--env: unknown env 'reachr' (known: flip_bit" --env=reachr
fails_fast EnvParameterOutOfRange "--env: env 'flip_bit': k=0 is out of range" --env=flip_bit:k=0
# The learner exits at once on a bad value; its log's last lines are shown.
fails_fast LearnerExitsWhileStarting "--batch_size: " --env=flip_bit:k=4 \
    --learner_flags=--batch_size=0
# A shard that cannot start (an unknown flag) is noticed while waiting for it.
fails_fast ReplayExitsWhileStarting "no_such_flag" --env=flip_bit:k=4 \
    --replay_flags=--no_such_flag

name="LaunchStops.AtTheStepBudgetWithASummary"
echo "[ RUN      ] $name"
run_dir="$tmp/budget"
rm -rf "$run_dir"
launch "$run_dir" --env=flip_bit:k=4 --steps=1000 --target_success=2 --time_limit=60 \
    --envs_per_actor=8
summary="$run_dir/summary.json"
header=$(head -n 1 "$run_dir/progress.csv" 2>/dev/null)
if ((RC != 0)); then
  fail "$name" "launch.sh exited $RC"
elif [[ ! -f "$summary" ]]; then
  fail "$name" "no summary.json"
elif ! grep -q '"stop_reason": "step budget 1000 reached"' "$summary"; then
  fail "$name" "summary.json does not give the step budget as the stop reason: $(cat "$summary")"
elif ! grep -q '"best_eval_success_rate": [0-9.]*,' "$summary" ||
     ! grep -q '"exit_code": 0,' "$summary" || ! grep -q '"env": "flip_bit:k=4",' "$summary" ||
     ! grep -q '"final": {' "$summary"; then
  fail "$name" "summary.json lacks keys scripts read: $(cat "$summary")"
elif [[ ",$header," != *",env_steps,"* || ",$header," != *",eval_success_rate,"* ]]; then
  fail "$name" "progress.csv has no named columns: $header"
else
  pass "$name"
fi

# The same run directory again: the learner picks up its checkpoint.
name="LaunchStops.ResumesTheLearnerInTheSameRunDirectory"
echo "[ RUN      ] $name"
launch "$run_dir" --env=flip_bit:k=4 --steps=1000 --target_success=2 --time_limit=60 \
    --envs_per_actor=8
if ((RC != 0)); then
  fail "$name" "launch.sh exited $RC"
elif ! grep -q "resumed from" "$run_dir/logs/learner.log"; then
  fail "$name" "the learner did not resume: $(tail -n 5 "$run_dir/logs/learner.log")"
else
  pass "$name"
fi

# The run as data: run.textproto runs again, same roles, flags and seeds,
# in a directory of its own.
name="LaunchRunsAgain.FromItsRunDescription"
echo "[ RUN      ] $name"
again="$tmp/again"
rm -rf "$again"
start=$(now_ms)
OUTPUT=$(timeout 120 "$runfiles/deploy/launch.sh" --bin_dir="$runfiles" \
    --run="$run_dir/run.textproto" --run_dir="$again" 2>&1)
RC=$?
ELAPSED_MS=$(( $(now_ms) - start ))
if ((RC != 0)); then
  fail "$name" "launch.sh --run exited $RC"
elif ! diff <(grep -v -e '^#' -e 'run_dir:' "$run_dir/run.textproto") \
              <(grep -v -e '^#' -e 'run_dir:' "$again/run.textproto") >/dev/null; then
  fail "$name" "the descriptions differ: $(diff "$run_dir/run.textproto" "$again/run.textproto")"
elif ! grep -q '"stop_reason": "step budget 1000 reached"' "$again/summary.json"; then
  fail "$name" "not the same stop rule: $(cat "$again/summary.json")"
else
  pass "$name"
fi

# --tls: credentials made for the run (mode 0600), every process serving TLS
# with the token, and the supervisor still reading every status over it.
name="LaunchStops.WithTlsOnEveryService"
echo "[ RUN      ] $name"
tls_dir="$tmp/tls"
rm -rf "$tls_dir"
launch "$tls_dir" --env=flip_bit:k=4 --steps=1000 --target_success=2 --time_limit=60 \
    --envs_per_actor=8 --tls
steps=$(sed -n '/"final": {/,/}/s/.*"env_steps": \([0-9]*\).*/\1/p' "$tls_dir/summary.json" 2>/dev/null)
if ((RC != 0)); then
  fail "$name" "launch.sh exited $RC"
elif [[ "$(stat -c %a "$tls_dir/credentials/token" 2>/dev/null)" != 600 ]]; then
  fail "$name" "no credentials/token of mode 600: $(ls -l "$tls_dir/credentials" 2>&1)"
elif ! grep -q "tls: true" "$tls_dir/run.textproto"; then
  fail "$name" "the run description does not ask for TLS"
elif ! grep -q '"stop_reason": "step budget 1000 reached"' "$tls_dir/summary.json" ||
     ((${steps:-0} < 1000)); then
  fail "$name" "the supervisor did not read the actors' progress over TLS: $(cat "$tls_dir/summary.json")"
else
  pass "$name"
fi

((failures == 0))
