// The record framing shared by a shard's checkpoint files and its episode
// log: every record is
//   u8 type | u64 payload length | payload | u32 CRC-32 (zlib) of type,
//   length and payload
// little-endian, so a reader detects a truncated or altered record before it
// interprets a byte of its payload. What the types mean is up to each file
// format (checkpoint.h, episode_log.h); the spec and episode payloads are the
// same in both.
#ifndef HEM_REPLAY_SERVICE_RECORD_FORMAT_H_
#define HEM_REPLAY_SERVICE_RECORD_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace hem {

enum RecordType : uint8_t {
  kHeaderRecord = 1,   // Per format; names the writer.
  kSpecRecord = 2,     // A serialized hem.v1.EnvSpec.
  kEpisodeRecord = 3,  // A serialized hem.v1.Trajectory.
  kEndRecord = 4,      // Checkpoints only: the counts, last in the file.
  kLogPositionRecord = 5,  // Checkpoints only: the first log segment to replay.
};

// type + length before the payload, CRC after it.
inline constexpr size_t kRecordHeaderBytes = 1 + 8;
inline constexpr size_t kRecordOverhead = kRecordHeaderBytes + 4;

// Largest payload a reader accepts: larger than any message a shard takes
// (common/message_limits.h), so a corrupt length is refused before a reader
// allocates for it.
inline constexpr uint64_t kMaxRecordPayload = uint64_t{1} << 30;

uint32_t RecordCrc(uint8_t type, uint64_t length, const char* payload);

// Whether `stored` is the record's CRC. Fuzzing builds
// (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION) accept any value, so a fuzzer
// reaches the parsers behind the checksum; tests cover the check itself.
bool RecordCrcMatches(uint8_t type, uint64_t length, const char* payload,
                      uint32_t stored);

// Appends the framed record to `out`.
void AppendRecord(uint8_t type, absl::string_view payload, std::string* out);

// The head and tail of a framed record, without its payload (a writer that
// streams the payload from elsewhere).
std::string RecordHead(uint8_t type, uint64_t length);
std::string RecordTail(uint8_t type, absl::string_view payload);

void PutU32(std::string* out, uint32_t v);
void PutU64(std::string* out, uint64_t v);
uint32_t GetU32(const char* p);
uint64_t GetU64(const char* p);

// One record parsed out of a buffer.
struct Record {
  uint8_t type = 0;
  absl::string_view payload;  // Points into the parsed buffer.
};

enum class ParseResult {
  kOk,         // *record is the next record; *pos moved past it.
  kTruncated,  // The buffer ends inside the record (a torn tail).
  kCorrupt,    // Length beyond kMaxRecordPayload, or checksum mismatch.
};

// Parses the record at data[*pos]. REQUIRES: *pos < data.size().
ParseResult ParseRecord(absl::string_view data, uint64_t* pos, Record* record);

}  // namespace hem

#endif  // HEM_REPLAY_SERVICE_RECORD_FORMAT_H_
