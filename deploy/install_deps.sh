#!/usr/bin/env bash
# Installs every Debian 12 package hem needs to build, run, test and plot.
# Idempotent: does nothing (and needs no network) when all are present.
# Works as root or through sudo.
#
#   deploy/install_deps.sh           install what is missing
#   deploy/install_deps.sh --check   only report what is missing (exit 1 if any)
#   deploy/install_deps.sh --debian_only   only the Debian packages, no npm (the
#                                    container image, deploy/k8s/Dockerfile)
set -euo pipefail

PACKAGES=(
  # Build
  bazel-bootstrap g++ protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libgrpc++-dev libabsl-dev libtorch-dev libmujoco-dev libqhull-dev
  libegl-dev libegl-mesa0 libgl1-mesa-dri libpng-dev zlib1g-dev
  # cblas.h and libopenblas.so for the actors' lean MLP (learner/lean_mlp.h).
  libopenblas-pthread-dev
  # Tests and benchmarks; clang for thread-safety analysis, sanitizers and
  # libFuzzer (its runtimes are in libclang-rt-14-dev; llvm symbolises).
  libgtest-dev libgmock-dev libbenchmark-dev prometheus
  clang libclang-rt-14-dev llvm
  # Run time: OpenBLAS (LibTorch's matrix products are ~4x slower on the
  # reference BLAS Debian selects by default), plots, process tools.
  libopenblas0-pthread gnuplot-nox procps
  # A run's TLS certificates and token (deploy/make_credentials.sh).
  openssl
  # Tests: hosts as network namespaces (tests/netns_lib.sh), and a real YAML
  # parser for the generated Kubernetes manifests (deploy/k8s/check_manifests.py).
  iproute2 python3-yaml
  # The Slurm backend (sbatch, srun, scancel, squeue, scontrol: slurm-client)
  # and its test (tests/slurm_test.sh): a real one-node Slurm (slurmctld,
  # slurmd) authenticated by munge.
  slurm-client slurmctld slurmd munge
  # Every process's /metrics and the run's dashboard over HTTP(S)
  # (common/http_server.h): cpp-httplib, built against OpenSSL.
  libcpp-httplib-dev libssl-dev
  # The dashboard's browser test: headless Chromium (driven by playwright-core);
  # curl queries Prometheus's HTTP API in the monitoring test.
  chromium curl
  # The GPU check's build (deploy/gpu/CMakeLists.txt), tested here against
  # Debian's LibTorch (tests/gpu_cmake_build_test.sh).
  cmake
)
# npm fetches the dashboard's chart library and the browser test's driver
# (below); a Node.js that brings its own npm needs no Debian npm.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$package")
  fi
done

# Packages from npm, pinned by each package-lock.json: uPlot for the
# dashboard (deploy/dashboard/), playwright-core for the browser test
# (tests/browser/). No browser is downloaded: the test uses Debian's chromium.
NPM_DIRS=(deploy/dashboard tests/browser)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
npm_missing=()
for dir in "${NPM_DIRS[@]}"; do
  # npm ci records what it installed here; an older or missing record
  # means the lock file changed since.
  if [[ ! "$ROOT/$dir/node_modules/.package-lock.json" -nt "$ROOT/$dir/package-lock.json" ]]; then
    npm_missing+=("$dir")
  fi
done
MODE=${1:-}
install_npm() {
  # The container image has no repository checkout to install into.
  [[ "$MODE" == "--debian_only" ]] && return 0
  for dir in "${npm_missing[@]}"; do
    echo "hem: npm ci in $dir"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$ROOT/$dir" --no-audit --no-fund \
        --loglevel=error || { echo "hem: npm ci failed in $dir" >&2; exit 1; }
  done
}

if [[ ${#missing[@]} -eq 0 ]]; then
  if [[ ${#npm_missing[@]} -gt 0 && "${1:-}" == "--check" ]]; then
    echo "hem: npm packages missing in: ${npm_missing[*]} (deploy/install_deps.sh)" >&2
    exit 1
  fi
  install_npm
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
install_npm
echo "hem: dependencies installed"
