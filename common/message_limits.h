// The size limits every hem process shares, without gRPC: the largest
// message any RPC sends or accepts, and what fits in one. Servers check the
// fields that size an allocation against these before allocating
// (replay batches, trajectories, weights), so no request can make a process
// build a message it could never send.
#ifndef HEM_COMMON_MESSAGE_LIMITS_H_
#define HEM_COMMON_MESSAGE_LIMITS_H_

#include <cstdint>

namespace hem {

// Largest message any hem RPC sends or accepts: a batch of 256 84x84 RGB
// images with next observations is ~11 MB; trajectories of image tasks ~1 MB.
inline constexpr int kMaxMessageBytes = 256 << 20;

// Tensor bytes a replay batch may hold: the message limit less room for the
// batch's headers (shapes, counts), so a batch within it always serialises.
inline constexpr int64_t kMaxBatchBytes = kMaxMessageBytes - (1 << 20);

}  // namespace hem

#endif  // HEM_COMMON_MESSAGE_LIMITS_H_
