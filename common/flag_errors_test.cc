#include "common/flag_errors.h"

#include "gtest/gtest.h"

namespace hem {
namespace {

constexpr FieldFlag kTable[] = {{"learning_rate", "lr"}, {"shard.num_shards", "num_shards"}};

TEST(FieldErrorToFlagError, RewritesKnownFieldsKeepingTheCode) {
  absl::Status status = FieldErrorToFlagError(
      absl::InvalidArgumentError("learning_rate: -1 must be a positive number"), kTable);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "--lr: -1 must be a positive number");
  EXPECT_EQ(FieldErrorToFlagError(absl::UnavailableError("shard.num_shards: x: y"), kTable)
                .message(),
            "--num_shards: x: y");
}

TEST(FieldErrorToFlagError, LeavesEverythingElseAlone) {
  EXPECT_TRUE(FieldErrorToFlagError(absl::OkStatus(), kTable).ok());
  const absl::Status unknown = absl::InternalError("other_field: broken");
  EXPECT_EQ(FieldErrorToFlagError(unknown, kTable), unknown);
  const absl::Status no_field = absl::InternalError("no colon here");
  EXPECT_EQ(FieldErrorToFlagError(no_field, kTable), no_field);
  // A prefix of a known field is not that field.
  const absl::Status prefix = absl::InternalError("learning: x");
  EXPECT_EQ(FieldErrorToFlagError(prefix, kTable), prefix);
}

}  // namespace
}  // namespace hem
