// Strict zip directory parsing and the rebasing of received weights onto
// this process's own archive (see weights_archive.h).
#include "learner/weights_archive.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hem {
namespace {

constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kEnd64Signature = 0x06064b50;
constexpr uint32_t kEnd64LocatorSignature = 0x07064b50;
constexpr uint32_t kDescriptorSignature = 0x08074b50;
constexpr uint64_t kEndBytes = 22;
constexpr uint64_t kEnd64Bytes = 56;
constexpr uint64_t kLocatorBytes = 20;
constexpr uint64_t kCentralBytes = 46;
constexpr uint64_t kLocalBytes = 30;
constexpr uint64_t kMaxEntries = 1 << 16;
constexpr uint16_t kEncryptedFlag = 1;
constexpr uint16_t kDescriptorFlag = 8;

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("weights: ", why));
}

uint16_t U16(absl::string_view d, uint64_t at) {
  uint16_t v;
  std::memcpy(&v, d.data() + at, 2);
  return v;
}
uint32_t U32(absl::string_view d, uint64_t at) {
  uint32_t v;
  std::memcpy(&v, d.data() + at, 4);
  return v;
}
uint64_t U64(absl::string_view d, uint64_t at) {
  uint64_t v;
  std::memcpy(&v, d.data() + at, 8);
  return v;
}
void SetU32(std::string* d, uint64_t at, uint32_t v) { std::memcpy(&(*d)[at], &v, 4); }

// True when [at, at + n) lies inside `size` bytes (no overflow).
bool Inside(uint64_t at, uint64_t n, uint64_t size) {
  return at <= size && n <= size - at;
}

uint32_t Crc32(absl::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (!data.empty()) {
    const uInt chunk = static_cast<uInt>(std::min<size_t>(data.size(), 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), chunk);
    data.remove_prefix(chunk);
  }
  return static_cast<uint32_t>(crc);
}

// Where the central directory is: (offset, size, entries).
struct Directory {
  uint64_t offset = 0, size = 0, entries = 0, end = 0;
};

absl::StatusOr<Directory> FindDirectory(absl::string_view zip) {
  const uint64_t n = zip.size();
  if (n < kEndBytes) return Invalid("too short for a zip archive");
  // The end record is the last 22 bytes plus its comment (<= 65535).
  uint64_t end = n;
  for (uint64_t at = n - kEndBytes + 1; at-- > 0 && n - at <= kEndBytes + 0xffff;) {
    if (U32(zip, at) == kEndSignature && kEndBytes + U16(zip, at + 20) == n - at) {
      end = at;
      break;
    }
  }
  if (end == n) return Invalid("no zip end-of-directory record");
  Directory dir;
  dir.end = end;
  dir.entries = U16(zip, end + 10);
  dir.size = U32(zip, end + 12);
  dir.offset = U32(zip, end + 16);
  if (U16(zip, end + 4) != 0 || U16(zip, end + 6) != 0 ||
      U16(zip, end + 8) != dir.entries) {
    return Invalid("multi-disk zip archives are not accepted");
  }
  if (end >= kLocatorBytes && U32(zip, end - kLocatorBytes) == kEnd64LocatorSignature) {
    const uint64_t record = U64(zip, end - kLocatorBytes + 8);
    if (!Inside(record, kEnd64Bytes, end - kLocatorBytes) ||
        U32(zip, record) != kEnd64Signature) {
      return Invalid("bad zip64 end-of-directory record");
    }
    dir.entries = U64(zip, record + 32);
    dir.size = U64(zip, record + 40);
    dir.offset = U64(zip, record + 48);
    dir.end = record;
  }
  if (dir.entries > kMaxEntries) return Invalid("too many zip entries");
  if (!Inside(dir.offset, dir.size, dir.end) || dir.offset + dir.size != dir.end) {
    return Invalid("zip central directory outside the archive");
  }
  return dir;
}

