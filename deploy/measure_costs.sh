#!/usr/bin/env bash
# Measures the sizing model's per-role costs on this machine (about two
# minutes) with the repository's benchmarks and writes them as a costs file
# for deploy/predict (format: deploy/sizing_model.h, ParseSizingCosts), each
# value under the benchmark line it came from.
#
#   deploy/measure_costs.sh --out=/tmp/costs.txt                 # point_mass, M = 32
#   deploy/measure_costs.sh --env=fetch_reach --bin_dir=DIR --out=...
#   deploy/measure_costs.sh --load=none --out=...                # each benchmark alone
#
# actor:   actor_benchmark --breakdown at M = 8 and 32 (lean path): env step,
#          inference per row and per call (a line through both M), the rest
#          of the stepping thread, loading one policy version;
# learner: learner_benchmark's full learner (replay server over gRPC, decoding
#          thread, weight publishing) at batch 256: ms/update less the share
#          spent waiting for data (the slope for other batch sizes is copied:
#          two batch sizes measured minutes apart on a shared machine gave
#          slopes off by 2x, even negative);
# replay:  replay_benchmark, 1 shard: 1 / insert rate, 1 / sample rate;
# cores:   cores_available, nproc spinning threads' CPU time over one's (the
#          machine may be shared: this is what a run would get now).
# The actor and learner costs are measured under load (--load=busy, the
# default): nproc - 1 background processes step the task as an actor's
# stepping thread does (actor_benchmark --load_seconds), because in a run
# every core is busy and a thread's cost there is what the model needs. On
# this 2-core machine the learner's update measured alone came out 13 % below
# the same benchmark with an actor_benchmark running beside it (3.81 vs
# 4.30 ms, 2026-11-26; docs/SCALING.md has the commands).
# --load=none measures each benchmark alone.
# The learner's per-sample slope, GPU and network values are not measured
# here: they are copied from deploy/sizing_costs.txt.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

ENV_NAME=point_mass
BIN_DIR=""
OUT=""
LOAD=busy
for arg in "$@"; do
  case "$arg" in
    --env=*) ENV_NAME=${arg#*=} ;;
    --load=busy|--load=none) LOAD=${arg#*=} ;;
    --bin_dir=*) BIN_DIR=${arg#*=} ;;
    --out=*) OUT=${arg#*=} ;;
    *) echo "measure_costs.sh: unknown flag '$arg'" >&2; exit 2 ;;
  esac
done
[[ -n "$OUT" ]] || { echo "measure_costs.sh: --out=FILE is required" >&2; exit 2; }
if [[ -z "$BIN_DIR" ]]; then
  bazel build //actor:actor_benchmark //learner:learner_benchmark \
      //replay_service:replay_benchmark >/tmp/hem-measure-costs-build.log 2>&1 ||
      { tail -20 /tmp/hem-measure-costs-build.log >&2; exit 1; }
  BIN_DIR="$ROOT/bazel-bin"
fi
work=$(mktemp -d /tmp/hem-measure-costs.XXXXXX)

