// Checksummed record framing (see record_format.h).
#include "replay_service/record_format.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace hem {

void PutU32(std::string* out, uint32_t v) {
  out->append(reinterpret_cast<const char*>(&v), 4);
}
void PutU64(std::string* out, uint64_t v) {
  out->append(reinterpret_cast<const char*>(&v), 8);
}
uint32_t GetU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

uint32_t RecordCrc(uint8_t type, uint64_t length, const char* payload) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, &type, 1);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(&length), 8);
  // zlib's length is a uInt: feed large payloads in pieces.
  const char* p = payload;
  uint64_t left = length;
  while (left > 0) {
    const uInt chunk = static_cast<uInt>(std::min<uint64_t>(left, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(p), chunk);
    p += chunk;
    left -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

bool RecordCrcMatches(uint8_t type, uint64_t length, const char* payload,
                      uint32_t stored) {
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  return true;
#else
  return stored == RecordCrc(type, length, payload);
#endif
}

std::string RecordHead(uint8_t type, uint64_t length) {
  std::string head(reinterpret_cast<const char*>(&type), 1);
  PutU64(&head, length);
  return head;
}

std::string RecordTail(uint8_t type, absl::string_view payload) {
  std::string tail;
  PutU32(&tail, RecordCrc(type, payload.size(), payload.data()));
  return tail;
}

void AppendRecord(uint8_t type, absl::string_view payload, std::string* out) {
  out->push_back(static_cast<char>(type));
  PutU64(out, payload.size());
  out->append(payload.data(), payload.size());
  PutU32(out, RecordCrc(type, payload.size(), payload.data()));
}

ParseResult ParseRecord(absl::string_view data, uint64_t* pos, Record* record) {
  const uint64_t left = data.size() - *pos;
  if (left < kRecordOverhead) return ParseResult::kTruncated;
  const char* p = data.data() + *pos;
  const uint8_t type = static_cast<uint8_t>(p[0]);
  const uint64_t length = GetU64(p + 1);
  if (length > kMaxRecordPayload) return ParseResult::kCorrupt;
  if (length > left - kRecordOverhead) return ParseResult::kTruncated;
  const char* payload = p + kRecordHeaderBytes;
  if (!RecordCrcMatches(type, length, payload, GetU32(payload + length))) {
    return ParseResult::kCorrupt;
  }
  record->type = type;
  record->payload = absl::string_view(payload, length);
  *pos += kRecordOverhead + length;
  return ParseResult::kOk;
}

}  // namespace hem
