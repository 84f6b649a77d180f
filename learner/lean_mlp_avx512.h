// One dense layer, y = x W^T + b (then ReLU if asked), for the small batches
// actors run (1 to a few hundred rows), on AVX-512 with weights packed once
// per policy version into the order its register tiles read them.
//
// Why not just sgemm: a general sgemm re-packs W on every call and tiles for
// large matrices; at 16 rows through a 256x256 layer OpenBLAS 0.3.21 reaches
// ~65 GFLOP/s on this machine's core, this kernel ~130 (peak ~173). Each tile
// keeps 6 rows x 64 outputs of accumulators in 24 zmm registers and streams
// W once per tile from a [inputs][64] panel, so the loop is bound by FMAs.
//
// Only this file's functions are compiled for AVX-512 (function attributes,
// not a -m flag), so the rest of the program runs on any x86-64; callers
// check Avx512Supported() first.
#ifndef HEM_LEARNER_LEAN_MLP_AVX512_H_
#define HEM_LEARNER_LEAN_MLP_AVX512_H_

#include <cstddef>
#include <vector>

namespace hem {

// True when this CPU runs AVX-512F instructions.
bool Avx512Supported();

class Avx512Dense {
 public:
  // `weight` is [outputs, inputs] row-major (LibTorch's Linear layout),
  // `bias` [outputs]. Both are copied (packed).
  Avx512Dense(const float* weight, const float* bias, int inputs, int outputs);

  // y[r, :] = x[r, :] W^T + b for r < rows, then max(0, .) if relu. x rows
  // are `ldx` floats apart, y rows `ldy`. REQUIRES: Avx512Supported().
  void Forward(const float* x, size_t ldx, int rows, bool relu, float* y,
               size_t ldy) const;

  int inputs() const { return inputs_; }
  int outputs() const { return outputs_; }

 private:
  const float* packed() const { return storage_.data() + offset_; }

  int inputs_ = 0;
  int outputs_ = 0;
  // Blocks of up to 64 outputs, each [inputs][16 * zmm-per-block] with the
  // last block's columns zero-padded to a multiple of 16; 64-byte aligned
  // from offset_ (a split load costs a second cache-line access).
  std::vector<float> storage_;
  size_t offset_ = 0;
  std::vector<float> bias_;  // Zero-padded to a multiple of 16.
};

}  // namespace hem

#endif  // HEM_LEARNER_LEAN_MLP_AVX512_H_
