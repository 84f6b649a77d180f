// Publishing and resolving addresses through a shared directory.
#include "common/rendezvous.h"

#include <atomic>
#include <cstdlib>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string TestDir() {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

TEST(Rendezvous, ParsesNames) {
  absl::StatusOr<RendezvousName> name = ParseRendezvousAddress("rdzv:replay/3");
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(name->role, "replay");
  EXPECT_EQ(name->index, 3u);
  EXPECT_EQ(name->FileName(), "replay-3");
  for (const char* bad : {"rdzv:replay", "rdzv:/0", "rdzv:replay/x", "rdzv:Re play/0",
                          "replay/0", "rdzv:replay/-1"}) {
    EXPECT_THAT(ParseRendezvousAddress(bad).status().message(),
                HasSubstr("is not rdzv:<role>/<index>"))
        << bad;
  }
  EXPECT_TRUE(IsRendezvousAddress("rdzv:learner/0"));
  EXPECT_FALSE(IsRendezvousAddress("127.0.0.1:7001"));
}

TEST(Rendezvous, PublishedAddressResolves) {
  const std::string dir = TestDir() + "/nested/rdzv";  // Created by Publish.
  ASSERT_TRUE(PublishAddress(dir, "replay", 1, "node7:7002").ok());
  absl::StatusOr<std::string> address = ResolveAddress(dir, "rdzv:replay/1", absl::Seconds(1));
  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(*address, "node7:7002");
  // A restarted process overwrites its own entry.
  ASSERT_TRUE(PublishAddress(dir, "replay", 1, "node8:7002").ok());
  EXPECT_EQ(*ResolveAddress(dir, "rdzv:replay/1", absl::Seconds(1)), "node8:7002");
}

TEST(Rendezvous, WaitsForALateProcess) {
  const std::string dir = TestDir();
  std::thread late([&dir] {
    absl::SleepFor(absl::Milliseconds(300));
    ASSERT_TRUE(PublishAddress(dir, "learner", 0, "10.0.0.2:7100").ok());
  });
  absl::StatusOr<std::vector<std::string>> addresses = ResolveAddresses(
      dir, {"127.0.0.1:7001", "rdzv:learner/0"}, absl::Seconds(10));
  late.join();
  ASSERT_TRUE(addresses.ok()) << addresses.status();
  EXPECT_THAT(*addresses, ElementsAre("127.0.0.1:7001", "10.0.0.2:7100"));
}

TEST(Rendezvous, MissingProcessTimesOutNamingItsFile) {
  const std::string dir = TestDir();
  const absl::Time start = absl::Now();
  const absl::Status status =
      ResolveAddress(dir, "rdzv:replay/4", absl::Milliseconds(300)).status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(status.message(), HasSubstr(dir + "/replay-4 did not appear within 300ms"));
}

TEST(Rendezvous, StopEndsTheWait) {
  std::atomic<bool> stop{true};
  EXPECT_EQ(ResolveAddress(TestDir(), "rdzv:actor/0", absl::Hours(1), &stop).status().code(),
            absl::StatusCode::kCancelled);
}

TEST(Rendezvous, NeedsADirectoryAndAnAddressInTheFile) {
  EXPECT_THAT(ResolveAddress("", "rdzv:replay/0", absl::Seconds(1)).status().message(),
              HasSubstr("rendezvous_dir: not set"));
  // Without rdzv: entries, no directory is needed.
  EXPECT_TRUE(ResolveAddresses("", {"127.0.0.1:1"}, absl::Seconds(1)).ok());
  const std::string dir = TestDir();
  ASSERT_TRUE(PublishAddress(dir, "replay", 0, "garbage").ok());
  EXPECT_THAT(ResolveAddress(dir, "rdzv:replay/0", absl::Seconds(1)).status().message(),
              HasSubstr("holds 'garbage', not host:port"));
}

}  // namespace
}  // namespace hem
