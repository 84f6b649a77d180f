// The AVX-512 dense layer (see lean_mlp_avx512.h).
#include "learner/lean_mlp_avx512.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#define HEM_AVX512 __attribute__((target("avx512f")))

namespace hem {
namespace {

constexpr int kLanes = 16;          // floats per zmm register.
constexpr int kMaxVectors = 4;      // zmm columns per tile: 64 outputs.
constexpr int kBlock = kLanes * kMaxVectors;
constexpr int kTileRows = 6;        // 6 x 4 accumulators + 4 weights + 1 input < 32 zmm.

int VectorsFor(int columns) { return (columns + kLanes - 1) / kLanes; }

// One tile: rows [0, MR) x columns [0, 16 V) of the block whose panel is `w`
// ([k][16 V]). Columns beyond the layer's outputs are masked off in the last
// vector (`last`).
template <int MR, int V>
HEM_AVX512 void Tile(const float* x, size_t ldx, const float* w, int inputs,
                     const float* bias, bool relu, float* y, size_t ldy, __mmask16 last) {
  __m512 acc[MR][V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    const __m512 b = _mm512_loadu_ps(bias + kLanes * v);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) acc[r][v] = b;
  }
  for (int k = 0; k < inputs; ++k) {
    __m512 wk[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) wk[v] = _mm512_load_ps(w + static_cast<size_t>(k) * kLanes * V + kLanes * v);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const __m512 xr = _mm512_set1_ps(x[r * ldx + k]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_ps(xr, wk[v], acc[r][v]);
    }
  }
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      // (_mm512_max_ps's undefined pass-through operand trips GCC 12's
      // -Wmaybe-uninitialized; the all-lanes masked form is the same
      // instruction.)
      const __m512 out =
          relu ? _mm512_mask_max_ps(acc[r][v], 0xffff, acc[r][v], zero) : acc[r][v];
      float* dst = y + r * ldy + kLanes * v;
      if (v == V - 1) {
        _mm512_mask_storeu_ps(dst, last, out);
      } else {
        _mm512_storeu_ps(dst, out);
      }
    }
  }
}

// Every row of one block, in tiles of kTileRows and one tail tile.
template <int V>
HEM_AVX512 void Block(const float* x, size_t ldx, int rows, const float* w, int inputs,
                      const float* bias, bool relu, float* y, size_t ldy, __mmask16 last) {
  int r = 0;
  for (; r + kTileRows <= rows; r += kTileRows) {
    Tile<kTileRows, V>(x + r * ldx, ldx, w, inputs, bias, relu, y + r * ldy, ldy, last);
  }
  const float* xr = x + r * ldx;
  float* yr = y + r * ldy;
  switch (rows - r) {
    case 1: Tile<1, V>(xr, ldx, w, inputs, bias, relu, yr, ldy, last); break;
    case 2: Tile<2, V>(xr, ldx, w, inputs, bias, relu, yr, ldy, last); break;
    case 3: Tile<3, V>(xr, ldx, w, inputs, bias, relu, yr, ldy, last); break;
    case 4: Tile<4, V>(xr, ldx, w, inputs, bias, relu, yr, ldy, last); break;
    case 5: Tile<5, V>(xr, ldx, w, inputs, bias, relu, yr, ldy, last); break;
    default: break;
  }
}

}  // namespace

bool Avx512Supported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}

Avx512Dense::Avx512Dense(const float* weight, const float* bias, int inputs, int outputs)
    : inputs_(inputs), outputs_(outputs) {
  const int padded = VectorsFor(outputs) * kLanes;
  storage_.assign(static_cast<size_t>(inputs) * padded + kLanes, 0.0f);
  const uintptr_t address = reinterpret_cast<uintptr_t>(storage_.data());
  offset_ = ((64 - address % 64) % 64) / sizeof(float);
  float* panel = storage_.data() + offset_;
  for (int start = 0; start < outputs; start += kBlock) {
    const int width = VectorsFor(std::min(kBlock, outputs - start)) * kLanes;
    for (int k = 0; k < inputs; ++k) {
      for (int j = 0; j < width && start + j < outputs; ++j) {
        panel[static_cast<size_t>(k) * width + j] =
            weight[static_cast<size_t>(start + j) * inputs + k];
      }
    }
    panel += static_cast<size_t>(inputs) * width;
  }
  bias_.assign(padded, 0.0f);
  std::copy(bias, bias + outputs, bias_.begin());
}

void Avx512Dense::Forward(const float* x, size_t ldx, int rows, bool relu, float* y,
                          size_t ldy) const {
  const float* panel = packed();
  for (int start = 0; start < outputs_; start += kBlock) {
    const int columns = std::min(kBlock, outputs_ - start);
    const int vectors = VectorsFor(columns);
    const int tail = columns - (vectors - 1) * kLanes;
    const __mmask16 last = static_cast<__mmask16>((1u << tail) - 1);
    const float* b = bias_.data() + start;
    float* out = y + start;
    switch (vectors) {
      case 1: Block<1>(x, ldx, rows, panel, inputs_, b, relu, out, ldy, last); break;
      case 2: Block<2>(x, ldx, rows, panel, inputs_, b, relu, out, ldy, last); break;
      case 3: Block<3>(x, ldx, rows, panel, inputs_, b, relu, out, ldy, last); break;
      default: Block<4>(x, ldx, rows, panel, inputs_, b, relu, out, ldy, last); break;
    }
    panel += static_cast<size_t>(inputs_) * vectors * kLanes;
  }
}

}  // namespace hem
