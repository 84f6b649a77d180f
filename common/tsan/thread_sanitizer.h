// HEM_THREAD_SANITIZER is defined when compiling with -fsanitize=thread
// (clang or gcc), so TSan-only code compiles to nothing elsewhere.
#ifndef HEM_COMMON_TSAN_THREAD_SANITIZER_H_
#define HEM_COMMON_TSAN_THREAD_SANITIZER_H_

#if defined(__SANITIZE_THREAD__)
#define HEM_THREAD_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HEM_THREAD_SANITIZER 1
#endif
#endif

#endif  // HEM_COMMON_TSAN_THREAD_SANITIZER_H_
