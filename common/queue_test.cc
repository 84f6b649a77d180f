#include "common/queue.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

TEST(Queue, FifoOrder) {
  Queue<int> queue(4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(queue.Push(i).ok());
  EXPECT_EQ(queue.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(queue.Pop().value(), i);
  EXPECT_EQ(queue.size(), 0u);
}

TEST(Queue, PopTimesOutWhenEmpty) {
  Queue<int> queue(1);
  const absl::Time start = absl::Now();
  absl::StatusOr<int> item = queue.Pop(absl::Milliseconds(50));
  EXPECT_TRUE(absl::IsDeadlineExceeded(item.status())) << item.status();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(45));
}

TEST(Queue, FullQueueBlocksTheProducerUntilAPop) {
  Queue<int> queue(1);
  ASSERT_TRUE(queue.Push(1).ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(queue.Push(2, absl::Milliseconds(20))));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    EXPECT_TRUE(queue.Push(2).ok());
    pushed = true;
  });
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(pushed.load()) << "Push returned while the queue was full";
  EXPECT_EQ(queue.Pop().value(), 1);
  producer.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(queue.Pop().value(), 2);
}

TEST(Queue, FullQueueBlocksTheProducerUntilClose) {
  Queue<int> queue(1);
  ASSERT_TRUE(queue.Push(1).ok());
  absl::Status result;
  std::thread producer([&] { result = queue.Push(2); });
  absl::SleepFor(absl::Milliseconds(50));
  queue.Close();
  producer.join();
  EXPECT_TRUE(absl::IsCancelled(result)) << result;
}

TEST(Queue, CloseWakesEveryWaiter) {
  Queue<int> empty(2);
  Queue<int> full(1);
  ASSERT_TRUE(full.Push(0).ok());
  constexpr int kWaiters = 4;
  std::atomic<int> woken{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&] {
      if (absl::IsCancelled(empty.Pop().status())) ++woken;
    });
    threads.emplace_back([&] {
      if (absl::IsCancelled(full.Push(1))) ++woken;
    });
  }
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(woken.load(), 0);
  empty.Close();
  full.Close();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(woken.load(), 2 * kWaiters);
}

TEST(Queue, PopDrainsAfterCloseThenSaysCancelled) {
  Queue<std::string> queue(3);
  ASSERT_TRUE(queue.Push("a").ok());
  ASSERT_TRUE(queue.Push("b").ok());
  queue.Close();
  EXPECT_TRUE(queue.closed());
  EXPECT_TRUE(absl::IsCancelled(queue.Push("c")));
  EXPECT_EQ(queue.Pop().value(), "a");
  EXPECT_EQ(queue.Pop().value(), "b");
  EXPECT_TRUE(absl::IsCancelled(queue.Pop().status()));
}

TEST(Queue, PushDroppingOldestKeepsTheNewest) {
  Queue<int> latest(1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(latest.PushDroppingOldest(i).ok());
  EXPECT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest.Pop().value(), 4);
  Queue<int> two(2);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(two.PushDroppingOldest(i).ok());
  EXPECT_EQ(two.Pop().value(), 3);
  EXPECT_EQ(two.Pop().value(), 4);
  two.Close();
  EXPECT_TRUE(absl::IsCancelled(two.PushDroppingOldest(5)));
}

TEST(Queue, MoveOnlyItemsAndManyThreads) {
  Queue<std::unique_ptr<int>> queue(3);
  constexpr int kProducers = 3, kItems = 2000;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kItems; ++i) {
        ASSERT_TRUE(queue.Push(std::make_unique<int>(p * kItems + i)).ok());
      }
    });
  }
  std::vector<int> seen(kProducers * kItems, 0);
  std::vector<int> last(kProducers, -1);
  for (int n = 0; n < kProducers * kItems; ++n) {
    std::unique_ptr<int> item = queue.Pop().value();
    ++seen[*item];
    const int producer = *item / kItems;
    EXPECT_GT(*item % kItems, last[producer]) << "one producer's items out of order";
    last[producer] = *item % kItems;
  }
  for (std::thread& t : producers) t.join();
  for (int count : seen) EXPECT_EQ(count, 1);
}

}  // namespace
}  // namespace hem
