// Tells ThreadSanitizer about Abseil's synchronisation. Debian's Abseil is
// built without TSan, so TSan cannot see that absl::Mutex::Unlock in one
// thread happens before Lock in the next, and would report every
// ABSL_GUARDED_BY field as racy. This file, linked into every binary of the
// TSan build, defines the public entry points of absl::Mutex, CondVar and
// Notification: each calls Abseil's own (found with dlsym(RTLD_NEXT)) and
// adds the happens-before edge TSan needs (__tsan_release before giving a
// lock up, __tsan_acquire after getting it). Calls from the shared
// libraries (gRPC uses absl::Mutex) reach these too, through the PLT
// (-rdynamic exports them).
#include "common/tsan/thread_sanitizer.h"

#ifdef HEM_THREAD_SANITIZER

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);

namespace {

// Abseil's definition of the function whose mangled name is `name`.
template <typename Fn>
Fn Real(const char* name) {
  void* symbol = dlsym(RTLD_NEXT, name);
  if (symbol == nullptr) {
    std::fprintf(stderr, "tsan support: %s not found in Abseil\n", name);
    std::abort();
  }
  return reinterpret_cast<Fn>(symbol);
}

#define HEM_REAL(type, name)                           \
  static const auto real = Real<type>(name);

void Acquire(const void* p) { __tsan_acquire(const_cast<void*>(p)); }
void Release(const void* p) { __tsan_release(const_cast<void*>(p)); }

using MutexFn = void (*)(absl::Mutex*);
using TryFn = bool (*)(absl::Mutex*);
using WhenFn = void (*)(absl::Mutex*, const absl::Condition*);
using WhenTimeoutFn = bool (*)(absl::Mutex*, const absl::Condition*, absl::Duration);
using WhenDeadlineFn = bool (*)(absl::Mutex*, const absl::Condition*, absl::Time);
using WaitFn = void (*)(absl::CondVar*, absl::Mutex*);
using WaitTimeoutFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Duration);
using WaitDeadlineFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Time);
using NotifyFn = void (*)(absl::Notification*);
using AwaitNoteFn = void (*)(const absl::Notification*);
using AwaitNoteTimeoutFn = bool (*)(const absl::Notification*, absl::Duration);
using AwaitNoteDeadlineFn = bool (*)(const absl::Notification*, absl::Time);

// Notification's flag, read by its inline HasBeenNotified(): an atomic load
// TSan sees, of a store it does not.
const void* Flag(const absl::Notification* n) {
  return reinterpret_cast<const char*>(n) + sizeof(absl::Mutex);
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  HEM_REAL(MutexFn, "_ZN4absl7debian35Mutex4LockEv");
  real(this);
  Acquire(this);
}
void Mutex::Unlock() {
  HEM_REAL(MutexFn, "_ZN4absl7debian35Mutex6UnlockEv");
  Release(this);
  real(this);
}
void Mutex::ReaderLock() {
  HEM_REAL(MutexFn, "_ZN4absl7debian35Mutex10ReaderLockEv");
  real(this);
  Acquire(this);
}
void Mutex::ReaderUnlock() {
  HEM_REAL(MutexFn, "_ZN4absl7debian35Mutex12ReaderUnlockEv");
  Release(this);
  real(this);
}
bool Mutex::TryLock() {
  HEM_REAL(TryFn, "_ZN4absl7debian35Mutex7TryLockEv");
  const bool locked = real(this);
  if (locked) Acquire(this);
  return locked;
}
bool Mutex::ReaderTryLock() {
  HEM_REAL(TryFn, "_ZN4absl7debian35Mutex13ReaderTryLockEv");
  const bool locked = real(this);
  if (locked) Acquire(this);
  return locked;
}
void Mutex::LockWhen(const Condition& cond) {
  HEM_REAL(WhenFn, "_ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE");
  real(this, &cond);
  Acquire(this);
}
void Mutex::ReaderLockWhen(const Condition& cond) {
  HEM_REAL(WhenFn, "_ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE");
  real(this, &cond);
  Acquire(this);
}
bool Mutex::LockWhenWithTimeout(const Condition& cond, Duration timeout) {
  HEM_REAL(WhenTimeoutFn,
           "_ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  const bool met = real(this, &cond, timeout);
  Acquire(this);
  return met;
}
bool Mutex::LockWhenWithDeadline(const Condition& cond, Time deadline) {
  HEM_REAL(WhenDeadlineFn,
           "_ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  const bool met = real(this, &cond, deadline);
  Acquire(this);
  return met;
}
bool Mutex::ReaderLockWhenWithTimeout(const Condition& cond, Duration timeout) {
  HEM_REAL(WhenTimeoutFn,
           "_ZN4absl7debian35Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_"
           "8DurationE");
  const bool met = real(this, &cond, timeout);
  Acquire(this);
  return met;
}
bool Mutex::ReaderLockWhenWithDeadline(const Condition& cond, Time deadline) {
  HEM_REAL(WhenDeadlineFn,
           "_ZN4absl7debian35Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_"
           "4TimeE");
  const bool met = real(this, &cond, deadline);
  Acquire(this);
  return met;
}
void Mutex::Await(const Condition& cond) {
  HEM_REAL(WhenFn, "_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE");
  Release(this);
  real(this, &cond);
  Acquire(this);
}
bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  HEM_REAL(WhenTimeoutFn,
           "_ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  Release(this);
  const bool met = real(this, &cond, timeout);
  Acquire(this);
  return met;
}
bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  HEM_REAL(WhenDeadlineFn,
           "_ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  Release(this);
  const bool met = real(this, &cond, deadline);
  Acquire(this);
  return met;
}

void CondVar::Wait(Mutex* mu) {
  HEM_REAL(WaitFn, "_ZN4absl7debian37CondVar4WaitEPNS0_5MutexE");
  Release(mu);
  real(this, mu);
  Acquire(mu);
}
bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  HEM_REAL(WaitTimeoutFn,
           "_ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  Release(mu);
  const bool timed_out = real(this, mu, timeout);
  Acquire(mu);
  return timed_out;
}
bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  HEM_REAL(WaitDeadlineFn,
           "_ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  Release(mu);
  const bool timed_out = real(this, mu, deadline);
  Acquire(mu);
  return timed_out;
}

void Notification::Notify() {
  HEM_REAL(NotifyFn, "_ZN4absl7debian312Notification6NotifyEv");
  Release(this);
  Release(Flag(this));
  real(this);
}
void Notification::WaitForNotification() const {
  HEM_REAL(AwaitNoteFn, "_ZNK4absl7debian312Notification19WaitForNotificationEv");
  real(this);
  Acquire(this);
}
bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  HEM_REAL(AwaitNoteTimeoutFn,
           "_ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE");
  const bool notified = real(this, timeout);
  if (notified) Acquire(this);
  return notified;
}
bool Notification::WaitForNotificationWithDeadline(Time deadline) const {
  HEM_REAL(AwaitNoteDeadlineFn,
           "_ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE");
  const bool notified = real(this, deadline);
  if (notified) Acquire(this);
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl

#endif
