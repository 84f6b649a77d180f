// The replay checkpoint file format and a shard's checkpoint directory
// (see checkpoint.h).
#include "replay_service/checkpoint.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/env_spec_util.h"
#include "common/status_macros.h"
#include "replay_service/trajectory_validator.h"

namespace hem {
namespace {

constexpr char kMagic[8] = {'H', 'E', 'M', 'R', 'P', 'L', 'Y', '1'};
enum RecordType : uint8_t {
  kHeader = 1,
  kSpec = 2,
  kEpisode = 3,
  kEnd = 4,
};
constexpr size_t kRecordOverhead = 1 + 8 + 4;
// Sequence numbers in file names: "replay-shard-0-0000000001.ckpt".
constexpr int kSequenceDigits = 10;

void PutU32(std::string* out, uint32_t v) { out->append(reinterpret_cast<char*>(&v), 4); }
void PutU64(std::string* out, uint64_t v) { out->append(reinterpret_cast<char*>(&v), 8); }

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

// Appends one record (type, length, payload, CRC) to `file`.
absl::Status WriteRecord(uint8_t type, const std::string& payload,
                         AtomicFileWriter* file) {
  const uint64_t length = payload.size();
  std::string head(reinterpret_cast<const char*>(&type), 1);
  PutU64(&head, length);
  std::string crc;
  PutU32(&crc, RecordCrc(type, length, payload.data()));
  HEM_RETURN_IF_ERROR(file->Append(head));
  HEM_RETURN_IF_ERROR(file->Append(payload));
  return file->Append(crc);
}

}  // namespace

absl::Status WriteCheckpointFile(
    const std::string& path, int shard_index, int num_shards,
    const std::vector<ReplayShard::SpecSnapshot>& snapshot) {
  HEM_ASSIGN_OR_RETURN(AtomicFileWriter file, AtomicFileWriter::Create(path));
  HEM_RETURN_IF_ERROR(file.Append(absl::string_view(kMagic, sizeof(kMagic))));
  std::string payload;
  PutU32(&payload, static_cast<uint32_t>(shard_index));
  PutU32(&payload, static_cast<uint32_t>(num_shards));
  HEM_RETURN_IF_ERROR(WriteRecord(kHeader, payload, &file));
  uint64_t episodes = 0;
  for (const ReplayShard::SpecSnapshot& group : snapshot) {
    if (!group.spec.SerializeToString(&payload)) {
      return absl::InternalError(absl::StrCat(path, ": cannot serialize a spec"));
    }
    HEM_RETURN_IF_ERROR(WriteRecord(kSpec, payload, &file));
    for (const auto& episode : group.episodes) {
      if (!TrajectoryFromEpisode(*episode, group.spec).SerializeToString(&payload)) {
        return absl::InternalError(absl::StrCat(path, ": cannot serialize an episode"));
      }
      HEM_RETURN_IF_ERROR(WriteRecord(kEpisode, payload, &file));
      ++episodes;
    }
  }
  payload.clear();
  PutU64(&payload, snapshot.size());
  PutU64(&payload, episodes);
  HEM_RETURN_IF_ERROR(WriteRecord(kEnd, payload, &file));
  return file.Commit();
}

absl::StatusOr<CheckpointContents> ReadCheckpointFile(const std::string& path) {
  absl::StatusOr<std::string> file = ReadFileToString(path);
  if (!file.ok()) return file.status();
  const std::string& data = *file;
  auto corrupt = [&path](uint64_t offset, absl::string_view why) {
    return absl::DataLossError(
        absl::StrCat(path, ": ", why, " (at byte ", offset, ")"));
  };
  if (data.size() < sizeof(kMagic) ||
      std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0) {
    return corrupt(0, "not a hem replay checkpoint (bad magic)");
  }
  CheckpointContents contents;
  uint64_t pos = sizeof(kMagic);
  bool saw_header = false;
  bool saw_end = false;
  int64_t record = 0;
  while (pos < data.size() && !saw_end) {
    const uint64_t start = pos;
    if (data.size() - pos < kRecordOverhead) {
      return corrupt(start, absl::StrCat("truncated inside record ", record));
    }
    const uint8_t type = static_cast<uint8_t>(data[pos]);
    uint64_t length;
    std::memcpy(&length, data.data() + pos + 1, 8);
    if (length > data.size() - pos - kRecordOverhead) {
      return corrupt(start, absl::StrCat("truncated: record ", record, " claims ",
                                         length, " bytes, file ends first"));
    }
    const char* payload = data.data() + pos + 9;
    uint32_t crc;
    std::memcpy(&crc, payload + length, 4);
    if (crc != RecordCrc(type, length, payload)) {
      return corrupt(start, absl::StrCat("checksum mismatch in record ", record));
    }
    pos += kRecordOverhead + length;
    switch (type) {
      case kHeader: {
        if (length != 8 || record != 0) return corrupt(start, "bad header record");
        uint32_t index, shards;
        std::memcpy(&index, payload, 4);
        std::memcpy(&shards, payload + 4, 4);
        contents.shard_index = static_cast<int>(index);
        contents.num_shards = static_cast<int>(shards);
        saw_header = true;
        break;
      }
      case kSpec: {
        if (!saw_header) return corrupt(start, "spec before header");
        CheckpointContents::Group group;
        if (!group.spec.ParseFromArray(payload, static_cast<int>(length))) {
          return corrupt(start, "spec record does not parse");
        }
        absl::Status valid = ValidateEnvSpec(group.spec);
        if (!valid.ok()) return corrupt(start, valid.message());
        contents.groups.push_back(std::move(group));
        break;
      }
      case kEpisode: {
        if (contents.groups.empty()) return corrupt(start, "episode before any spec");
        CheckpointContents::Group& group = contents.groups.back();
        hem::v1::Trajectory trajectory;
        if (!trajectory.ParseFromArray(payload, static_cast<int>(length))) {
          return corrupt(start, "episode record does not parse");
        }
        absl::Status valid = ValidateTrajectory(group.spec, trajectory);
        if (!valid.ok()) return corrupt(start, valid.message());
        group.trajectories.push_back(std::move(trajectory));
        ++contents.num_episodes;
        break;
      }
      case kEnd: {
        if (length != 16) return corrupt(start, "bad end record");
        uint64_t specs, episodes;
        std::memcpy(&specs, payload, 8);
        std::memcpy(&episodes, payload + 8, 8);
        if (specs != contents.groups.size() ||
            episodes != static_cast<uint64_t>(contents.num_episodes)) {
          return corrupt(start, absl::StrCat("end record counts ", specs, " specs, ",
                                             episodes, " episodes; file has ",
                                             contents.groups.size(), " and ",
                                             contents.num_episodes));
        }
        saw_end = true;
        break;
      }
      default:
        return corrupt(start, absl::StrCat("unknown record type ", type));
    }
    ++record;
  }
  if (!saw_end) return corrupt(pos, "truncated: no end record");
  if (pos != data.size()) return corrupt(pos, "trailing bytes after end record");
  return contents;
}

absl::Status RestoreShard(CheckpointContents contents, ReplayShard* shard) {
  for (CheckpointContents::Group& group : contents.groups) {
    HEM_RETURN_IF_ERROR(shard->RegisterSpec(group.spec));
    HEM_RETURN_IF_ERROR(
        shard->RestoreEpisodes(group.spec.spec_id(), &group.trajectories));
  }
  return absl::OkStatus();
}

CheckpointDirectory::CheckpointDirectory(std::string dir, int shard_index,
                                         int keep)
    : files_(std::move(dir), absl::StrCat("replay-shard-", shard_index, "-"),
             ".ckpt", kSequenceDigits, keep) {}

absl::StatusOr<std::string> CheckpointDirectory::Write(const ReplayShard& shard) {
  HEM_ASSIGN_OR_RETURN(
      const std::string path,
      files_.PathFor(std::max<int64_t>(1, files_.NewestSequence() + 1)));
  HEM_RETURN_IF_ERROR(WriteCheckpointFile(path, shard.config().shard_index,
                                          shard.config().num_shards,
                                          shard.Snapshot()));
  HEM_RETURN_IF_ERROR(files_.Prune());
  return path;
}

absl::StatusOr<std::string> CheckpointDirectory::RestoreLatest(
    ReplayShard* shard, std::vector<std::string>* problems) {
  const int shard_index = shard->config().shard_index;
  CheckpointContents loaded;
  // A file that cannot be used is skipped and reported (DATA_LOSS), whatever
  // the reason: corrupt, unreadable, or another shard's.
  const auto load = [&loaded, shard_index](const std::string& path) -> absl::Status {
    absl::StatusOr<CheckpointContents> contents = ReadCheckpointFile(path);
    if (!contents.ok()) return absl::DataLossError(contents.status().message());
    if (contents->shard_index != shard_index) {
      return absl::DataLossError(absl::StrCat(path, ": written by shard ",
                                              contents->shard_index,
                                              ", this is shard ", shard_index));
    }
    loaded = *std::move(contents);
    return absl::OkStatus();
  };
  HEM_ASSIGN_OR_RETURN(std::string path, files_.RestoreNewest(load, problems));
  if (!path.empty()) HEM_RETURN_IF_ERROR(RestoreShard(std::move(loaded), shard));
  return path;
}

}  // namespace hem
