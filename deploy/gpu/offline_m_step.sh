#!/usr/bin/env bash
# Runs on the GPU machine (the `device` tool, with .gpu and .probe carried):
# the encoder probe's offline M-step on CUDA, several runs side by side on
# the one GPU, from episodes rendered on this machine. Builds
# tests/offline_m_step against the machine's CUDA LibTorch, unpacks the
# episodes, starts every run at once for --seconds, and packs each run's
# weights and table into $OUT/<run>.tar.gz, to be tested back here:
#
#   # here: render and pack the episodes (tests/encoder_probe --save_episodes)
#   deploy/gpu/prepare.sh
#   bazel-bin/tests/encoder_probe --mode=m_step --envs="reacher:image=48" \
#       --episodes=3000 --updates=0 --save_episodes=.probe/r48.ep && xz -T2 .probe/r48.ep
#   # there (device run, carry .gpu and .probe):
#   bash deploy/gpu/offline_m_step.sh --seconds=400 \
#       "px_b256 --env=reacher:image=48 --episodes=r48.ep --batch_size=256" ...
#   # here: the test success of each weights file, in the env itself
#   bazel-bin/tests/encoder_probe --mode=evaluate --envs="reacher:image=48" \
#       --weights=$(ls run/px_b256/w_*.bin | paste -sd,)
#
# Each run argument is a name and offline_m_step flags; --episodes names a
# file under the data folder (--data, default .probe), unpacked from
# <file>.xz. --seconds applies to every run.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT_DIR=${OUT:-/tmp/hem-offline-out}
DATA=$ROOT/.probe
SECONDS_PER_RUN=300
RUNS=()
for arg in "$@"; do
  case $arg in
    --seconds=*) SECONDS_PER_RUN=${arg#--seconds=} ;;
    --data=*) DATA=${arg#--data=} ;;
    --*) echo "offline_m_step.sh: unknown flag '$arg'" >&2; exit 2 ;;
    *) RUNS+=("$arg") ;;
  esac
done
((${#RUNS[@]} > 0)) || { echo "offline_m_step.sh: no runs given" >&2; exit 2; }
mkdir -p "$OUT_DIR"
exec > >(tee "$OUT_DIR/offline_m_step.log") 2>&1
WORK=/tmp/hem-offline
rm -rf "$WORK/data" "$WORK/runs"
mkdir -p "$WORK/data"
echo "== machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
nproc
start=$(date +%s)
echo "== unpack and build, side by side"
unpacking=()
for f in "$DATA"/*.xz; do
  [[ -e $f ]] || continue
  target=$WORK/data/$(basename "$f" .xz)
  if command -v xz >/dev/null; then
    xz -dc "$f" >"$target" &
    unpacking+=($!)
  else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"), 1 << 24)' \
        "$f" "$target" &
    unpacking+=($!)
  fi
done
# TORCH_PREFIX and HEM_DEVICE=cpu let the script be tried here first.
TORCH_PREFIX=${TORCH_PREFIX:-$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')}
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' 2>/dev/null
if ! cmake -S "$ROOT/deploy/gpu" -B "$WORK/build" -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" \
    -DHEM_DEPS="$ROOT/.gpu" -DCMAKE_BUILD_TYPE=Release >"$WORK/cmake.log" 2>&1; then
  tail -n 40 "$WORK/cmake.log"; exit 1
fi
cmake --build "$WORK/build" -j "$(nproc)" --target offline_m_step 2>&1 |
    grep -E "error|undefined reference" | head -n 40
# Named pids: a bare `wait` would also wait for the tee above, forever.
for pid in "${unpacking[@]}"; do wait "$pid"; done
[[ -x $WORK/build/offline_m_step ]] || { echo "build failed"; exit 1; }
ls -la "$WORK/data"
echo "built and unpacked in $(($(date +%s) - start)) s"
echo "== runs, ${SECONDS_PER_RUN} s each, all at once"
export LD_LIBRARY_PATH="$ROOT/.gpu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
pids=()
for run in "${RUNS[@]}"; do
  read -r name flags <<<"$run"
  mkdir -p "$WORK/runs/$name"
  # --episodes=<file>[,<file>...] are resolved in the unpacked data folder.
  # shellcheck disable=SC2086
  set -- $flags
  args=()
  for a in "$@"; do
    case $a in
      --episodes=*) args+=("--episodes=$(tr ',' '\n' <<<"${a#--episodes=}" |
                                          sed "s#^#$WORK/data/#" | paste -sd,)") ;;
      *) args+=("$a") ;;
    esac
  done
  "$WORK/build/offline_m_step" --device="${HEM_DEVICE:-cuda}" --seconds="$SECONDS_PER_RUN" \
      --out_dir="$WORK/runs/$name" "${args[@]}" >"$WORK/runs/$name/table.md" 2>&1 &
  pids+=($!)
  echo "started $name: ${args[*]}"
done
(sleep 60 && nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader) &
smi=$!
for pid in "${pids[@]}"; do wait "$pid"; done
kill "$smi" 2>/dev/null
for run in "${RUNS[@]}"; do
  read -r name _ <<<"$run"
  echo "== $name"
  cat "$WORK/runs/$name/table.md"
  # Weights are ~1 MB each and a file back is at most 16 MiB: keep at most
  # 12, evenly spaced, always the last.
  mapfile -t weights < <(ls "$WORK/runs/$name"/w_*.bin 2>/dev/null)
  n=${#weights[@]}
  if ((n > 12)); then
    for ((i = 0; i < n - 1; ++i)); do
      (((i + 1) * 11 % (n - 1) < 11)) || rm -f "${weights[i]}"
    done
  fi
  tar -C "$WORK/runs" -czf "$OUT_DIR/$name.tar.gz" "$name"
done
ls -la "$OUT_DIR"
echo "done in $(($(date +%s) - start)) s"
