#!/usr/bin/env bash
# The live dashboard in a real browser: a run (flip_bit:k=10, 1 shard,
# learner, 2 actors, evaluator) started by deploy/launch.sh serves its
# dashboard; headless Chromium (Debian's chromium, driven by playwright-core
# from tests/browser/node_modules) opens it and checks that the env-step
# count increases between two reads, that there is a chart per metric and a
# process table with every role, and that nothing was logged as an error
# (tests/browser/dashboard_test.js). The screenshot is kept as a test output
# (dashboard.png). Prints GoogleTest-style result lines.
set -uo pipefail
runfiles="${TEST_SRCDIR:-$PWD/..}/hem"
tmp="${TEST_TMPDIR:-/tmp/hem-dashboard-test}"
run_dir="$tmp/run"
rm -rf "$run_dir"
mkdir -p "$tmp"
case_name="Dashboard.ABrowserSeesALiveRun"
echo "[ RUN      ] $case_name"
start=$(date +%s)
failures=0
fail() { echo "FAILED: $*"; failures=$((failures + 1)); }

# The script's real place: node finds playwright-core beside it.
script=$(readlink -f "$runfiles/tests/browser/dashboard_test.js")
[[ -d "$(dirname "$script")/node_modules/playwright-core" ]] ||
    fail "playwright-core is not installed in $(dirname "$script") (deploy/install_deps.sh)"
[[ -x /usr/bin/chromium ]] || fail "chromium is not installed (deploy/install_deps.sh)"

launch_pid=""
cleanup() {
  [[ -n "$launch_pid" ]] && kill -INT "$launch_pid" 2>/dev/null && wait "$launch_pid" 2>/dev/null
  launch_pid=""
}
trap cleanup EXIT

if ((failures == 0)); then
  "$runfiles/deploy/launch.sh" --bin_dir="$runfiles" --env=flip_bit:k=10 --target_success=2 \
      --time_limit=150 --eval_episodes=20 --run_dir="$run_dir" >"$tmp/launch.log" 2>&1 &
  launch_pid=$!
  for ((i = 0; i < 120; ++i)); do
    grep -q "cluster up" "$tmp/launch.log" && break
    kill -0 "$launch_pid" 2>/dev/null || break
    sleep 1
  done
  url=$(sed -n 's/^hem: dashboard \(http[^ ]*\).*/\1/p' "$tmp/launch.log" | head -n 1)
  grep -q "cluster up" "$tmp/launch.log" || fail "the run did not come up"
  [[ -n "$url" ]] || fail "the supervisor printed no dashboard address"
  if ((failures == 0)); then
    echo "dashboard at $url"
    screenshot="${TEST_UNDECLARED_OUTPUTS_DIR:-$tmp}/dashboard.png"
    timeout 150 node "$script" "$url" "$screenshot" || fail "the browser checks failed"
    [[ -s "$screenshot" ]] || fail "no screenshot"
  fi
  cleanup
fi

elapsed=$(( $(date +%s) - start ))
if ((failures == 0)); then
  echo "[       OK ] $case_name ($((elapsed * 1000)) ms)"
  exit 0
fi
tail -n 30 "$tmp/launch.log" 2>/dev/null
echo "[  FAILED  ] $case_name ($((elapsed * 1000)) ms)"
exit 1