load_pids=()
stop_load() {
  ((${#load_pids[@]})) && kill "${load_pids[@]}" 2>/dev/null && wait "${load_pids[@]}" 2>/dev/null
  load_pids=()
}
trap stop_load EXIT
if [[ "$LOAD" == busy ]]; then
  for ((i = 1; i < $(nproc); i++)); do
    "$BIN_DIR/actor/actor_benchmark" --envs="$ENV_NAME" --num_envs=32 --load_seconds=3600 \
        >/dev/null 2>&1 &
    load_pids+=($!)
  done
fi
"$BIN_DIR/actor/actor_benchmark" --breakdown --envs="$ENV_NAME" --num_envs=8,32 >"$work/actor.txt" 2>&1 ||
    { cat "$work/actor.txt" >&2; exit 1; }
"$BIN_DIR/learner/learner_benchmark" --env="$ENV_NAME" --batch_size=256 --slices=6 \
    >"$work/learner.txt" 2>&1 || { cat "$work/learner.txt" >&2; exit 1; }
stop_load
"$BIN_DIR/replay_service/replay_benchmark" --seconds=1 >"$work/replay.txt" 2>&1 ||
    { cat "$work/replay.txt" >&2; exit 1; }

# Cores available now, in units of what one busy thread gets: CPU time of
# nproc spinning shells over that of one, 2 s each, alternating twice.
spin_cpu() {  # threads -> CPU seconds they got in 2 s
  local pids=() ticks=0 pid f
  for ((i = 0; i < $1; i++)); do (while :; do :; done) & pids+=($!); done
  sleep 2
  for pid in "${pids[@]}"; do
    read -ra f <"/proc/$pid/stat"
    ticks=$((ticks + f[13] + f[14]))
    kill "$pid"
  done
  wait "${pids[@]}" 2>/dev/null
  echo "$ticks $(getconf CLK_TCK)" | awk '{ print $1 / $2 }'
}
one=0; all=0
for round in 1 2; do
  one=$(awk -v a="$one" -v b="$(spin_cpu 1)" 'BEGIN { print a + b }')
  all=$(awk -v a="$all" -v b="$(spin_cpu "$(nproc)")" 'BEGIN { print a + b }')
done

{
  echo "# Per-role costs measured by deploy/measure_costs.sh --env=$ENV_NAME on $(hostname), $(date -u +%FT%TZ),"
  echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg). Benchmark lines quoted below each value."
  echo "# Actor and learner measured with --load=$LOAD ($(( $(nproc) - 1 )) background stepping loop(s) when busy)."
  # The lean row of each M's breakdown table: env step, inference, noise,
  # recording, insert, weight swap, other, total (us per env step).
  awk -v env="$ENV_NAME" '
    /M = [0-9]+:/ { match($0, /M = [0-9]+/); m = substr($0, RSTART + 4, RLENGTH - 4) }
    /^\| lean \|/ { split($0, f, "|"); row[m] = $0
                    env_step[m] = f[3]; inf[m] = f[4]; other[m] = f[5] + f[6] + f[7] + f[8] + f[9] }
    /loading a version/ { match($0, /\/ [0-9.]+ ms \(lean/); load = substr($0, RSTART + 2, RLENGTH - 10) + 0; load_line = $0 }
    END {
      per_batch = (inf[8] - inf[32]) / (1 / 8 - 1 / 32)
      if (per_batch < 0) per_batch = 0
      per_row = inf[32] - per_batch / 32
      printf "# actor_benchmark --breakdown --envs=%s --num_envs=8,32, lean rows:\n#   M=8  %s\n#   M=32 %s\n", env, row[8], row[32]
      printf "task.%s.env_step_seconds %.4g\n", env, env_step[32] * 1e-6
      printf "inference_seconds_per_row %.4g\n", per_row * 1e-6
      printf "inference_seconds_per_batch %.4g\n", per_batch * 1e-6
      printf "actor_other_seconds_per_step %.4g\n", other[32] * 1e-6
      printf "#   %s\nweight_load_seconds %.4g\n", load_line, load * 1e-3
    }' "$work/actor.txt"
  # "| full learner (replay server over gRPC) | samples/s | updates/s | ms/update | wait |"
  awk -v env="$ENV_NAME" '
    /^\| full learner/ { split($0, f, "|"); busy = f[5] * 1e-3 * (1 - f[6] / 100); line = $0 }
    END {
      printf "# learner_benchmark --env=%s --batch_size=256 --slices=6 (ms/update x (1 - wait)):\n#   %s\n", env, line
      printf "task.%s.learner_update_seconds %.4g\n", env, busy
    }' "$work/learner.txt"
  awk '
    /^insert over gRPC, 1 shard\(s\), 1 writer/ { insert = $(NF - 1); insert_line = $0 }
    /^sample .future. over gRPC, 1 shard\(s\)/ { sample = $(NF - 1); sample_line = $0 }
    END {
      printf "# replay_benchmark --seconds=1:\n#   %s\n#   %s\n", insert_line, sample_line
      printf "shard_insert_seconds_per_transition %.4g\n", 1 / insert
      printf "shard_sample_seconds_per_transition %.4g\n", 1 / sample
    }' "$work/replay.txt"
  echo "# $(nproc) spinning threads got $all CPU-seconds, one got $one (2 x 2 s each):"
  awk -v one="$one" -v all="$all" -v n="$(nproc)" 'BEGIN {
    c = one > 0 ? all / one : n; if (c > n) c = n; if (c < 1) c = 1
    printf "cores_available %.3g\n", c }'
  echo "# Not measured by this script (from deploy/sizing_costs.txt):"
  grep -E "^(task\.$ENV_NAME\.learner_update_seconds_per_sample|learner_decode_seconds_per_sample|gpu_update_seconds|gpu_update_seconds_per_sample|call_latency_seconds) " \
      deploy/sizing_costs.txt
} >"$OUT"
rm -rf "$work"
cat "$OUT"
