// Learner checkpoint framing: magic, length, CRC-32 (see
// checkpoint_framing.h).
#include "learner/checkpoint_framing.h"

#include <zlib.h>

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace hem {
namespace {

constexpr absl::string_view kMagic = "HEMLRNR1";
constexpr size_t kLengthBytes = 8;
constexpr size_t kCrcBytes = 4;

uint32_t Crc32(absl::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes a uInt length: feed large archives in pieces.
  while (!bytes.empty()) {
    const size_t chunk = std::min<size_t>(bytes.size(), 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(chunk));
    bytes.remove_prefix(chunk);
  }
  return static_cast<uint32_t>(crc);
}

std::string LittleEndian(uint64_t value, size_t bytes) {
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

uint64_t FromLittleEndian(absl::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  }
  return value;
}

}  // namespace

std::string CheckpointHead(uint64_t archive_bytes) {
  return absl::StrCat(kMagic, LittleEndian(archive_bytes, kLengthBytes));
}

std::string CheckpointTail(absl::string_view archive) {
  return LittleEndian(Crc32(archive), kCrcBytes);
}

absl::StatusOr<absl::string_view> UnframeCheckpoint(absl::string_view bytes,
                                                    absl::string_view path) {
  const size_t framing = kMagic.size() + kLengthBytes + kCrcBytes;
  if (bytes.size() < framing || bytes.substr(0, kMagic.size()) != kMagic) {
    return absl::DataLossError(absl::StrCat(path, ": not a learner checkpoint (no ",
                                            kMagic, " header)"));
  }
  const uint64_t length = FromLittleEndian(bytes.substr(kMagic.size(), kLengthBytes));
  if (length != bytes.size() - framing) {
    return absl::DataLossError(absl::StrCat(path, ": truncated or padded: header says ",
                                            length, " archive bytes, file holds ",
                                            bytes.size() - framing));
  }
  const absl::string_view archive = bytes.substr(kMagic.size() + kLengthBytes, length);
  const uint64_t crc = FromLittleEndian(bytes.substr(bytes.size() - kCrcBytes));
  if (crc != Crc32(archive)) {
    return absl::DataLossError(absl::StrCat(path, ": checksum mismatch (corrupt file)"));
  }
  return archive;
}

}  // namespace hem
