#!/usr/bin/env bash
# A fuzz campaign over every libFuzzer target of hem (docs/RELIABILITY.md):
# builds them with --config=fuzz (ASan + UBSan), runs each for --seconds from
# its checked-in seeds (new inputs go to a scratch directory, not the seeds),
# and prints one row per target and the total number of executions. Exits
# non-zero on the first crash, leak or UB report, keeping the reproducer.
#
#   common/fuzz/run_campaign.sh                  # 60 s per target
#   common/fuzz/run_campaign.sh --seconds=600 --out=/tmp/fuzz-findings
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

seconds=60
out=/tmp/hem-fuzz-campaign
for arg in "$@"; do
  case "$arg" in
    --seconds=*) seconds=${arg#*=} ;;
    --out=*) out=${arg#*=} ;;
    *) echo "run_campaign.sh: unknown flag '$arg' (--seconds=S --out=DIR)" >&2; exit 2 ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "--seconds: '$seconds' is not a positive integer" >&2; exit 2; }

mapfile -t targets < <(bazel query "attr(name, '_fuzz\$', kind(cc_binary, //...))" 2>/dev/null | sort)
bazel build --config=fuzz "${targets[@]}" >/tmp/hem-fuzz-build.log 2>&1 ||
    { tail -n 30 /tmp/hem-fuzz-build.log; echo "fuzz build failed" >&2; exit 1; }
bin=$(bazel info --config=fuzz bazel-bin 2>/dev/null)
mkdir -p "$out"

total=0
printf '%-44s %10s %14s %8s\n' target seconds executions crashes
for target in "${targets[@]}"; do
  path=${target#//}
  package=${path%%:*}
  name=${path##*:}
  scratch="$out/$name-corpus"
  mkdir -p "$scratch"
  log="$out/$name.log"
  "$bin/$package/$name" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
      -print_final_stats=1 -artifact_prefix="$out/$name-" "$scratch" "$package/corpus/$name" \
      >"$log" 2>&1
  rc=$?
  runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$")
  total=$((total + ${runs:-0}))
  crashes=0
  ((rc != 0)) && crashes=1
  printf '%-44s %10s %14s %8s\n' "$target" "$seconds" "${runs:-?}" "$crashes"
  if ((rc != 0)); then
    grep -E "ERROR|SUMMARY|runtime error" "$log" | head -n 20
    echo "reproducer and log: $out/$name-* (log $log)"
    exit 1
  fi
done
printf '%-44s %10s %14s %8s\n' "total (${#targets[@]} targets)" "" "$total" 0
