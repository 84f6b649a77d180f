#!/usr/bin/env bash
# Regenerates every fuzz target's seed corpus (checked in under
# <package>/fuzz/corpus/<target>/) from real inputs written by hem's own code.
# Run after a format changes; the *_seeds_test targets replay them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
for package in common replay_service learner; do
  rm -rf "$package/fuzz/corpus"
  bazel run "//$package/fuzz:make_seeds" -- "$PWD/$package/fuzz/corpus"
done
