// SplitMix64 (Steele, Lea & Flood, 2014): scrambles 64 bits so that nearby
// inputs give unrelated outputs. Unlike absl::Hash, which is seeded per
// process, it is stable across processes and builds, so episode routing,
// episode seeds and generator seeding agree on every machine of a cluster.
#ifndef HEM_COMMON_MIX_H_
#define HEM_COMMON_MIX_H_

#include <cstdint>

namespace hem {

inline constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ull;

// The SplitMix64 finaliser: a bijection on 64-bit values.
inline uint64_t MixBits(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// One step of the SplitMix64 generator: advances *state, returns the output.
inline uint64_t SplitMix64(uint64_t* state) {
  *state += kGoldenGamma;
  return MixBits(*state);
}

}  // namespace hem

#endif  // HEM_COMMON_MIX_H_
