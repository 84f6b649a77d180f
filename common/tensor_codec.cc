#include "common/tensor_codec.h"

#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hem {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "hem's wire format is little-endian and decoded with memcpy");

std::string ShapeString(absl::Span<const int64_t> shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

absl::Status Invalid(absl::string_view field, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", reason));
}

}  // namespace

int DTypeSize(hem::v1::DType dtype) {
  switch (dtype) {
    case hem::v1::DTYPE_FLOAT32:
    case hem::v1::DTYPE_INT32:
      return 4;
    case hem::v1::DTYPE_UINT8:
      return 1;
    case hem::v1::DTYPE_INT64:
      return 8;
    default:
      return 0;
  }
}

absl::string_view DTypeName(hem::v1::DType dtype) {
  switch (dtype) {
    case hem::v1::DTYPE_FLOAT32:
      return "FLOAT32";
    case hem::v1::DTYPE_UINT8:
      return "UINT8";
    case hem::v1::DTYPE_INT32:
      return "INT32";
    case hem::v1::DTYPE_INT64:
      return "INT64";
    default:
      return "UNSPECIFIED";
  }
}

int64_t NumElements(absl::Span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

absl::Status ValidateTensor(const hem::v1::Tensor& tensor,
                            absl::string_view field) {
  const int element_size = DTypeSize(tensor.dtype());
  if (element_size == 0) {
    return Invalid(field, absl::StrCat("unknown dtype ",
                                       static_cast<int>(tensor.dtype())));
  }
  // Guard the product against overflow from hostile shapes: anything over
  // 2^40 elements cannot be a real message anyway.
  constexpr int64_t kMaxElements = int64_t{1} << 40;
  int64_t n = 1;
  for (int64_t d : tensor.shape()) {
    if (d < 0) {
      return Invalid(field, absl::StrCat("negative dimension in shape ",
                                         ShapeString(tensor.shape())));
    }
    if (d != 0 && n > kMaxElements / d) {
      return Invalid(field, absl::StrCat("shape ", ShapeString(tensor.shape()),
                                         " is too large"));
    }
    n *= d;
  }
  const uint64_t expected_bytes = static_cast<uint64_t>(n) * element_size;
  if (tensor.data().size() != expected_bytes) {
    return Invalid(field,
                   absl::StrCat("shape ", ShapeString(tensor.shape()), " of ",
                                DTypeName(tensor.dtype()), " needs ",
                                expected_bytes, " bytes, got ",
                                tensor.data().size()));
  }
  return absl::OkStatus();
}

absl::Status CheckTensor(const hem::v1::Tensor& tensor, hem::v1::DType dtype,
                         absl::Span<const int64_t> shape,
                         absl::string_view field) {
  if (tensor.dtype() != dtype) {
    return Invalid(field, absl::StrCat("expected dtype ", DTypeName(dtype),
                                       ", got ", DTypeName(tensor.dtype())));
  }
  bool shape_ok = tensor.shape_size() == static_cast<int>(shape.size());
  for (int i = 0; shape_ok && i < tensor.shape_size(); ++i) {
    shape_ok = shape[i] == -1 || shape[i] == tensor.shape(i);
  }
  if (!shape_ok) {
    return Invalid(field, absl::StrCat("expected shape ", ShapeString(shape),
                                       " (-1 = any), got ",
                                       ShapeString(tensor.shape())));
  }
  return ValidateTensor(tensor, field);
}

absl::Status CheckFinite(const hem::v1::Tensor& tensor,
                         absl::string_view field) {
  const size_t n = tensor.data().size() / sizeof(float);
  const char* bytes = tensor.data().data();
  for (size_t i = 0; i < n; ++i) {
    float value;
    std::memcpy(&value, bytes + i * sizeof(float), sizeof(float));
    if (!std::isfinite(value)) {
      return Invalid(field, absl::StrCat("element ", i, " is not finite (",
                                         value, ")"));
    }
  }
  return absl::OkStatus();
}

template <typename T>
void EncodeTensor(absl::Span<const T> values, absl::Span<const int64_t> shape,
                  hem::v1::Tensor* tensor) {
  tensor->set_dtype(DTypeOf<T>::value);
  tensor->mutable_shape()->Assign(shape.begin(), shape.end());
  tensor->set_data(reinterpret_cast<const char*>(values.data()),
                   values.size() * sizeof(T));
}

template <typename T>
absl::StatusOr<absl::Span<const T>> TensorSpan(const hem::v1::Tensor& tensor,
                                               absl::string_view field) {
  if (tensor.dtype() != DTypeOf<T>::value) {
    return Invalid(field, absl::StrCat("expected dtype ",
                                       DTypeName(DTypeOf<T>::value), ", got ",
                                       DTypeName(tensor.dtype())));
  }
  absl::Status status = ValidateTensor(tensor, field);
  if (!status.ok()) return status;
  // protobuf's std::string storage is at least 8-byte aligned for heap
  // strings; short strings live inline and may not be, so check.
  if (reinterpret_cast<uintptr_t>(tensor.data().data()) % alignof(T) != 0) {
    return absl::InternalError(
        absl::StrCat(field, ": tensor data is misaligned for a view; use "
                            "DecodeTensor"));
  }
  return absl::MakeConstSpan(reinterpret_cast<const T*>(tensor.data().data()),
                             tensor.data().size() / sizeof(T));
}

template <typename T>
absl::StatusOr<std::vector<T>> DecodeTensor(const hem::v1::Tensor& tensor,
                                            absl::string_view field) {
  if (tensor.dtype() != DTypeOf<T>::value) {
    return Invalid(field, absl::StrCat("expected dtype ",
                                       DTypeName(DTypeOf<T>::value), ", got ",
                                       DTypeName(tensor.dtype())));
  }
  absl::Status status = ValidateTensor(tensor, field);
  if (!status.ok()) return status;
  std::vector<T> values(tensor.data().size() / sizeof(T));
  if (!values.empty()) {
    std::memcpy(values.data(), tensor.data().data(), tensor.data().size());
  }
  return values;
}

#define HEM_INSTANTIATE_TENSOR_CODEC(T)                                      \
  template void EncodeTensor<T>(absl::Span<const T>,                         \
                                absl::Span<const int64_t>, hem::v1::Tensor*); \
  template absl::StatusOr<absl::Span<const T>> TensorSpan<T>(               \
      const hem::v1::Tensor&, absl::string_view);                             \
  template absl::StatusOr<std::vector<T>> DecodeTensor<T>(                  \
      const hem::v1::Tensor&, absl::string_view);

HEM_INSTANTIATE_TENSOR_CODEC(float)
HEM_INSTANTIATE_TENSOR_CODEC(uint8_t)
HEM_INSTANTIATE_TENSOR_CODEC(int32_t)
HEM_INSTANTIATE_TENSOR_CODEC(int64_t)

#undef HEM_INSTANTIATE_TENSOR_CODEC

}  // namespace hem
