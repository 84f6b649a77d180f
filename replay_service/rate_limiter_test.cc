// Tests of the rate limiter: the sample-to-insert band holds under load.
#include "replay_service/rate_limiter.h"

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "replay_service/random.h"

namespace hem {
namespace {

absl::Time Soon() { return absl::Now() + absl::Milliseconds(50); }

TEST(RateLimiter, SamplingWaitsForMinSize) {
  RateLimiterOptions options;
  options.min_size_to_sample = 100;
  RateLimiter limiter(options);
  EXPECT_EQ(limiter.AwaitCanSample(Soon(), nullptr).code(),
            absl::StatusCode::kDeadlineExceeded);
  limiter.Inserted(99);
  EXPECT_EQ(limiter.AwaitCanSample(Soon(), nullptr).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(limiter.AwaitCanInsert(Soon(), nullptr).ok());
  limiter.Inserted(1);
  EXPECT_TRUE(limiter.AwaitCanSample(Soon(), nullptr).ok());
  EXPECT_EQ(limiter.stats().sample_waits, 2);
}

TEST(RateLimiter, BlockedSampleHonoursDeadline) {
  RateLimiterOptions options;
  options.min_size_to_sample = 10;
  RateLimiter limiter(options);
  const absl::Time start = absl::Now();
  const absl::Status status =
      limiter.AwaitCanSample(start + absl::Milliseconds(200), nullptr);
  const absl::Duration waited = absl::Now() - start;
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(waited, absl::Milliseconds(190));
  EXPECT_LT(waited, absl::Seconds(2));
}

TEST(RateLimiter, WaiterWakesWhenTheOtherSideCatchesUp) {
  RateLimiterOptions options;
  options.min_size_to_sample = 10;
  RateLimiter limiter(options);
  std::thread inserter([&] {
    absl::SleepFor(absl::Milliseconds(100));
    limiter.Inserted(10);
  });
  const absl::Time start = absl::Now();
  EXPECT_TRUE(limiter.AwaitCanSample(start + absl::Seconds(10), nullptr).ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  inserter.join();
}

TEST(RateLimiter, CancellationEndsWaits) {
  RateLimiterOptions options;
  options.min_size_to_sample = 10;
  RateLimiter limiter(options);
  std::atomic<bool> gone{false};
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(50));
    gone = true;
  });
  EXPECT_EQ(limiter
                .AwaitCanSample(absl::InfiniteFuture(),
                                [&] { return gone.load(); })
                .code(),
            absl::StatusCode::kCancelled);
  canceller.join();
  std::thread shutdown([&] {
    absl::SleepFor(absl::Milliseconds(50));
    limiter.Cancel();
  });
  EXPECT_EQ(limiter.AwaitCanSample(absl::InfiniteFuture(), nullptr).code(),
            absl::StatusCode::kCancelled);
  shutdown.join();
}

TEST(RateLimiter, InsertBlocksWhenSamplingFallsBehind) {
  RateLimiterOptions options;
  options.min_size_to_sample = 100;
  options.samples_per_insert = 2;
  options.tolerance = 50;
  RateLimiter limiter(options);
  // D = 2 I - S; offset = 200; insert allowed while D <= 250.
  limiter.Inserted(125);  // D = 250.
  EXPECT_TRUE(limiter.AwaitCanInsert(Soon(), nullptr).ok());
  limiter.Inserted(1);  // D = 252.
  EXPECT_EQ(limiter.AwaitCanInsert(Soon(), nullptr).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(limiter.AwaitCanSample(Soon(), nullptr).ok());
  limiter.Sampled(2);  // D = 250.
  EXPECT_TRUE(limiter.AwaitCanInsert(Soon(), nullptr).ok());
  // Sampling may go down to D >= 150, then blocks.
  limiter.Sampled(100);  // D = 150.
  EXPECT_TRUE(limiter.AwaitCanSample(Soon(), nullptr).ok());
  limiter.Sampled(1);  // D = 149.
  EXPECT_EQ(limiter.AwaitCanSample(Soon(), nullptr).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(limiter.stats().insert_waits, 1);
}

// Free-running inserter and sampler threads: the achieved ratio follows
// samples_per_insert and D stays inside the documented band.
TEST(RateLimiter, ConcurrentSidesKeepTheRatio) {
  for (double spi : {0.5, 4.0}) {
    RateLimiterOptions options;
    options.min_size_to_sample = 500;
    options.samples_per_insert = spi;
    options.tolerance = 300;
    RateLimiter limiter(options);
    constexpr int kEpisode = 50;
    constexpr int kBatch = 64;
    std::atomic<bool> stop{false};
    std::thread inserter([&] {
      while (!stop) {
        if (limiter.AwaitCanInsert(absl::Now() + absl::Milliseconds(20), nullptr)
                .ok()) {
          limiter.Inserted(kEpisode);
        }
      }
    });
    std::thread sampler([&] {
      while (!stop) {
        if (limiter.AwaitCanSample(absl::Now() + absl::Milliseconds(20), nullptr)
                .ok()) {
          limiter.Sampled(kBatch);
        }
      }
    });
    absl::SleepFor(absl::Milliseconds(300));
    stop = true;
    inserter.join();
    sampler.join();
    const RateLimiter::Stats stats = limiter.stats();
    const double offset = options.min_size_to_sample * spi;
    const double diff = stats.inserted * spi - stats.sampled;
    EXPECT_GE(diff, offset - options.tolerance - kBatch) << "spi " << spi;
    EXPECT_LE(diff, offset + options.tolerance + kEpisode * spi) << "spi " << spi;
    EXPECT_GT(stats.inserted, 10 * options.min_size_to_sample) << "spi " << spi;
    EXPECT_NEAR(static_cast<double>(stats.sampled) / stats.inserted, spi,
                spi * 0.1);
  }
}

// No configuration deadlocks: from any reachable state either side may
// proceed (checked with zero deadlines along random schedules).
TEST(RateLimiter, NoConfigurationDeadlocks) {
  FastRng rng(17);
  for (int config = 0; config < 200; ++config) {
    RateLimiterOptions options;
    options.min_size_to_sample = 1 + static_cast<int64_t>(rng.Uniform(500));
    options.samples_per_insert = rng.UniformDouble() * 8;
    options.tolerance = rng.Bernoulli(0.3) ? 0 : rng.UniformDouble() * 200;
    RateLimiter limiter(options);
    for (int step = 0; step < 300; ++step) {
      const bool can_insert = limiter.AwaitCanInsert(absl::Now(), nullptr).ok();
      const bool can_sample = limiter.AwaitCanSample(absl::Now(), nullptr).ok();
      ASSERT_TRUE(can_insert || can_sample)
          << "deadlock: min_size " << options.min_size_to_sample << " spi "
          << options.samples_per_insert << " tol " << options.tolerance;
      if (can_sample && (!can_insert || rng.Bernoulli(0.5))) {
        limiter.Sampled(1 + static_cast<int64_t>(rng.Uniform(256)));
      } else {
        limiter.Inserted(1 + static_cast<int64_t>(rng.Uniform(50)));
      }
    }
  }
}

TEST(RateLimiter, RestorePlacesDifferenceInTheBand) {
  RateLimiterOptions options;
  options.min_size_to_sample = 100;
  options.samples_per_insert = 2;
  options.tolerance = 10;
  RateLimiter limiter(options);
  limiter.Restore(10000);
  EXPECT_TRUE(limiter.AwaitCanInsert(Soon(), nullptr).ok());
  EXPECT_TRUE(limiter.AwaitCanSample(Soon(), nullptr).ok());
}

TEST(RateLimiter, ValidatesOptions) {
  RateLimiterOptions options;
  options.min_size_to_sample = 0;
  EXPECT_FALSE(ValidateRateLimiterOptions(options).ok());
  options.min_size_to_sample = 1;
  options.samples_per_insert = -1;
  EXPECT_FALSE(ValidateRateLimiterOptions(options).ok());
  options.samples_per_insert = 1;
  options.tolerance = -1;
  EXPECT_FALSE(ValidateRateLimiterOptions(options).ok());
}

}  // namespace
}  // namespace hem
