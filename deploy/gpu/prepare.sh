#!/usr/bin/env bash
# Prepares, on this Debian 12 machine, what deploy/gpu/CMakeLists.txt needs
# to build the learner's LibTorch parts elsewhere: the hem protos compiled by
# Debian's protoc, and Debian's protobuf, Abseil and zlib headers and shared
# libraries (the GPU machine has a CUDA LibTorch but neither of these).
# Writes .gpu/ (git-ignored) in the repository root, or the folder given.
#
#   deploy/gpu/prepare.sh && du -sh .gpu
#   deploy/gpu/prepare.sh /tmp/deps
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:-$ROOT/.gpu}
LIBDIR=/usr/lib/x86_64-linux-gnu
rm -rf "$OUT"
mkdir -p "$OUT/gen" "$OUT/include/google" "$OUT/lib"
cd "$ROOT"
protoc -I. --cpp_out="$OUT/gen" proto/tensor.proto proto/env_spec.proto proto/policy.proto \
    proto/batch.proto
cp -r /usr/include/absl "$OUT/include/"
cp -r /usr/include/google/protobuf "$OUT/include/google/"
cp /usr/include/zlib.h /usr/include/zconf.h "$OUT/include/"
# Copied under their SONAMEs, which is what the dynamic linker looks for.
for lib in "$LIBDIR"/libprotobuf.so "$LIBDIR"/libz.so "$LIBDIR"/libabsl_*.so; do
  soname=$(objdump -p "$lib" | awk '/SONAME/ { print $2 }')
  cp -L "$lib" "$OUT/lib/$soname"
done
echo "prepared $OUT: $(du -sh "$OUT" | cut -f1), $(ls "$OUT/lib" | wc -l) libraries"
