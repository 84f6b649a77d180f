// A small, fast pseudo-random generator for the sampling hot path.
//
// xoshiro256++ (Blackman & Vigna) seeded through SplitMix64: a few cycles per
// draw, no allocation, and a fixed sequence per seed so tests and learners can
// reproduce a stream of batches. Not for anything security related.
#ifndef HEM_REPLAY_SERVICE_RANDOM_H_
#define HEM_REPLAY_SERVICE_RANDOM_H_

#include <cstdint>

#include "common/mix.h"

namespace hem {

class FastRng {
 public:
  explicit FastRng(uint64_t seed) {
    uint64_t x = seed;
    for (uint64_t& word : state_) word = hem::SplitMix64(&x);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(state_[0] + state_[3], 23) + state_[0];
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // Uniform integer in [0, n). REQUIRES: n >= 1. Lemire's multiply-shift; the
  // bias is below n / 2^64, far under anything a test could detect.
  uint64_t Uniform(uint64_t n) {
    return static_cast<uint64_t>(
        (static_cast<unsigned __int128>(Next()) * n) >> 64);
  }

  // Uniform double in [0, 1).
  double UniformDouble() { return (Next() >> 11) * 0x1.0p-53; }

  // True with probability p (p <= 0: never, p >= 1: always).
  bool Bernoulli(double p) {
    if (p >= 1.0) return true;
    if (p <= 0.0) return false;
    return UniformDouble() < p;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_RANDOM_H_
