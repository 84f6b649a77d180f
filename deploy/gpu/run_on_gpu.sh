#!/usr/bin/env bash
# Runs on the GPU machine (the `device` tool, with .gpu carried): builds
# m_step_device_benchmark against the CUDA LibTorch of the machine's PyTorch
# and measures the M-step on the CPU and on CUDA, same batches, side by side.
# Output: the table on stdout, and copies under $OUT when set.
#
#   deploy/gpu/prepare.sh                     # here, once
#   bash deploy/gpu/run_on_gpu.sh [benchmark flags]   # there
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT_DIR=${OUT:-/tmp/hem-gpu-out}
mkdir -p "$OUT_DIR"
exec > >(tee "$OUT_DIR/gpu_check.log") 2>&1
PY=$(command -v python3)
TORCH_PREFIX=$("$PY" -c 'import torch; print(torch.utils.cmake_prefix_path)')
echo "== machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cxx11 abi", torch._C._GLIBCXX_USE_CXX11_ABI)'
nproc
echo "== build"
start=$(date +%s)
cmake -S "$ROOT/deploy/gpu" -B /tmp/hem-gpu-build -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" \
    -DHEM_DEPS="$ROOT/.gpu" -DCMAKE_BUILD_TYPE=Release >/tmp/hem-cmake.log 2>&1 \
  || { tail -n 40 /tmp/hem-cmake.log; exit 1; }
cmake --build /tmp/hem-gpu-build -j "$(nproc)" 2>&1 | grep -E "error|Error|undefined reference|warning: unused|Linking|Built" | head -n 60
[[ -x /tmp/hem-gpu-build/m_step_device_benchmark ]] || { echo "build failed"; exit 1; }
echo "built in $(( $(date +%s) - start )) s"
echo "== benchmark"
# One CPU thread, as the learner on the 2-core machine runs; and all cores.
export OMP_NUM_THREADS=1
# Transitive Abseil dependencies are found through the search path, not the
# binary's runpath (which covers direct ones only).
export LD_LIBRARY_PATH="$ROOT/.gpu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
/tmp/hem-gpu-build/m_step_device_benchmark "$@"
