// ThreadSanitizer's built-in suppressions and options for hem's TSan build:
// reports are suppressed only when a frame lies in a third-party library
// built without TSan (its own synchronisation is invisible to TSan, so
// TSan sees races where there are none). Nothing in hem's code is
// suppressed. docs/RELIABILITY.md lists them with the reason.
#include "common/tsan/thread_sanitizer.h"

#ifdef HEM_THREAD_SANITIZER

extern "C" const char* __tsan_default_suppressions() {
  return
      // LibTorch and its OpenMP / BLAS thread pools.
      "race:libtorch_cpu.so\n"
      "race:libc10.so\n"
      "race:libgomp.so\n"
      "race:libopenblas\n"
      "race:libblas.so\n"
      "called_from_lib:libtorch_cpu.so\n"
      "called_from_lib:libgomp.so\n"
      // gRPC and protobuf: a message or buffer handed between threads
      // through gRPC's completion queues and pollers (gpr_mu, its atomics)
      // looks unsynchronised from outside. Races between hem's own threads
      // have no such frame and are still reported.
      "race:libgrpc.so\n"
      "race:libgrpc++.so\n"
      "race:libgpr.so\n"
      "race:libprotobuf.so\n"
      "race:libupb.so\n"
      // gRPC's inline templates (call ops, sync streams) compiled into
      // hem's libraries: the same handoffs, seen from a header frame.
      "race:/usr/include/grpcpp/\n"
      "called_from_lib:libgrpc.so\n"
      "called_from_lib:libgpr.so\n"
      // Abseil's own internals (its mutexes are annotated by
      // absl_sync_annotations.cc).
      "race:libabsl_\n"
      "deadlock:libabsl_\n";
}

extern "C" const char* __tsan_default_options() {
  return "second_deadlock_stack=1:history_size=4";
}

#endif
