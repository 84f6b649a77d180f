#include "common/heap_tuning.h"

#include <sys/resource.h>

#include <cstdlib>
#include <cstring>

#include "gtest/gtest.h"

namespace hem {
namespace {

long MinorFaults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// Two 16 MB buffers allocated, written and freed per step, as a training
// step's activations are. Without the tuning glibc maps each of them afresh
// every step (each is at least the threshold it adapted to), so every page
// faults again; with it the freed blocks are reused.
long FaultsPerStep(int steps) {
  constexpr size_t kBytes = 16 << 20;
  long faults = 0;
  for (int step = 0; step < steps; ++step) {
    const long before = MinorFaults();
    char* a = static_cast<char*>(std::malloc(kBytes));
    char* b = static_cast<char*>(std::malloc(kBytes));
    std::memset(a, step, kBytes);
    std::memset(b, step + 1, kBytes);
    // Keeps the writes from being optimised away.
    EXPECT_EQ(a[kBytes - 1] + 1, b[kBytes - 1]);
    std::free(b);
    std::free(a);
    if (step > 0) faults += MinorFaults() - before;  // The first step maps the heap.
  }
  return faults / (steps - 1);
}

TEST(HeapTuningTest, LargeBuffersAreReusedInsteadOfRemapped) {
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr ||
      std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr) {
    GTEST_SKIP() << "MALLOC_*_THRESHOLD_ set in the environment: the tuning steps aside";
  }
  ASSERT_TRUE(KeepLargeBuffersInHeap());
  const long pages_per_step = 2 * (16 << 20) / 4096;
  const long faults = FaultsPerStep(10);
  EXPECT_LT(faults, pages_per_step / 10) << "pages per step: " << pages_per_step;
}

}  // namespace
}  // namespace hem
