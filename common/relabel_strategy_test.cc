#include "common/relabel_strategy.h"

#include "gtest/gtest.h"

namespace hem {
namespace {

TEST(RelabelStrategy, EveryNameRoundTrips) {
  for (auto strategy : {hem::v1::RELABEL_NONE, hem::v1::RELABEL_FUTURE,
                        hem::v1::RELABEL_FINAL, hem::v1::RELABEL_EPISODE,
                        hem::v1::RELABEL_RANDOM, hem::v1::RELABEL_STRATEGY_UNSPECIFIED}) {
    EXPECT_EQ(ParseRelabelStrategy(RelabelStrategyName(strategy)).value(), strategy);
  }
  // Every value of the proto enum has a name.
  const auto* descriptor = hem::v1::RelabelStrategy_descriptor();
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const auto strategy = static_cast<hem::v1::RelabelStrategy>(descriptor->value(i)->number());
    EXPECT_EQ(RelabelStrategyName(strategy).find("unknown"), std::string::npos)
        << descriptor->value(i)->name();
  }
}

TEST(RelabelStrategy, CaseAndEmpty) {
  EXPECT_EQ(ParseRelabelStrategy("Future").value(), hem::v1::RELABEL_FUTURE);
  EXPECT_EQ(ParseRelabelStrategy("").value(), hem::v1::RELABEL_STRATEGY_UNSPECIFIED);
}

TEST(RelabelStrategy, UnknownNameListsTheKnownOnes) {
  absl::StatusOr<hem::v1::RelabelStrategy> bad = ParseRelabelStrategy("sometimes");
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("'sometimes'"), absl::string_view::npos);
  EXPECT_NE(bad.status().message().find("future"), absl::string_view::npos);
  EXPECT_EQ(RelabelStrategyName(static_cast<hem::v1::RelabelStrategy>(99)), "unknown(99)");
}

}  // namespace
}  // namespace hem
