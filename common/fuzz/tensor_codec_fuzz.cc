// Fuzzes the tensor codec, the first check every receiver makes on numbers
// off the wire: any bytes as a hem.v1.Tensor through ValidateTensor,
// CheckTensor, CheckFinite and the typed decoders. A tensor that validates
// must decode to exactly product(shape) elements.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "common/tensor_codec.h"
#include "proto/tensor.pb.h"

namespace {

template <typename T>
void Decode(const hem::v1::Tensor& tensor) {
  auto values = hem::DecodeTensor<T>(tensor, "fuzz");
  if (!values.ok()) return;
  if (static_cast<int64_t>(values->size()) != hem::NumElements(tensor.shape())) std::abort();
  auto span = hem::TensorSpan<T>(tensor, "fuzz");
  if (span.ok() && span->size() != values->size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hem::v1::Tensor tensor;
  if (!tensor.ParseFromArray(data, static_cast<int>(size))) return 0;
  if (!hem::ValidateTensor(tensor, "fuzz").ok()) return 0;
  (void)hem::CheckTensor(tensor, tensor.dtype(), {-1, 3}, "fuzz");
  (void)hem::CheckTensor(tensor, hem::v1::DTYPE_FLOAT32, {2, -1, 4}, "fuzz");
  if (tensor.dtype() == hem::v1::DTYPE_FLOAT32) (void)hem::CheckFinite(tensor, "fuzz");
  Decode<float>(tensor);
  Decode<uint8_t>(tensor);
  Decode<int32_t>(tensor);
  Decode<int64_t>(tensor);
  return 0;
}
