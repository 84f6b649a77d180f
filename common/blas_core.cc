#include "common/blas_core.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace hem {
namespace {

// OpenBLAS's names for kernels that are a fallback on any x86-64 CPU with
// AVX2 (it reports the core it runs, not the CPU's model).
bool IsGenericCore(const char* core) {
  for (const char* generic : {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem",
                              "Atom", "Katmai", "Coppermine", "Northwood", "Banias"}) {
    if (std::strcmp(core, generic) == 0) return true;
  }
  return false;
}

}  // namespace

std::string PreferredBlasCore() {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return "";
  using CoreName = char* (*)();
  auto corename = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (corename == nullptr) return "";  // No OpenBLAS in this process.
  const char* core = corename();
  if (core == nullptr || !IsGenericCore(core)) return "";
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl")) {
    return "SkylakeX";
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return "";
}

void ReexecWithPreferredBlasCore(char** argv) {
  const std::string core = PreferredBlasCore();
  if (core.empty()) return;
  if (setenv("OPENBLAS_CORETYPE", core.c_str(), /*overwrite=*/0) != 0) return;
  execv("/proc/self/exe", argv);
  // Still here: exec failed; run on the generic kernels rather than not at all.
  std::fprintf(stderr, "warning: could not restart with OPENBLAS_CORETYPE=%s: %s\n",
               core.c_str(), std::strerror(errno));
}

}  // namespace hem
