#!/usr/bin/env bash
# The one test command: installs missing dependencies, builds everything and
# runs every test target, then prints each target's result and a closing line
#   N passed, N failed
# counting GoogleTest cases. Exits non-zero on any failure.
#
#   tests/run_tests.sh                 all tests
#   tests/run_tests.sh //replay_service/...   a subset (any bazel target pattern)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

deploy/install_deps.sh || { echo "0 passed, 1 failed"; exit 1; }

patterns=("$@")
[[ ${#patterns[@]} -eq 0 ]] && patterns=(//...)

log=$(mktemp /tmp/hem-tests.XXXXXX)
trap 'rm -f "$log"' EXIT

echo "hem: building and testing ${patterns[*]} (first build takes several minutes)"
bazel build "${patterns[@]}" 2>&1 | tee -a "$log" | grep -E "^(ERROR|FAILED)|error:" 
build_rc=${PIPESTATUS[0]}
bazel test --test_summary=short --nocache_test_results "${patterns[@]}" >>"$log" 2>&1
test_rc=$?

# Targets and their results, as Bazel reports them.
mapfile -t targets < <(bazel query "tests(set(${patterns[*]}))" 2>/dev/null | sort)
passed=0
failed=0
echo
echo "Test targets:"
for target in "${targets[@]}"; do
  result=$(grep -E "^${target}[[:space:]]" "$log" | tail -n 1 | awk '{
      for (i = 2; i <= NF; ++i) if ($i ~ /^(PASSED|FAILED|TIMEOUT|FLAKY|NO|SKIPPED)$/) { print $i; exit } }')
  [[ -z "$result" ]] && result="NOT RUN"
  path=${target#//}
  testlog="bazel-testlogs/${path/://}/test.log"
  ok=0
  bad=0
  if [[ -f "$testlog" && "$result" != "NOT RUN" ]]; then
    ok=$(grep -cE '^\[       OK \] ' "$testlog")
    bad=$(grep -cE '^\[  FAILED  \] .*\([0-9]+ ms\)' "$testlog")
  fi
  # A target that failed without a failing case (crash, timeout, link
  # error) still counts as one failure.
  if [[ "$result" != "PASSED" && "$result" != "FLAKY" && $bad -eq 0 ]]; then
    bad=1
  fi
  passed=$((passed + ok))
  failed=$((failed + bad))
  printf '  %-10s %-60s %4d passed %3d failed\n' "$result" "$target" "$ok" "$bad"
done

# Lock contracts, checked by the compiler: every target again with clang
# 14 and -Werror=thread-safety (.bazelrc's --config=clang; its outputs live
# beside gcc's, so repeated runs are incremental).
echo
echo "Thread-safety analysis (clang -Wthread-safety as errors):"
clang_log=$(mktemp /tmp/hem-clang.XXXXXX)
if bazel build --config=clang "${patterns[@]}" >"$clang_log" 2>&1; then
  printf '  %-10s %-60s %4d passed %3d failed\n' PASSED "bazel build --config=clang ${patterns[*]}" 1 0
  passed=$((passed + 1))
else
  printf '  %-10s %-60s %4d passed %3d failed\n' FAILED "bazel build --config=clang ${patterns[*]}" 0 1
  grep -E "error:|ERROR" "$clang_log" | head -n 30
  failed=$((failed + 1))
  build_rc=1
fi
rm -f "$clang_log"

# Fuzz targets (*/fuzz/): libFuzzer with ASan and UBSan (.bazelrc's
# --config=fuzz, clang 14), each for a few seconds from its checked-in seeds
# (new inputs go to a scratch directory). A crash, leak or UB report fails it.
mapfile -t fuzzers < <(bazel query "attr(name, '_fuzz\$', kind(cc_binary, set(${patterns[*]})))" 2>/dev/null | sort)
if [[ ${#fuzzers[@]} -gt 0 ]]; then
  fuzz_seconds=${HEM_FUZZ_SECONDS:-3}
  echo
  echo "Fuzz targets (libFuzzer, ASan + UBSan, ${fuzz_seconds} s each):"
  fuzz_log=$(mktemp /tmp/hem-fuzz.XXXXXX)
  if bazel build --config=fuzz "${fuzzers[@]}" >"$fuzz_log" 2>&1; then
    fuzz_bin=$(bazel info --config=fuzz bazel-bin 2>/dev/null)
    for target in "${fuzzers[@]}"; do
      path=${target#//}
      package=${path%%:*}
      name=${path##*:}
      scratch=$(mktemp -d /tmp/hem-fuzz-corpus.XXXXXX)
      if "$fuzz_bin/$package/$name" -max_total_time="$fuzz_seconds" -timeout=20 \
          -rss_limit_mb=4096 -print_final_stats=1 "$scratch" "$package/corpus/$name" \
          >"$fuzz_log" 2>&1; then
        runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$fuzz_log" | grep -oE "[0-9]+$")
        printf '  %-10s %-60s %4d passed %3d failed  (%s runs)\n' PASSED "$target" 1 0 "${runs:-?}"
        passed=$((passed + 1))
      else
        printf '  %-10s %-60s %4d passed %3d failed\n' FAILED "$target" 0 1
        grep -E "ERROR|SUMMARY|runtime error|==[0-9]+==" "$fuzz_log" | head -n 20
        failed=$((failed + 1))
        build_rc=1
      fi
      rm -rf "$scratch"
    done
  else
    printf '  %-10s %-60s %4d passed %3d failed\n' FAILED "bazel build --config=fuzz (${#fuzzers[@]} targets)" 0 1
    grep -E "error:|ERROR" "$fuzz_log" | head -n 30
    failed=$((failed + 1))
    build_rc=1
  fi
  rm -f "$fuzz_log"
fi

if [[ $build_rc -ne 0 || $test_rc -ne 0 ]]; then
  echo
  echo "Failures (bazel output):"
  grep -E "^(ERROR|FAIL)|error:|Failure|^\[  FAILED" "$log" | head -n 60
  [[ $failed -eq 0 ]] && failed=1
fi
echo
echo "${passed} passed, ${failed} failed"
[[ $failed -eq 0 && $build_rc -eq 0 && $test_rc -eq 0 ]]
