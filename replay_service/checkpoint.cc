// The replay checkpoint file format and a shard's checkpoint directory
// (see checkpoint.h).
#include "replay_service/checkpoint.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/env_spec_util.h"
#include "common/status_macros.h"
#include "replay_service/record_format.h"
#include "replay_service/trajectory_validator.h"

namespace hem {
namespace {

constexpr char kMagic[8] = {'H', 'E', 'M', 'R', 'P', 'L', 'Y', '1'};
// Sequence numbers in file names: "replay-shard-0-0000000001.ckpt".
constexpr int kSequenceDigits = 10;

// Appends one record (type, length, payload, CRC) to `file`.
absl::Status WriteRecord(uint8_t type, const std::string& payload,
                         AtomicFileWriter* file) {
  HEM_RETURN_IF_ERROR(file->Append(RecordHead(type, payload.size())));
  HEM_RETURN_IF_ERROR(file->Append(payload));
  return file->Append(RecordTail(type, payload));
}

}  // namespace

absl::Status WriteCheckpointFile(
    const std::string& path, int shard_index, int num_shards,
    const std::vector<ReplayShard::SpecSnapshot>& snapshot,
    int64_t log_segment) {
  HEM_ASSIGN_OR_RETURN(AtomicFileWriter file, AtomicFileWriter::Create(path));
  HEM_RETURN_IF_ERROR(file.Append(absl::string_view(kMagic, sizeof(kMagic))));
  std::string payload;
  PutU32(&payload, static_cast<uint32_t>(shard_index));
  PutU32(&payload, static_cast<uint32_t>(num_shards));
  HEM_RETURN_IF_ERROR(WriteRecord(kHeaderRecord, payload, &file));
  if (log_segment >= 0) {
    payload.clear();
    PutU64(&payload, static_cast<uint64_t>(log_segment));
    HEM_RETURN_IF_ERROR(WriteRecord(kLogPositionRecord, payload, &file));
  }
  uint64_t episodes = 0;
  for (const ReplayShard::SpecSnapshot& group : snapshot) {
    if (!group.spec.SerializeToString(&payload)) {
      return absl::InternalError(absl::StrCat(path, ": cannot serialize a spec"));
    }
    HEM_RETURN_IF_ERROR(WriteRecord(kSpecRecord, payload, &file));
    for (const auto& episode : group.episodes) {
      if (!TrajectoryFromEpisode(*episode, group.spec).SerializeToString(&payload)) {
        return absl::InternalError(absl::StrCat(path, ": cannot serialize an episode"));
      }
      HEM_RETURN_IF_ERROR(WriteRecord(kEpisodeRecord, payload, &file));
      ++episodes;
    }
  }
  payload.clear();
  PutU64(&payload, snapshot.size());
  PutU64(&payload, episodes);
  HEM_RETURN_IF_ERROR(WriteRecord(kEndRecord, payload, &file));
  return file.Commit();
}

absl::StatusOr<CheckpointContents> ParseCheckpoint(absl::string_view data,
                                                   absl::string_view path) {
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
  int64_t index = 0;
  while (pos < data.size() && !saw_end) {
    const uint64_t start = pos;
    Record record;
    switch (ParseRecord(data, &pos, &record)) {
      case ParseResult::kOk:
        break;
      case ParseResult::kTruncated:
        return corrupt(start, absl::StrCat("truncated inside record ", index));
      case ParseResult::kCorrupt:
        return corrupt(start, absl::StrCat("checksum mismatch in record ", index));
    }
    const absl::string_view payload = record.payload;
    switch (record.type) {
      case kHeaderRecord: {
        if (payload.size() != 8 || index != 0) {
          return corrupt(start, "bad header record");
        }
        contents.shard_index = static_cast<int>(GetU32(payload.data()));
        contents.num_shards = static_cast<int>(GetU32(payload.data() + 4));
        saw_header = true;
        break;
      }
      case kLogPositionRecord: {
        if (payload.size() != 8 || index != 1 ||
            GetU64(payload.data()) > uint64_t{1} << 62) {
          return corrupt(start, "bad log position record");
        }
        contents.log_segment = static_cast<int64_t>(GetU64(payload.data()));
        break;
      }
      case kSpecRecord: {
        if (!saw_header) return corrupt(start, "spec before header");
        CheckpointContents::Group group;
        if (!group.spec.ParseFromArray(payload.data(),
                                       static_cast<int>(payload.size()))) {
          return corrupt(start, "spec record does not parse");
        }
        absl::Status valid = ValidateEnvSpec(group.spec);
        if (!valid.ok()) return corrupt(start, valid.message());
        contents.groups.push_back(std::move(group));
        break;
      }
      case kEpisodeRecord: {
        if (contents.groups.empty()) {
          return corrupt(start, "episode before any spec");
        }
        CheckpointContents::Group& group = contents.groups.back();
        hem::v1::Trajectory trajectory;
        if (!trajectory.ParseFromArray(payload.data(),
                                       static_cast<int>(payload.size()))) {
          return corrupt(start, "episode record does not parse");
        }
        absl::Status valid = ValidateTrajectory(group.spec, trajectory);
        if (!valid.ok()) return corrupt(start, valid.message());
        group.trajectories.push_back(std::move(trajectory));
        ++contents.num_episodes;
        break;
      }
      case kEndRecord: {
        if (payload.size() != 16) return corrupt(start, "bad end record");
        const uint64_t specs = GetU64(payload.data());
        const uint64_t episodes = GetU64(payload.data() + 8);
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
        return corrupt(start, absl::StrCat("unknown record type ", static_cast<int>(record.type)));
    }
    ++index;
  }
  if (!saw_end) return corrupt(pos, "truncated: no end record");
  if (pos != data.size()) return corrupt(pos, "trailing bytes after end record");
  return contents;
}

absl::StatusOr<CheckpointContents> ReadCheckpointFile(const std::string& path) {
  absl::StatusOr<std::string> file = ReadFileToString(path);
  if (!file.ok()) return file.status();
  return ParseCheckpoint(*file, path);
}

int64_t ReadCheckpointLogSegment(const std::string& path) {
  // The magic, the header record and the log position record come first.
  constexpr size_t kPrefix = sizeof(kMagic) + 2 * (kRecordOverhead + 8);
  std::ifstream in(path, std::ios::binary);
  char buffer[kPrefix];
  if (!in.read(buffer, kPrefix)) return -1;
  const absl::string_view data(buffer, kPrefix);
  if (std::memcmp(buffer, kMagic, sizeof(kMagic)) != 0) return -1;
  uint64_t pos = sizeof(kMagic);
  Record record;
  if (ParseRecord(data, &pos, &record) != ParseResult::kOk ||
      record.type != kHeaderRecord ||
      ParseRecord(data, &pos, &record) != ParseResult::kOk ||
      record.type != kLogPositionRecord || record.payload.size() != 8) {
    return -1;
  }
  const uint64_t segment = GetU64(record.payload.data());
  return segment > uint64_t{1} << 62 ? -1 : static_cast<int64_t>(segment);
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
  return Write(shard, shard.Snapshot(), -1);
}

absl::StatusOr<std::string> CheckpointDirectory::Write(
    const ReplayShard& shard, const std::vector<ReplayShard::SpecSnapshot>& snapshot,
    int64_t log_segment) {
  HEM_ASSIGN_OR_RETURN(
      const std::string path,
      files_.PathFor(std::max<int64_t>(1, files_.NewestSequence() + 1)));
  HEM_RETURN_IF_ERROR(WriteCheckpointFile(path, shard.config().shard_index,
                                          shard.config().num_shards, snapshot,
                                          log_segment));
  HEM_RETURN_IF_ERROR(files_.Prune());
  return path;
}

int64_t CheckpointDirectory::OldestLogSegment() const {
  const std::vector<std::string> paths = files_.List();
  if (paths.empty()) return -1;
  return ReadCheckpointLogSegment(paths.back());
}

absl::StatusOr<std::string> CheckpointDirectory::RestoreLatest(
    ReplayShard* shard, std::vector<std::string>* problems,
    int64_t* log_segment) {
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
  if (log_segment != nullptr) *log_segment = path.empty() ? -1 : loaded.log_segment;
  if (!path.empty()) HEM_RETURN_IF_ERROR(RestoreShard(std::move(loaded), shard));
  return path;
}

}  // namespace hem
