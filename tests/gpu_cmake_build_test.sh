#!/usr/bin/env bash
# The GPU check's standalone build (deploy/gpu/: CMake, no Bazel) against
# Debian's CPU LibTorch: prepare.sh's carried dependencies, the CMake
# configure and build, m_step_device_benchmark training on the CPU, and the
# probe split across machines (deploy/gpu/offline_m_step.sh): episodes
# saved by the Bazel-built encoder_probe, learned from by the CMake-built
# offline_m_step, its weights tested back by encoder_probe. A
# GPU machine is lent to only some sessions, and this build broke unseen
# between two loans (a source file and zlib missing from the CMake list);
# building it here keeps it whole. Prints GoogleTest-style result lines so
# tests/run_tests.sh counts the case.
set -uo pipefail
root="${TEST_SRCDIR:-$PWD/..}/hem"
work="${TEST_TMPDIR:-/tmp}/gpu_cmake_build"
case_name="GpuCmakeBuild.BuildsAndTrainsOnTheCpu"
echo "[ RUN      ] $case_name"
start=$(date +%s)
finish() {
  local elapsed=$(($(date +%s) - start))
  if (($1 == 0)); then echo "[       OK ] $case_name ($((elapsed * 1000)) ms)"; exit 0; fi
  echo "[  FAILED  ] $case_name ($((elapsed * 1000)) ms)"
  exit 1
}
torch_cmake=/usr/lib/x86_64-linux-gnu/cmake
[[ -f "$torch_cmake/Torch/TorchConfig.cmake" ]] || { echo "FAILED: no $torch_cmake/Torch (libtorch-dev)"; finish 1; }
command -v cmake >/dev/null || { echo "FAILED: no cmake (deploy/install_deps.sh installs it)"; finish 1; }
rm -rf "$work"
mkdir -p "$work"
"$root/deploy/gpu/prepare.sh" "$work/deps" || { echo "FAILED: prepare.sh"; finish 1; }
if ! cmake -S "$root/deploy/gpu" -B "$work/build" -DCMAKE_PREFIX_PATH="$torch_cmake" \
    -DHEM_DEPS="$work/deps" -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1; then
  tail -n 30 "$work/configure.log"
  echo "FAILED: cmake configure"
  finish 1
fi
if ! cmake --build "$work/build" -j 2 >"$work/build.log" 2>&1; then
  grep -E "error|undefined reference" "$work/build.log" | head -n 30
  echo "FAILED: cmake build"
  finish 1
fi
out=$(LD_LIBRARY_PATH="$work/deps/lib" "$work/build/m_step_device_benchmark" --envs=fetch_reach \
    --batch_sizes=64 --devices=cpu --seconds=0.3 2>&1)
echo "$out"
# A table row with a positive rate: "| fetch_reach | 64 | 12345 |".
awk -F'|' '$2 ~ /fetch_reach/ && $3 + 0 == 64 && $4 + 0 > 0 { found = 1 } END { exit !found }' \
    <<<"$out" || { echo "FAILED: no CPU samples/s row for fetch_reach, batch 64"; finish 1; }

probe="${TEST_SRCDIR:-$PWD/..}/hem/tests/encoder_probe"
out=$("$probe" --mode=m_step --envs=reacher --episodes=20 --updates=0 --test_episodes=1 \
    --save_episodes="$work/reacher.ep" 2>&1) || { echo "$out"; echo "FAILED: --save_episodes"; finish 1; }
mkdir -p "$work/weights"
out=$(LD_LIBRARY_PATH="$work/deps/lib" "$work/build/offline_m_step" --env=reacher \
    --episodes="$work/reacher.ep" --device=cpu --max_updates=200 --snapshot_every=100 \
    --out_dir="$work/weights" 2>&1)
echo "$out"
grep -q "^| 200 | 12800 |" <<<"$out" && [[ -f $work/weights/w_000000100.bin && -f $work/weights/w_000000200.bin ]] ||
    { echo "FAILED: offline_m_step wrote no row or weights for 100 and 200 updates"; finish 1; }
out=$("$probe" --mode=evaluate --envs=reacher --test_episodes=2 \
    --weights="$work/weights/w_000000200.bin" 2>&1)
echo "$out"
grep -q "^| $work/weights/w_000000200.bin | 0\.[0-9][0-9] | " <<<"$out" ||
    { echo "FAILED: encoder_probe --mode=evaluate printed no row for the weights"; finish 1; }
finish 0
