// Conversions between hem.v1.Tensor and contiguous host buffers, with the
// validation every receiver needs before trusting bytes off the wire.
//
// Every fallible call takes the name of the field being read ("observations",
// "trajectory.actions", ...) and returns INVALID_ARGUMENT with a message of the
// form "<field>: <reason>", so a rejected RPC tells the sender exactly what was
// wrong. Data is packed little-endian, which is also the host order on every
// platform hem supports (checked at compile time).
#ifndef HEM_COMMON_TENSOR_CODEC_H_
#define HEM_COMMON_TENSOR_CODEC_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "proto/tensor.pb.h"

namespace hem {

// Bytes per element; 0 for DTYPE_UNSPECIFIED or an unknown value.
int DTypeSize(hem::v1::DType dtype);

// "FLOAT32", "UINT8", ... for messages.
absl::string_view DTypeName(hem::v1::DType dtype);

// C++ element type for each dtype.
template <typename T>
struct DTypeOf;
template <>
struct DTypeOf<float> {
  static constexpr hem::v1::DType value = hem::v1::DTYPE_FLOAT32;
};
template <>
struct DTypeOf<uint8_t> {
  static constexpr hem::v1::DType value = hem::v1::DTYPE_UINT8;
};
template <>
struct DTypeOf<int32_t> {
  static constexpr hem::v1::DType value = hem::v1::DTYPE_INT32;
};
template <>
struct DTypeOf<int64_t> {
  static constexpr hem::v1::DType value = hem::v1::DTYPE_INT64;
};

// Number of elements of `shape` (1 for a scalar). REQUIRES: entries >= 0.
int64_t NumElements(absl::Span<const int64_t> shape);

// Checks that the tensor is self-consistent: a known dtype, non-negative
// dimensions, and exactly product(shape) * DTypeSize(dtype) bytes of data.
absl::Status ValidateTensor(const hem::v1::Tensor& tensor,
                            absl::string_view field);

// ValidateTensor, plus the dtype must be `dtype` and the shape must equal
// `shape`, where an entry of -1 in `shape` matches any size.
absl::Status CheckTensor(const hem::v1::Tensor& tensor, hem::v1::DType dtype,
                         absl::Span<const int64_t> shape,
                         absl::string_view field);

// Checks that every element of a float32 tensor is finite (no NaN or Inf).
// REQUIRES: ValidateTensor(tensor) is OK and dtype is FLOAT32.
absl::Status CheckFinite(const hem::v1::Tensor& tensor,
                         absl::string_view field);

// Encodes `values` with `shape` into `tensor`, replacing its contents.
// REQUIRES: values.size() == NumElements(shape).
template <typename T>
void EncodeTensor(absl::Span<const T> values, absl::Span<const int64_t> shape,
                  hem::v1::Tensor* tensor);

// Typed read-only view of a tensor's data. Valid while the tensor lives and
// is not modified. Fails if the tensor is invalid or its dtype is not T's.
template <typename T>
absl::StatusOr<absl::Span<const T>> TensorSpan(const hem::v1::Tensor& tensor,
                                               absl::string_view field);

// Copies a tensor's elements out. Same checks as TensorSpan.
template <typename T>
absl::StatusOr<std::vector<T>> DecodeTensor(const hem::v1::Tensor& tensor,
                                            absl::string_view field);

}  // namespace hem

#endif  // HEM_COMMON_TENSOR_CODEC_H_
