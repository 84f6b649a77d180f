# What the shell tests share: where they run from, and GoogleTest-style
# result lines, which tests/run_tests.sh counts like GoogleTest cases.
# Source it (from the test's own directory: source
# "$(dirname "${BASH_SOURCE[0]}")/test_result.sh") after setting TEST_SUITE
# (e.g. Chaos) and CASES (every case name, for skip_all); then
#   test_paths NAME        # ROOT, BIN_DIR (kept when set) and RUN_DIR
#                          # (kept when set, else $TEST_TMPDIR/NAME)
#   result CASE OK WHY     # OK: 1 passed, 0 failed (WHY is printed)
#   skip_all WHY           # every case SKIPPED with WHY; exits 0
# Times are milliseconds since sourcing; failures are counted in $failures.
failures=0
start_ms=$(( $(date +%s%N) / 1000000 ))
elapsed_ms() { echo $(( $(date +%s%N) / 1000000 - start_ms )); }

test_paths() {  # default run directory name
  if [[ -n "${TEST_SRCDIR:-}" ]]; then  # Under bazel test: the runfiles.
    ROOT="$TEST_SRCDIR/hem"
    BIN_DIR=${BIN_DIR:-$ROOT}
  else
    ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    BIN_DIR=${BIN_DIR:-$ROOT/bazel-bin}
  fi
  BIN_DIR=$(cd "$BIN_DIR" && pwd) || exit 2
  RUN_DIR=${RUN_DIR:-${TEST_TMPDIR:-/tmp}/$1}
}

result() {  # case, ok (0/1), why
  echo "[ RUN      ] ${TEST_SUITE}.$1"
  if (($2)); then
    echo "[       OK ] ${TEST_SUITE}.$1 ($(elapsed_ms) ms)"
  else
    echo "$3"
    echo "[  FAILED  ] ${TEST_SUITE}.$1 ($(elapsed_ms) ms)"
    failures=$((failures + 1))
  fi
}

skip_all() {  # why
  local c
  for c in "${CASES[@]}"; do
    echo "[ RUN      ] ${TEST_SUITE}.$c"
    echo "[  SKIPPED ] ${TEST_SUITE}.$c (0 ms): $1"
  done
  exit 0
}
