#!/usr/bin/env bash
# Launches a hem training cluster on this machine. (Training processes arrive
# with the learner and actors; for now this installs and builds.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
deploy/install_deps.sh
bazel build //...
echo "hem: built. The training cluster (replay shards, learner, actors) is not wired yet."