// Replaces a 32-bit field that says 0xffffffff with the next value of the
// zip64 extra field.
absl::Status ApplyZip64(absl::string_view extra, std::initializer_list<uint64_t*> fields) {
  uint64_t at = 0;
  while (extra.size() - at >= 4) {
    const uint16_t id = U16(extra, at), length = U16(extra, at + 2);
    if (!Inside(at + 4, length, extra.size())) return Invalid("bad zip extra field");
    if (id == 1) {
      uint64_t next = at + 4;
      for (uint64_t* field : fields) {
        if (*field != 0xffffffffu) continue;
        if (!Inside(next, 8, at + 4 + length)) return Invalid("short zip64 field");
        *field = U64(extra, next);
        next += 8;
      }
      return absl::OkStatus();
    }
    at += 4 + length;
  }
  for (uint64_t* field : fields) {
    if (*field == 0xffffffffu) return Invalid("zip64 size without its extra field");
  }
  return absl::OkStatus();
}

// The data.pkl of an archive with LibTorch's per-process class numbers
// ("___torch_mangle_12") removed, so two processes' pickles of the same
// network compare equal. They appear only in newline-ended GLOBAL names.
std::string WithoutMangling(absl::string_view pickle) {
  constexpr absl::string_view kMangle = "___torch_mangle_";
  std::string out;
  out.reserve(pickle.size());
  while (true) {
    const size_t at = pickle.find(kMangle);
    if (at == absl::string_view::npos) break;
    size_t end = at + kMangle.size();
    out.append(pickle.data(), end);
    while (end < pickle.size() && pickle[end] >= '0' && pickle[end] <= '9') ++end;
    pickle.remove_prefix(end);
  }
  out.append(pickle.data(), pickle.size());
  return out;
}

bool IsTensorData(absl::string_view name) {
  const size_t slash = name.rfind("/data/");
  if (slash == absl::string_view::npos) return false;
  uint64_t key;
  return absl::SimpleAtoi(name.substr(slash + 6), &key);
}

}  // namespace

absl::StatusOr<std::vector<ZipEntry>> ParseZipDirectory(absl::string_view zip) {
  if (zip.size() > kMaxWeightsArchiveBytes) {
    return Invalid(absl::StrCat(zip.size(), " bytes, over the limit of ",
                                kMaxWeightsArchiveBytes));
  }
  absl::StatusOr<Directory> found = FindDirectory(zip);
  if (!found.ok()) return found.status();
  const Directory dir = *found;
  std::vector<ZipEntry> entries;
  absl::flat_hash_map<std::string, size_t> names;
  uint64_t at = dir.offset;
  for (uint64_t i = 0; i < dir.entries; ++i) {
    if (!Inside(at, kCentralBytes, dir.end) || U32(zip, at) != kCentralSignature) {
      return Invalid(absl::StrCat("bad central directory record ", i));
    }
    const uint64_t name_length = U16(zip, at + 28), extra_length = U16(zip, at + 30),
                   comment_length = U16(zip, at + 32);
    const uint64_t record_bytes = kCentralBytes + name_length + extra_length + comment_length;
    if (!Inside(at, record_bytes, dir.end)) {
      return Invalid(absl::StrCat("central directory record ", i, " overruns"));
    }
    ZipEntry e;
    e.central_offset = at;
    e.flags = U16(zip, at + 8);
    e.method = U16(zip, at + 10);
    e.crc = U32(zip, at + 16);
    e.compressed_size = U32(zip, at + 20);
    e.size = U32(zip, at + 24);
    e.local_offset = U32(zip, at + 42);
    e.name = std::string(zip.substr(at + kCentralBytes, name_length));
    absl::Status zip64 = ApplyZip64(
        zip.substr(at + kCentralBytes + name_length, extra_length),
        {&e.size, &e.compressed_size, &e.local_offset});
    if (!zip64.ok()) return zip64;
    if (e.flags & kEncryptedFlag) return Invalid(absl::StrCat("'", e.name, "' is encrypted"));
    if (!names.emplace(e.name, entries.size()).second) {
      return Invalid(absl::StrCat("'", e.name, "' appears twice"));
    }
    // Its local header and data, both before the directory.
    if (!Inside(e.local_offset, kLocalBytes, dir.offset) ||
        U32(zip, e.local_offset) != kLocalSignature) {
      return Invalid(absl::StrCat("'", e.name, "' has no local header"));
    }
    const uint64_t local_name = U16(zip, e.local_offset + 26);
    const uint64_t local_extra = U16(zip, e.local_offset + 28);
    if (!Inside(e.local_offset + kLocalBytes, local_name + local_extra, dir.offset) ||
        zip.substr(e.local_offset + kLocalBytes, local_name) != e.name) {
      return Invalid(absl::StrCat("'", e.name, "' local header disagrees"));
    }
    e.data_offset = e.local_offset + kLocalBytes + local_name + local_extra;
    if (!Inside(e.data_offset, e.compressed_size, dir.offset)) {
      return Invalid(absl::StrCat("'", e.name, "' data overruns the archive"));
    }
    entries.push_back(std::move(e));
    at += record_bytes;
  }
  return entries;
}

