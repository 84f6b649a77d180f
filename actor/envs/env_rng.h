// A small, portable random source for environment resets.
//
// Resets must be reproducible from the seed alone on every platform and
// standard library, so this avoids <random>'s distributions (whose output is
// implementation-defined) and uses SplitMix64 with explicit conversions.
#ifndef HEM_ACTOR_ENVS_ENV_RNG_H_
#define HEM_ACTOR_ENVS_ENV_RNG_H_

#include <cstdint>

namespace hem {

class EnvRng {
 public:
  explicit EnvRng(uint64_t seed) : state_(seed ^ 0x6a09e667f3bcc909ull) {}

  uint64_t NextU64() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return (NextU64() >> 11) * (1.0 / 9007199254740992.0); }

  // Uniform in [low, high).
  double Uniform(double low, double high) {
    return low + (high - low) * Uniform();
  }

  // Uniform integer in [0, n). REQUIRES: n > 0. The modulo bias (< n / 2^64)
  // is irrelevant for the small n used here.
  int UniformInt(int n) { return static_cast<int>(NextU64() % static_cast<uint64_t>(n)); }

 private:
  uint64_t state_;
};

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_ENV_RNG_H_
