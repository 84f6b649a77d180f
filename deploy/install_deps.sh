#!/usr/bin/env bash
# Installs every Debian 12 package hem needs to build, run, test and plot.
# Idempotent: does nothing (and needs no network) when all are present.
# Works as root or through sudo.
#
#   deploy/install_deps.sh           install what is missing
#   deploy/install_deps.sh --check   only report what is missing (exit 1 if any)
set -euo pipefail

PACKAGES=(
  # Build
  bazel-bootstrap g++ protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libgrpc++-dev libabsl-dev libtorch-dev libmujoco-dev libqhull-dev
  libegl-dev libegl-mesa0 libgl1-mesa-dri libpng-dev zlib1g-dev
  # Tests and benchmarks; clang for thread-safety analysis, sanitizers and
  # libFuzzer (its runtimes are in libclang-rt-14-dev; llvm symbolises).
  libgtest-dev libgmock-dev libbenchmark-dev prometheus
  clang libclang-rt-14-dev llvm
  # Run time: OpenBLAS (LibTorch's matrix products are ~4x slower on the
  # reference BLAS Debian selects by default), plots, process tools.
  libopenblas0-pthread gnuplot-nox procps
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  echo "hem: missing Debian packages: ${missing[*]}" >&2
  echo "hem: install them with: deploy/install_deps.sh" >&2
  exit 1
fi

if [[ $(id -u) -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "hem: need root to install: ${missing[*]}" >&2
  echo "hem: run as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "hem: installing ${#missing[@]} Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq "${missing[@]}"

# Make sure LibTorch picks up OpenBLAS rather than the reference BLAS.
openblas=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
if [[ -e "$openblas" ]]; then
  "${SUDO[@]}" update-alternatives --set libblas.so.3-x86_64-linux-gnu "$openblas" >/dev/null 2>&1 || true
fi
echo "hem: dependencies installed"
