#include "common/tensor_codec.h"

#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using ::testing::HasSubstr;

TEST(TensorCodec, Float32RoundTripKeepsShapeAndValues) {
  const std::vector<float> values = {1.5f, -2.0f, 0.0f, 3.25f, 1e-7f, -1e9f};
  hem::v1::Tensor tensor;
  EncodeTensor<float>(values, {2, 3}, &tensor);
  EXPECT_EQ(tensor.dtype(), hem::v1::DTYPE_FLOAT32);
  EXPECT_THAT(tensor.shape(), ::testing::ElementsAre(2, 3));
  EXPECT_EQ(tensor.data().size(), 6 * sizeof(float));
  auto decoded = DecodeTensor<float>(tensor, "x");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, values);
  EXPECT_TRUE(CheckTensor(tensor, hem::v1::DTYPE_FLOAT32, {2, 3}, "x").ok());
  EXPECT_TRUE(CheckTensor(tensor, hem::v1::DTYPE_FLOAT32, {-1, 3}, "x").ok());
}

TEST(TensorCodec, RoundTripsEveryDtypeThroughSerialization) {
  hem::v1::Tensor u8, i32, i64;
  EncodeTensor<uint8_t>(std::vector<uint8_t>{0, 255, 7}, {3}, &u8);
  EncodeTensor<int32_t>(std::vector<int32_t>{-5, 1 << 30}, {2}, &i32);
  EncodeTensor<int64_t>(std::vector<int64_t>{int64_t{1} << 40}, {1}, &i64);
  for (hem::v1::Tensor* t : {&u8, &i32, &i64}) {
    hem::v1::Tensor parsed;
    ASSERT_TRUE(parsed.ParseFromString(t->SerializeAsString()));
    *t = parsed;
  }
  EXPECT_THAT(*DecodeTensor<uint8_t>(u8, "u8"), ::testing::ElementsAre(0, 255, 7));
  EXPECT_THAT(*DecodeTensor<int32_t>(i32, "i32"),
              ::testing::ElementsAre(-5, 1 << 30));
  EXPECT_THAT(*DecodeTensor<int64_t>(i64, "i64"),
              ::testing::ElementsAre(int64_t{1} << 40));
}

TEST(TensorCodec, SpanViewsDataWithoutCopy) {
  hem::v1::Tensor tensor;
  std::vector<float> values(64);
  for (int i = 0; i < 64; ++i) values[i] = i * 0.5f;
  EncodeTensor<float>(values, {8, 8}, &tensor);
  auto span = TensorSpan<float>(tensor, "x");
  ASSERT_TRUE(span.ok()) << span.status();
  EXPECT_EQ(static_cast<const void*>(span->data()),
            static_cast<const void*>(tensor.data().data()));
  EXPECT_EQ((*span)[63], 31.5f);
}

TEST(TensorCodec, WrongByteCountNamesFieldAndSizes) {
  hem::v1::Tensor tensor;
  EncodeTensor<float>(std::vector<float>{1, 2, 3}, {3}, &tensor);
  tensor.mutable_data()->pop_back();
  absl::Status status = ValidateTensor(tensor, "trajectory.actions");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("trajectory.actions: "));
  EXPECT_THAT(status.message(), HasSubstr("needs 12 bytes, got 11"));
}

TEST(TensorCodec, WrongDtypeIsRejectedByDecodeAndCheck) {
  hem::v1::Tensor tensor;
  EncodeTensor<uint8_t>(std::vector<uint8_t>{1, 2, 3, 4}, {4}, &tensor);
  auto decoded = DecodeTensor<float>(tensor, "observations");
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(decoded.status().message(),
              HasSubstr("observations: expected dtype FLOAT32, got UINT8"));
  EXPECT_FALSE(CheckTensor(tensor, hem::v1::DTYPE_FLOAT32, {4}, "o").ok());
}

TEST(TensorCodec, WrongShapeIsRejected) {
  hem::v1::Tensor tensor;
  EncodeTensor<float>(std::vector<float>(6), {2, 3}, &tensor);
  absl::Status status =
      CheckTensor(tensor, hem::v1::DTYPE_FLOAT32, {3, 2}, "achieved_goals");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("achieved_goals: expected shape [3, 2] (-1 = any), got [2, 3]"));
  EXPECT_FALSE(CheckTensor(tensor, hem::v1::DTYPE_FLOAT32, {6}, "a").ok());
}

TEST(TensorCodec, UnknownDtypeNegativeAndHugeShapesAreRejected) {
  hem::v1::Tensor unknown;
  unknown.set_dtype(static_cast<hem::v1::DType>(42));
  EXPECT_THAT(ValidateTensor(unknown, "t").message(), HasSubstr("unknown dtype 42"));

  hem::v1::Tensor negative;
  negative.set_dtype(hem::v1::DTYPE_FLOAT32);
  negative.add_shape(-2);
  EXPECT_THAT(ValidateTensor(negative, "t").message(),
              HasSubstr("negative dimension"));

  hem::v1::Tensor huge;
  huge.set_dtype(hem::v1::DTYPE_FLOAT32);
  for (int i = 0; i < 4; ++i) huge.add_shape(int64_t{1} << 20);
  EXPECT_THAT(ValidateTensor(huge, "t").message(), HasSubstr("too large"));
}

TEST(TensorCodec, NanAndInfAreReportedWithTheirIndex) {
  hem::v1::Tensor tensor;
  EncodeTensor<float>(
      std::vector<float>{0, 1, std::numeric_limits<float>::quiet_NaN()}, {3},
      &tensor);
  absl::Status status = CheckFinite(tensor, "desired_goal");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("desired_goal: element 2 is not finite"));

  EncodeTensor<float>(
      std::vector<float>{std::numeric_limits<float>::infinity()}, {1}, &tensor);
  EXPECT_FALSE(CheckFinite(tensor, "x").ok());
  EncodeTensor<float>(std::vector<float>{1, 2}, {2}, &tensor);
  EXPECT_TRUE(CheckFinite(tensor, "x").ok());
}

TEST(TensorCodec, ScalarAndEmptyTensorsAreValid) {
  hem::v1::Tensor scalar;
  EncodeTensor<float>(std::vector<float>{4}, {}, &scalar);
  EXPECT_TRUE(ValidateTensor(scalar, "s").ok());
  hem::v1::Tensor empty;
  EncodeTensor<float>(std::vector<float>{}, {0, 5}, &empty);
  EXPECT_TRUE(ValidateTensor(empty, "e").ok());
  EXPECT_TRUE(DecodeTensor<float>(empty, "e")->empty());
}

}  // namespace
}  // namespace hem
