// Chunk concatenation against proto/batch.proto itself: these tests walk
// Batch's descriptor on their own, so a field added to Batch that the
// concatenation drops or does not know makes them fail.
#include "replay_service/batch_concat.h"

#include <set>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "proto/batch.pb.h"
#include "proto/tensor.pb.h"

namespace hem {
namespace {

using google::protobuf::FieldDescriptor;
using hem::v1::Batch;
using hem::v1::Tensor;

// Every Tensor field of Batch, straight from the descriptor.
std::vector<const FieldDescriptor*> TensorFields() {
  std::vector<const FieldDescriptor*> fields;
  const google::protobuf::Descriptor* descriptor = Batch::descriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->type() == FieldDescriptor::TYPE_MESSAGE &&
        field->message_type()->full_name() == "hem.v1.Tensor") {
      fields.push_back(field);
    }
  }
  return fields;
}

Tensor* MutableTensor(Batch* batch, const FieldDescriptor* field) {
  return static_cast<Tensor*>(Batch::GetReflection()->MutableMessage(batch, field));
}

const Tensor& GetTensor(const Batch& batch, const FieldDescriptor* field) {
  return static_cast<const Tensor&>(Batch::GetReflection()->GetMessage(batch, field));
}

// A chunk of `rows` rows with every Tensor field of Batch set: uint8
// [rows, width], width and bytes different per field and per chunk.
Batch MakeChunk(int rows, int relabeled, uint8_t tag) {
  Batch chunk;
  chunk.set_spec_id(42);
  chunk.set_size(rows);
  chunk.set_num_relabeled(relabeled);
  for (const FieldDescriptor* field : TensorFields()) {
    Tensor* tensor = MutableTensor(&chunk, field);
    const int width = 1 + field->number() % 4;
    tensor->set_dtype(hem::v1::DTYPE_UINT8);
    tensor->add_shape(rows);
    tensor->add_shape(width);
    for (int i = 0; i < rows * width; ++i) {
      tensor->mutable_data()->push_back(
          static_cast<char>(tag + 16 * field->number() + i));
    }
  }
  return chunk;
}

TEST(BatchConcat, EveryTensorFieldOfBatchIsConcatenated) {
  ASSERT_GE(TensorFields().size(), 8u);
  const Batch a = MakeChunk(3, 3, 1);
  const Batch b = MakeChunk(2, 1, 101);
  std::vector<Batch> chunks = {a, b};
  Batch batch;
  ASSERT_TRUE(ConcatenateChunks(&chunks, 5, &batch).ok());
  EXPECT_EQ(batch.spec_id(), 42u);
  EXPECT_EQ(batch.size(), 5);
  EXPECT_EQ(batch.num_relabeled(), 4);
  for (const FieldDescriptor* field : TensorFields()) {
    const Tensor& tensor = GetTensor(batch, field);
    ASSERT_EQ(tensor.shape_size(), 2) << field->name();
    EXPECT_EQ(tensor.shape(0), 5) << field->name();
    EXPECT_EQ(tensor.shape(1), GetTensor(a, field).shape(1)) << field->name();
    EXPECT_EQ(tensor.dtype(), hem::v1::DTYPE_UINT8) << field->name();
    EXPECT_EQ(tensor.data(), GetTensor(a, field).data() + GetTensor(b, field).data())
        << field->name();
  }
}

TEST(BatchConcat, TrimsTheLastChunkInEveryTensorField) {
  const Batch a = MakeChunk(3, 3, 1);
  const Batch b = MakeChunk(4, 4, 101);
  std::vector<Batch> chunks = {a, b};
  Batch batch;
  ASSERT_TRUE(ConcatenateChunks(&chunks, 4, &batch).ok());
  EXPECT_EQ(batch.size(), 4);
  EXPECT_EQ(batch.num_relabeled(), 4);  // All of a's 3, b's share of 1 row.
  for (const FieldDescriptor* field : TensorFields()) {
    const Tensor& tensor = GetTensor(batch, field);
    const std::string& b_data = GetTensor(b, field).data();
    EXPECT_EQ(tensor.shape(0), 4) << field->name();
    EXPECT_EQ(tensor.data(),
              GetTensor(a, field).data() + b_data.substr(0, b_data.size() / 4))
        << field->name();
  }
}

TEST(BatchConcat, KnowsEveryFieldOfBatch) {
  // Adding a field to Batch (tensor or not) must come with its rule here.
  std::set<std::string> in_proto;
  const google::protobuf::Descriptor* descriptor = Batch::descriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    in_proto.insert(descriptor->field(i)->name());
  }
  const std::vector<std::string> known = ConcatenatedBatchFields();
  EXPECT_EQ(std::set<std::string>(known.begin(), known.end()), in_proto);
  EXPECT_EQ(known.size(), in_proto.size());
  for (const char* scalar : {"spec_id", "size", "num_relabeled"}) {
    EXPECT_EQ(in_proto.count(scalar), 1u) << scalar;
  }
}

TEST(BatchConcat, AbsentTensorsStayAbsent) {
  Batch a = MakeChunk(2, 0, 1);
  Batch b = MakeChunk(2, 0, 2);
  a.clear_next_observations();
  b.clear_next_observations();
  std::vector<Batch> chunks = {a, b};
  Batch batch;
  ASSERT_TRUE(ConcatenateChunks(&chunks, 4, &batch).ok());
  EXPECT_FALSE(batch.has_next_observations());
  EXPECT_EQ(batch.observations().shape(0), 4);
}

TEST(BatchConcat, SingleWholeChunkMovesUntouched) {
  const Batch a = MakeChunk(5, 2, 1);
  std::vector<Batch> chunks = {a};
  Batch batch;
  ASSERT_TRUE(ConcatenateChunks(&chunks, 5, &batch).ok());
  EXPECT_EQ(batch.SerializeAsString(), a.SerializeAsString());
}

TEST(BatchConcat, RefusesChunksOfDifferentKinds) {
  Batch batch;
  std::vector<Batch> chunks = {MakeChunk(2, 0, 1), MakeChunk(2, 0, 2)};
  chunks[1].set_spec_id(43);
  absl::Status status = ConcatenateChunks(&chunks, 4, &batch);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(status.message()).rfind("spec_id: ", 0), 0u) << status;

  chunks = {MakeChunk(2, 0, 1), MakeChunk(2, 0, 2)};
  chunks[1].mutable_goals()->set_shape(1, chunks[1].goals().shape(1) + 1);
  chunks[1].mutable_goals()->mutable_data()->append(2, 'x');
  status = ConcatenateChunks(&chunks, 4, &batch);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(status.message()).rfind("goals: ", 0), 0u) << status;

  chunks = {MakeChunk(2, 0, 1), MakeChunk(2, 0, 2)};
  chunks[1].clear_rewards();
  status = ConcatenateChunks(&chunks, 4, &batch);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(status.message()).rfind("rewards: ", 0), 0u) << status;
}

TEST(BatchConcat, RelabeledShareOfATrimmedChunk) {
  Batch chunk;
  chunk.set_size(4);
  chunk.set_num_relabeled(2);
  EXPECT_EQ(RelabeledIn(chunk, 4), 2);
  EXPECT_EQ(RelabeledIn(chunk, 10), 2);
  EXPECT_EQ(RelabeledIn(chunk, 2), 1);
  EXPECT_EQ(RelabeledIn(chunk, 0), 0);
  chunk.set_num_relabeled(4);
  EXPECT_EQ(RelabeledIn(chunk, 3), 3);
}

}  // namespace
}  // namespace hem
