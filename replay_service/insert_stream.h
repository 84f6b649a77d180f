// One ReplayService.Insert stream on the server: requests are read as raw
// bytes and decoded here, so an undecodable message ends the stream with
// INVALID_ARGUMENT rather than looking like the client's clean end (gRPC's
// sync Read returns false for both). Requests are handled in order on the
// gRPC thread (declare spec, validate, wait on the rate limiter, append to
// the episode log), and a writer thread sends each acknowledgement, in
// request order, once its episode is stored - durably when the shard has a
// log - so a stream keeps many episodes in flight and inserts from all
// streams share each fdatasync.
//
// Bounds: a stream holds at most max_unacknowledged requests (and
// max_unacknowledged_bytes of them) read but not yet answered; beyond, it
// stops reading until acknowledgements catch up. Cancellation and the
// call's deadline are noticed within kPollInterval in every wait.
#ifndef HEM_REPLAY_SERVICE_INSERT_STREAM_H_
#define HEM_REPLAY_SERVICE_INSERT_STREAM_H_

#include <cstdint>

#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/sync_stream.h"
#include "proto/replay_service.pb.h"
#include "replay_service/replay_shard.h"

namespace hem {

struct InsertStreamLimits {
  // Requests read but not yet acknowledged, per stream (>= 1).
  int max_unacknowledged = 64;
  // Their bytes on the wire; one request is always admitted (>= 1).
  int64_t max_unacknowledged_bytes = int64_t{256} << 20;
};

using InsertServerStream =
    grpc::ServerReaderWriter<hem::v1::InsertResponse, grpc::ByteBuffer>;

// Runs one Insert stream to its end and returns its status: OK when the
// client closed its side and every request was answered; INVALID_ARGUMENT
// for an undecodable or empty request or an invalid spec; CANCELLED,
// DEADLINE_EXCEEDED, or the episode log's error otherwise.
grpc::Status RunInsertStream(ReplayShard* shard, const InsertStreamLimits& limits,
                             grpc::ServerContext* context,
                             InsertServerStream* stream);

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_INSERT_STREAM_H_
