// Chunk concatenation driven by Batch's descriptor (see batch_concat.h).
#include "replay_service/batch_concat.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "proto/tensor.pb.h"

namespace hem {
namespace {

using google::protobuf::FieldDescriptor;
using hem::v1::Batch;
using hem::v1::Tensor;

// The non-tensor fields and how they combine: see AppendRows.
constexpr const char* kScalarFields[] = {"spec_id", "size", "num_relabeled"};

bool IsTensorField(const FieldDescriptor* field) {
  return field->type() == FieldDescriptor::TYPE_MESSAGE && !field->is_repeated() &&
         field->message_type() == Tensor::descriptor();
}

bool IsScalarField(const FieldDescriptor* field) {
  for (const char* name : kScalarFields) {
    if (field->name() == name) return true;
  }
  return false;
}

// Batch's fields as the concatenation sees them, read once from the
// descriptor.
struct BatchLayout {
  std::vector<const FieldDescriptor*> tensors;  // Field-number order.
  std::string unhandled;  // Fields neither tensor nor known scalar; "" = none.
};

const BatchLayout& Layout() {
  static const BatchLayout* const layout = [] {
    auto* result = new BatchLayout;
    const google::protobuf::Descriptor* descriptor = Batch::descriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor* field = descriptor->field(i);
      if (IsTensorField(field)) {
        result->tensors.push_back(field);
      } else if (!IsScalarField(field)) {
        absl::StrAppend(&result->unhandled, result->unhandled.empty() ? "" : ", ",
                        field->name());
      }
    }
    return result;
  }();
  return *layout;
}

// The tensor in `field`, or nullptr when the batch does not carry it, so
// absent fields stay absent.
const Tensor* FindTensor(const Batch& batch, const FieldDescriptor* field) {
  const google::protobuf::Reflection* reflection = Batch::GetReflection();
  if (!reflection->HasField(batch, field)) return nullptr;
  return static_cast<const Tensor*>(&reflection->GetMessage(batch, field));
}

Tensor* FindMutableTensor(Batch* batch, const FieldDescriptor* field) {
  const google::protobuf::Reflection* reflection = Batch::GetReflection();
  if (!reflection->HasField(*batch, field)) return nullptr;
  return static_cast<Tensor*>(reflection->MutableMessage(batch, field));
}

int64_t RowBytes(const Tensor& tensor) {
  if (tensor.shape_size() == 0 || tensor.shape(0) <= 0) return 0;
  return static_cast<int64_t>(tensor.data().size()) / tensor.shape(0);
}

}  // namespace

std::vector<std::string> ConcatenatedBatchFields() {
  std::vector<std::string> names(std::begin(kScalarFields), std::end(kScalarFields));
  for (const FieldDescriptor* field : Layout().tensors) names.push_back(field->name());
  return names;
}

int64_t RelabeledIn(const Batch& chunk, int64_t rows) {
  if (rows >= chunk.size() || chunk.size() <= 0) return chunk.num_relabeled();
  return (static_cast<int64_t>(chunk.num_relabeled()) * rows + chunk.size() / 2) /
         chunk.size();
}

void StartBatch(int64_t rows, int64_t capacity, Batch* chunk) {
  chunk->set_num_relabeled(static_cast<int32_t>(RelabeledIn(*chunk, rows)));
  chunk->set_size(static_cast<int32_t>(rows));
  for (const FieldDescriptor* field : Layout().tensors) {
    Tensor* tensor = FindMutableTensor(chunk, field);
    if (tensor == nullptr || tensor->shape_size() == 0) continue;
    const int64_t row_bytes = RowBytes(*tensor);
    tensor->mutable_data()->resize(rows * row_bytes);
    tensor->mutable_data()->reserve(capacity * row_bytes);
    tensor->set_shape(0, rows);
  }
}

absl::Status AppendRows(const Batch& chunk, int64_t rows, Batch* batch) {
  if (chunk.spec_id() != batch->spec_id()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "spec_id: shards disagree (", batch->spec_id(), " vs ", chunk.spec_id(),
        "); set ReplaySamplerOptions.spec_id to pick one"));
  }
  for (const FieldDescriptor* field : Layout().tensors) {
    const Tensor* from = FindTensor(chunk, field);
    Tensor* to = FindMutableTensor(batch, field);
    if (from == nullptr && to == nullptr) continue;
    if (from == nullptr || to == nullptr || from->dtype() != to->dtype() ||
        from->shape_size() != to->shape_size() || RowBytes(*from) != RowBytes(*to)) {
      return absl::FailedPreconditionError(absl::StrCat(
          field->name(), ": shards returned different row layouts for one spec"));
    }
    if (to->shape_size() == 0) continue;
    to->mutable_data()->append(from->data(), 0, rows * RowBytes(*from));
    to->set_shape(0, to->shape(0) + rows);
  }
  batch->set_size(static_cast<int32_t>(batch->size() + rows));
  batch->set_num_relabeled(
      static_cast<int32_t>(batch->num_relabeled() + RelabeledIn(chunk, rows)));
  return absl::OkStatus();
}

absl::Status ConcatenateChunks(std::vector<Batch>* chunks, int64_t batch_size,
                               Batch* batch) {
  *batch = std::move((*chunks)[0]);
  if (chunks->size() == 1 && batch->size() == batch_size) return absl::OkStatus();
  if (!Layout().unhandled.empty()) {
    return absl::InternalError(absl::StrCat(
        "hem.v1.Batch fields the chunk concatenation does not handle: ",
        Layout().unhandled, " (see replay_service/batch_concat.h)"));
  }
  StartBatch(std::min<int64_t>(batch->size(), batch_size), batch_size, batch);
  for (size_t i = 1; i < chunks->size(); ++i) {
    const Batch& chunk = (*chunks)[i];
    const int64_t rows = std::min<int64_t>(chunk.size(), batch_size - batch->size());
    HEM_RETURN_IF_ERROR(AppendRows(chunk, rows, batch));
  }
  return absl::OkStatus();
}

}  // namespace hem
