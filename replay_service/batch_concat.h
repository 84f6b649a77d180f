// Concatenating sampled chunks (small hem.v1.Batch messages from one or more
// shards) into one Batch: the one place that knows how a Batch's fields
// combine.
//
// Driven by Batch's descriptor, not by a list of accessors: every field of
// message type hem.v1.Tensor is a per-row tensor (first dimension = rows) and
// is concatenated, so a tensor added to proto/batch.proto is carried along
// without a change here. The other fields are handled by name: spec_id (all
// chunks must agree), size (rows, summed) and num_relabeled (summed; a
// trimmed chunk contributes its proportional share). A field of any other
// kind added to Batch makes ConcatenateChunks fail with INTERNAL rather than
// be dropped silently, and batch_concat_test fails until it is handled.
#ifndef HEM_REPLAY_SERVICE_BATCH_CONCAT_H_
#define HEM_REPLAY_SERVICE_BATCH_CONCAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proto/batch.pb.h"

namespace hem {

// Names of every Batch field the concatenation handles: each Tensor field of
// the descriptor, plus spec_id, size and num_relabeled.
std::vector<std::string> ConcatenatedBatchFields();

// Relabeled transitions among the first `rows` of `chunk`. A Batch only
// counts them, so a trimmed chunk gets its proportional share (exact for
// relabel probability 0 or 1, and never needed when chunks divide the batch).
int64_t RelabeledIn(const hem::v1::Batch& chunk, int64_t rows);

// Makes `chunk` the start of a batch: keeps its first `rows` rows and
// reserves room for `capacity` rows, so appending never reallocates.
void StartBatch(int64_t rows, int64_t capacity, hem::v1::Batch* chunk);

// Appends the first `rows` rows of `chunk` to `batch`. FAILED_PRECONDITION,
// naming the field, when the two do not hold the same kind of transitions
// (different specs or sampling options on different shards).
absl::Status AppendRows(const hem::v1::Batch& chunk, int64_t rows,
                        hem::v1::Batch* batch);

// Concatenates `chunks` (consumed) into exactly `batch_size` rows, trimming
// the last chunk. A single chunk of exactly batch_size rows (the one-shard
// case) moves untouched. Absent tensors (e.g. next_observations without
// with_next) stay absent.
// REQUIRES: chunks is not empty and holds at least batch_size rows in all.
absl::Status ConcatenateChunks(std::vector<hem::v1::Batch>* chunks,
                               int64_t batch_size, hem::v1::Batch* batch);

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_BATCH_CONCAT_H_
