// Makes OpenBLAS use the matrix kernels this CPU can run. Debian 12's
// OpenBLAS (0.3.21) does not recognise newer x86 CPUs (Sapphire Rapids, the
// project's machine, is one) and falls back to its generic "Prescott" (SSE3)
// kernels, which made the M-step 3x slower here (31 k vs 90 k samples/s,
// fetch_reach, batch 256, one thread). OpenBLAS picks its kernels once, when
// the library loads, from OPENBLAS_CORETYPE or CPU detection; so the only
// fix from inside a program is to set the variable and start again.
#ifndef HEM_COMMON_BLAS_CORE_H_
#define HEM_COMMON_BLAS_CORE_H_

#include <string>

namespace hem {

// The OpenBLAS core this CPU should use when OpenBLAS fell back to a generic
// one: "SkylakeX" with AVX-512 (F, CD, BW, DQ, VL), "Haswell" with AVX2 and
// FMA; "" when OpenBLAS is not loaded, recognised the CPU, or the user set
// OPENBLAS_CORETYPE.
std::string PreferredBlasCore();

// When PreferredBlasCore() is not "", sets OPENBLAS_CORETYPE and re-executes
// this program with the same arguments (once: the variable is then set).
// Call first thing in main, before any thread starts. Returns only when no
// re-execution was needed or it failed (then the program runs as it is).
void ReexecWithPreferredBlasCore(char** argv);

}  // namespace hem

#endif  // HEM_COMMON_BLAS_CORE_H_
