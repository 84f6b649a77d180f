// Replaying a shard's episode log at start (see episode_log_reader.h).
#include "replay_service/episode_log_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/env_spec_util.h"
#include "proto/trajectory.pb.h"
#include "replay_service/episode_log.h"
#include "replay_service/record_format.h"

namespace hem {
namespace {

// Reads exactly n bytes; false at end of file or on an error.
bool ReadExactly(std::FILE* file, char* out, size_t n) {
  return n == 0 || std::fread(out, 1, n, file) == n;
}

// One record's meaning: "" when it was used, else why it cannot be.
std::string ApplyRecord(uint8_t type, absl::string_view payload,
                        int64_t index, int shard_index, ReplayShard* shard,
                        LogSegmentScan* scan) {
  if (index == 0) {
    if (type != kHeaderRecord || payload.size() != 12) return "bad header record";
    const uint32_t writer = GetU32(payload.data());
    if (writer != static_cast<uint32_t>(shard_index)) {
      return absl::StrCat("written by shard ", writer, ", this is shard ",
                          shard_index);
    }
    return "";
  }
  switch (type) {
    case kSpecRecord: {
      hem::v1::EnvSpec spec;
      if (!spec.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
        return "spec record does not parse";
      }
      absl::Status status = shard->RegisterSpec(spec);
      if (!status.ok()) return std::string(status.message());
      ++scan->specs;
      return "";
    }
    case kEpisodeRecord: {
      hem::v1::Trajectory trajectory;
      if (!trajectory.ParseFromArray(payload.data(),
                                     static_cast<int>(payload.size()))) {
        return "episode record does not parse";
      }
      absl::StatusOr<bool> stored = shard->RestoreTrajectory(&trajectory);
      if (!stored.ok()) return std::string(stored.status().message());
      ++(*stored ? scan->episodes : scan->duplicates);
      return "";
    }
    default:
      return absl::StrCat("unknown record type ", static_cast<int>(type));
  }
}

}  // namespace

LogSegmentScan ReplayLogSegment(std::FILE* file, uint64_t file_bytes,
                                absl::string_view name, int shard_index,
                                ReplayShard* shard) {
  LogSegmentScan scan;
  scan.file_bytes = file_bytes;
  const absl::string_view magic = EpisodeLogMagic();
  char head[kRecordHeaderBytes];
  if (file_bytes < magic.size() || !ReadExactly(file, head, magic.size()) ||
      absl::string_view(head, magic.size()) != magic) {
    scan.problem = absl::StrCat(name, ": not a hem episode log (bad magic)");
    return scan;
  }
  uint64_t pos = magic.size();
  scan.valid_bytes = pos;
  std::string buffer;
  for (int64_t index = 0; pos < file_bytes; ++index) {
    const auto fail = [&](absl::string_view why) {
      scan.problem = absl::StrCat(name, ": ", why, " in record ", index,
                                  " at byte ", pos);
      return scan;
    };
    const uint64_t left = file_bytes - pos;
    if (left < kRecordOverhead || !ReadExactly(file, head, kRecordHeaderBytes)) {
      return fail("torn record (the file ends inside it)");
    }
    const uint8_t type = static_cast<uint8_t>(head[0]);
    const uint64_t length = GetU64(head + 1);
    if (length > kMaxRecordPayload) return fail("impossible record length");
    if (length > left - kRecordOverhead) {
      return fail("torn record (the file ends inside it)");
    }
    buffer.resize(length + 4);
    if (!ReadExactly(file, buffer.data(), buffer.size())) {
      return fail("torn record (read failed)");
    }
    if (!RecordCrcMatches(type, length, buffer.data(),
                          GetU32(buffer.data() + length))) {
      return fail("checksum mismatch");
    }
    const std::string why =
        ApplyRecord(type, absl::string_view(buffer.data(), length), index,
                    shard_index, shard, &scan);
    if (!why.empty()) return fail(why);
    pos += kRecordOverhead + length;
    scan.valid_bytes = pos;
  }
  return scan;
}

absl::StatusOr<LogReplayReport> ReplayEpisodeLog(const std::string& dir,
                                                 int shard_index,
                                                 int64_t from_segment,
                                                 ReplayShard* shard) {
  const CheckpointFiles files = EpisodeLogFiles(dir, shard_index);
  std::vector<std::string> paths = files.List();
  std::reverse(paths.begin(), paths.end());  // Oldest first.
  LogReplayReport report;
  for (const std::string& path : paths) {
    const int64_t segment = files.SequenceOf(path);
    report.newest_segment = std::max(report.newest_segment, segment);
    if (segment < from_segment) continue;
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
      return absl::UnavailableError(absl::StrCat(
          "episode log: cannot open ", path, ": ", std::strerror(errno)));
    }
    struct stat info;
    const uint64_t size =
        fstat(fileno(file), &info) == 0 ? static_cast<uint64_t>(info.st_size) : 0;
    const LogSegmentScan scan =
        ReplayLogSegment(file, size, path, shard_index, shard);
    std::fclose(file);
    ++report.segments;
    report.episodes += scan.episodes;
    report.duplicates += scan.duplicates;
    if (scan.problem.empty()) continue;
    report.problems.push_back(absl::StrCat(
        scan.problem, "; dropped ", scan.file_bytes - scan.valid_bytes, " bytes"));
    // Keep only the verified prefix, durably, so the bad bytes are gone
    // before anything is appended after them.
    if (truncate(path.c_str(), static_cast<off_t>(scan.valid_bytes)) != 0) {
      return absl::UnavailableError(absl::StrCat(
          "episode log: cannot truncate ", path, ": ", std::strerror(errno)));
    }
    const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      fdatasync(fd);
      close(fd);
    }
  }
  return report;
}

}  // namespace hem
