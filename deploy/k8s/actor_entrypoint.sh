#!/bin/sh
# The actor pods' entry point (deploy/k8s/manifests.h). Pods of a Deployment
# have no index, only a unique name (hem-actor-<template hash>-<random>), so
# each actor takes its --actor_id from its pod name (POD_NAME, the downward
# API's metadata.name): 2^32 + the name's CRC-32 (cksum), above every id the
# local plan uses (actors 0..N-1, the evaluator 1000). The id is fixed for the
# pod's life, restarts of its container included, so a restarted actor keeps
# its id (and, with fresh episode ids, never repeats an episode); a pod that
# replaces another one, or one `kubectl scale` adds, is a new actor. Two pod
# names with the same CRC-32 would share an id: for N actors that has
# probability about N^2 / 2^33 (1e-6 at N = 100).
set -eu
: "${POD_NAME:?set POD_NAME to the pod name (env valueFrom fieldRef metadata.name)}"
crc=$(printf '%s' "$POD_NAME" | cksum | cut -d' ' -f1)
exec /opt/hem/bin/actor/actor --actor_id=$((4294967296 + crc)) "$@"
