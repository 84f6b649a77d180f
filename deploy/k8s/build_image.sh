#!/usr/bin/env bash
# Builds the container image of deploy/k8s/Dockerfile: builds hem's
# binaries with Bazel (unless --bin_dir names built ones), stages a build
# context (the Dockerfile, deploy/install_deps.sh and the binaries, copied
# from Bazel's symlinked outputs), and runs `docker build` (or podman).
#
#   deploy/k8s/build_image.sh [--tag=hem:latest] [--bin_dir=bazel-bin] [--push]
#   deploy/k8s/build_image.sh --stage_only=DIR     # only stage the context
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

TAG=hem:latest
BIN_DIR=""
PUSH=0
STAGE_ONLY=""
for arg in "$@"; do
  case "$arg" in
    --tag=*) TAG=${arg#*=} ;;
    --bin_dir=*) BIN_DIR=${arg#*=} ;;
    --push) PUSH=1 ;;
    --stage_only=*) STAGE_ONLY=${arg#*=} ;;
    *) echo "build_image.sh: unknown flag '$arg'" >&2; exit 2 ;;
  esac
done

# The binaries the manifests run, as paths under bin/ (kImageBinDir).
BINARIES=(replay_service/replay_server learner/learner actor/actor deploy/cluster_status)
if [[ -z "$BIN_DIR" ]]; then
  (cd "$ROOT" && bazel build //replay_service:replay_server //learner //actor \
      //deploy:cluster_status)
  BIN_DIR="$ROOT/bazel-bin"
fi

if [[ -n "$STAGE_ONLY" ]]; then
  CONTEXT=$STAGE_ONLY
  mkdir -p "$CONTEXT"
else
  CONTEXT=$(mktemp -d /tmp/hem-image.XXXXXX)
  trap 'rm -rf "$CONTEXT"' EXIT
fi
mkdir -p "$CONTEXT/deploy/k8s" "$CONTEXT/bin/deploy/k8s"
cp "$ROOT/deploy/k8s/Dockerfile" "$CONTEXT/deploy/k8s/Dockerfile"
cp "$ROOT/deploy/install_deps.sh" "$CONTEXT/deploy/install_deps.sh"
for binary in "${BINARIES[@]}"; do
  [[ -x "$BIN_DIR/$binary" ]] || { echo "build_image.sh: missing $BIN_DIR/$binary" >&2; exit 1; }
  mkdir -p "$CONTEXT/bin/$(dirname "$binary")"
  cp -L "$BIN_DIR/$binary" "$CONTEXT/bin/$binary"
done
cp "$ROOT/deploy/k8s/actor_entrypoint.sh" "$CONTEXT/bin/deploy/k8s/actor_entrypoint.sh"
if [[ -n "$STAGE_ONLY" ]]; then
  echo "build_image.sh: build context staged in $CONTEXT"
  exit 0
fi

ENGINE=$(command -v docker || command -v podman || true)
[[ -n "$ENGINE" ]] || { echo "build_image.sh: neither docker nor podman found" >&2; exit 1; }
"$ENGINE" build -f "$CONTEXT/deploy/k8s/Dockerfile" -t "$TAG" "$CONTEXT"
((PUSH)) && "$ENGINE" push "$TAG"
echo "build_image.sh: built $TAG"
