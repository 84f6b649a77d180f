#include "common/heap_tuning.h"

#include <malloc.h>

#include <cstdlib>

namespace hem {

bool KeepLargeBuffersInHeap() {
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr ||
      std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr) {
    return false;
  }
  // 32 MB is glibc's ceiling for the threshold on 64-bit systems; larger
  // blocks still get their own mapping.
  const bool mmap_set = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
  const bool trim_set = mallopt(M_TRIM_THRESHOLD, -1) == 1;
  return mmap_set && trim_set;
}

}  // namespace hem