absl::StatusOr<std::string> RebaseWeightsArchive(absl::string_view candidate,
                                                 absl::string_view reference) {
  // Checked before parsing: the network's archive bounds what can be right.
  if (candidate.size() > 2 * reference.size() + (1 << 20)) {
    return Invalid(absl::StrCat(candidate.size(), " bytes, but this network's "
                                "archive is ", reference.size()));
  }
  absl::StatusOr<std::vector<ZipEntry>> theirs = ParseZipDirectory(candidate);
  if (!theirs.ok()) return theirs.status();
  absl::StatusOr<std::vector<ZipEntry>> ours = ParseZipDirectory(reference);
  if (!ours.ok()) {
    return absl::InternalError(absl::StrCat("own archive: ", ours.status().message()));
  }
  absl::flat_hash_map<absl::string_view, const ZipEntry*> by_name;
  for (const ZipEntry& e : *theirs) by_name[e.name] = &e;
  // The pickle first: it names what a mismatch is about.
  std::vector<const ZipEntry*> order;
  for (const ZipEntry& mine : *ours) {
    if (absl::EndsWith(mine.name, "/data.pkl")) order.insert(order.begin(), &mine);
    else order.push_back(&mine);
  }
  std::string rebased(reference);
  int data_entries = 0;
  for (const ZipEntry* entry : order) {
    const ZipEntry& mine = *entry;
    const bool data = IsTensorData(mine.name);
    const bool pickle = absl::EndsWith(mine.name, "/data.pkl");
    if (!data && !pickle) continue;  // Code and versions: ours are used.
    auto it = by_name.find(mine.name);
    if (it == by_name.end()) {
      return Invalid(absl::StrCat("tensor archive entry '", mine.name,
                                  "' missing (another network?)"));
    }
    const ZipEntry& e = *it->second;
    if (e.method != 0 || e.compressed_size != e.size) {
      return Invalid(absl::StrCat("'", e.name, "' is compressed"));
    }
    const absl::string_view bytes = candidate.substr(e.data_offset, e.size);
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION  // Fuzzers reach past it.
    if (Crc32(bytes) != e.crc) {
      return Invalid(absl::StrCat("'", e.name, "' fails its CRC-32"));
    }
#endif
    if (pickle) {
      if (WithoutMangling(bytes) !=
          WithoutMangling(reference.substr(mine.data_offset, mine.size))) {
        return Invalid("tensor names, types or shapes differ from this "
                       "network's (another network or LibTorch version?)");
      }
      continue;
    }
    if (e.size != mine.size) {
      return Invalid(absl::StrCat("tensor data '", e.name, "' has ", e.size,
                                  " bytes, this network's has ", mine.size));
    }
    ++data_entries;
    std::memcpy(&rebased[mine.data_offset], bytes.data(), e.size);
    SetU32(&rebased, mine.central_offset + 16, e.crc);
    if (mine.flags & kDescriptorFlag) {
      // The CRC follows the data (after an optional signature).
      uint64_t at = mine.data_offset + mine.size;
      if (Inside(at, 4, rebased.size()) && U32(rebased, at) == kDescriptorSignature) at += 4;
      if (Inside(at, 4, rebased.size())) SetU32(&rebased, at, e.crc);
    } else {
      SetU32(&rebased, mine.local_offset + 14, e.crc);
    }
  }
  if (data_entries == 0) return Invalid("no tensor data in the archive");
  return rebased;
}

}  // namespace hem
