// A bounded, closable, multi-producer multi-consumer FIFO queue: the one way
// hem threads hand work to each other (decoded batches to the training
// thread, weight snapshots to the publisher, ...).
//
// Invariant: 0 <= size() <= capacity. Push blocks while the queue is full and
// Pop while it is empty, each until the other side makes room, the timeout
// passes, or Close() is called. After Close() no Push succeeds, and Pop still
// drains what was queued before returning CANCELLED, so a consumer never
// loses an item a producer was told was accepted.
//
//   Queue<Batch> queue(8);
//   producer: if (!queue.Push(std::move(batch)).ok()) return;  // Closed.
//   consumer: absl::StatusOr<Batch> batch = queue.Pop(absl::Milliseconds(100));
//   shutdown: queue.Close();  // Wakes every waiter on both sides.
#ifndef HEM_COMMON_QUEUE_H_
#define HEM_COMMON_QUEUE_H_

#include <cstddef>
#include <deque>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace hem {

template <typename T>
class Queue {
 public:
  // REQUIRES: capacity >= 1.
  explicit Queue(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // Appends `item`, waiting up to `timeout` for room. CANCELLED once closed
  // (the item is dropped), DEADLINE_EXCEEDED if still full at the timeout.
  absl::Status Push(T item, absl::Duration timeout = absl::InfiniteDuration())
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    const auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || items_.size() < capacity_;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&room), timeout)) {
      return absl::DeadlineExceededError("queue: full");
    }
    if (closed_) return absl::CancelledError("queue: closed");
    items_.push_back(std::move(item));
    return absl::OkStatus();
  }

  // Appends `item` without waiting; when full, the oldest item is dropped to
  // make room. With capacity 1 this is a "latest value" slot: a slow consumer
  // skips to the newest item. CANCELLED once closed.
  absl::Status PushDroppingOldest(T item) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (closed_) return absl::CancelledError("queue: closed");
    if (items_.size() >= capacity_) items_.pop_front();
    items_.push_back(std::move(item));
    return absl::OkStatus();
  }

  // Removes the oldest item, waiting up to `timeout` for one.
  // DEADLINE_EXCEEDED if none arrived in time; CANCELLED once the queue is
  // closed and empty.
  absl::StatusOr<T> Pop(absl::Duration timeout = absl::InfiniteDuration())
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    const auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || !items_.empty();
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    if (items_.empty()) {
      if (closed_) return absl::CancelledError("queue: closed");
      return absl::DeadlineExceededError("queue: empty");
    }
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  // Rejects further pushes and wakes every waiting Push and Pop. Idempotent.
  void Close() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

  bool closed() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return closed_;
  }
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return items_.size();
  }
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<T> items_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace hem

#endif  // HEM_COMMON_QUEUE_H_
