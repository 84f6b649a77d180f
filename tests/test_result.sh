# GoogleTest-style result lines for the shell tests, which
# tests/run_tests.sh counts like GoogleTest cases. Source it after setting
# TEST_SUITE (e.g. Chaos); then
#   result CASE OK WHY     # OK: 1 passed, 0 failed (WHY is printed)
# prints "[ RUN      ] Suite.Case" and "[       OK ]" or "[  FAILED  ]" with the
# milliseconds since sourcing, and counts failures in $failures.
failures=0
start_ms=$(( $(date +%s%N) / 1000000 ))
elapsed_ms() { echo $(( $(date +%s%N) / 1000000 - start_ms )); }
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
