#include "common/shard_addresses.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseAddressList, AcceptsHostPortsAndBarePorts) {
  auto list = ParseAddressList("localhost:9000, 9001,127.0.0.2:9002", "replay");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(*list, ElementsAre("localhost:9000", "127.0.0.1:9001",
                                 "127.0.0.2:9002"));
}

TEST(ParseAddressList, ErrorsNameTheFlag) {
  EXPECT_THAT(ParseAddressList("", "replay").status().message(),
              HasSubstr("--replay: no addresses"));
  EXPECT_THAT(ParseAddressList("host:99999", "replay").status().message(),
              HasSubstr("--replay: 'host:99999' is not host:port"));
  EXPECT_THAT(ParseAddressList("a:1,a:1", "shards").status().message(),
              HasSubstr("--shards: 'a:1' is listed twice"));
  EXPECT_FALSE(ParseAddressList(":80", "x").ok());
}

TEST(ParseAddressList, KeepsRendezvousEntriesForLater) {
  auto list = ParseAddressList("rdzv:replay/0, 127.0.0.1:9001,rdzv:replay/1", "replay");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(*list, ElementsAre("rdzv:replay/0", "127.0.0.1:9001", "rdzv:replay/1"));
  EXPECT_THAT(ParseAddressList("rdzv:replay", "replay").status().message(),
              HasSubstr("--replay: 'rdzv:replay' is not rdzv:<role>/<index>"));
  EXPECT_THAT(ParseAddressList("rdzv:replay/0,rdzv:replay/0", "replay").status().message(),
              HasSubstr("is listed twice"));
}

TEST(ShardForEpisode, IsStableInRangeAndBalanced) {
  constexpr int kShards = 4;
  std::vector<int> counts(kShards);
  for (uint64_t actor = 0; actor < 8; ++actor) {
    for (uint64_t episode = 0; episode < 1000; ++episode) {
      const int shard = ShardForEpisode(actor, episode, kShards);
      ASSERT_GE(shard, 0);
      ASSERT_LT(shard, kShards);
      EXPECT_EQ(shard, ShardForEpisode(actor, episode, kShards));
      ++counts[shard];
    }
  }
  for (int count : counts) EXPECT_NEAR(count, 2000, 200);
  EXPECT_EQ(ShardForEpisode(3, 5, 1), 0);
}

}  // namespace
}  // namespace hem
