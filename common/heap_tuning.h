// Keeps large, short-lived buffers in the heap instead of fresh mappings.
//
// glibc's malloc serves requests above its mmap threshold (128 kB at start,
// rising with what is freed, 32 MB at most) with their own mmap and returns
// them with munmap, and trims the heap top back to the kernel when 128 kB is
// free there. A LibTorch update on images allocates and frees tens of MB of
// activations and gradients per step, so every step paid the kernel to map,
// zero-fill on first touch and unmap the same pages again: 18 % of the CNN
// M-step's profile was page faults and unmapping (fetch_reach:image=84,
// batch 64). With the threshold at its maximum and trimming off, freed
// blocks are reused: the same M-step ran 5-38 % faster at 84 px
// (docs/PERFORMANCE.md, "The CNN path").
#ifndef HEM_COMMON_HEAP_TUNING_H_
#define HEM_COMMON_HEAP_TUNING_H_

namespace hem {

// Sets the mmap threshold to 32 MB and disables heap trimming for this
// process, unless the user set MALLOC_MMAP_THRESHOLD_ or
// MALLOC_TRIM_THRESHOLD_ (then glibc's own reading of them stands). Returns
// whether the settings were applied. The cost is memory the process keeps
// after a peak: at most its largest working set, which it needs again at the
// next step anyway.
bool KeepLargeBuffersInHeap();

}  // namespace hem

#endif  // HEM_COMMON_HEAP_TUNING_H_
