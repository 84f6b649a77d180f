#include "replay_service/checkpoint.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

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

class RecordWriter {
 public:
  explicit RecordWriter(FILE* file) : file_(file) {}
  bool Write(uint8_t type, const std::string& payload) {
    const uint64_t length = payload.size();
    const uint32_t crc = RecordCrc(type, length, payload.data());
    return std::fwrite(&type, 1, 1, file_) == 1 &&
           std::fwrite(&length, 8, 1, file_) == 1 &&
           (length == 0 ||
            std::fwrite(payload.data(), 1, length, file_) == length) &&
           std::fwrite(&crc, 4, 1, file_) == 1;
  }

 private:
  FILE* file_;
};

absl::Status FsyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return ErrnoError("cannot open directory", dir);
  const int rc = fsync(fd);
  close(fd);
  if (rc != 0) return ErrnoError("cannot fsync directory", dir);
  return absl::OkStatus();
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return ErrnoError("cannot open", path);
  }
  std::string data;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) data.append(buffer, n);
  const bool failed = std::ferror(file);
  std::fclose(file);
  if (failed) return ErrnoError("cannot read", path);
  return data;
}

}  // namespace

absl::Status WriteCheckpointFile(
    const std::string& path, int shard_index, int num_shards,
    const std::vector<ReplayShard::SpecSnapshot>& snapshot) {
  const std::string temp = path + ".tmp";
  FILE* file = std::fopen(temp.c_str(), "wb");
  if (file == nullptr) return ErrnoError("cannot create", temp);
  std::setvbuf(file, nullptr, _IOFBF, 1 << 20);
  RecordWriter writer(file);
  bool ok = std::fwrite(kMagic, 1, sizeof(kMagic), file) == sizeof(kMagic);
  std::string payload;
  PutU32(&payload, static_cast<uint32_t>(shard_index));
  PutU32(&payload, static_cast<uint32_t>(num_shards));
  ok = ok && writer.Write(kHeader, payload);
  uint64_t episodes = 0;
  for (const ReplayShard::SpecSnapshot& group : snapshot) {
    ok = ok && group.spec.SerializeToString(&payload) &&
         writer.Write(kSpec, payload);
    for (const auto& episode : group.episodes) {
      if (!ok) break;
      ok = TrajectoryFromEpisode(*episode, group.spec)
               .SerializeToString(&payload) &&
           writer.Write(kEpisode, payload);
      ++episodes;
    }
  }
  payload.clear();
  PutU64(&payload, snapshot.size());
  PutU64(&payload, episodes);
  ok = ok && writer.Write(kEnd, payload);
  ok = ok && std::fflush(file) == 0 && fsync(fileno(file)) == 0;
  const int saved_errno = errno;
  ok = (std::fclose(file) == 0) && ok;
  if (!ok) {
    errno = saved_errno;
    absl::Status status = ErrnoError("cannot write", temp);
    std::remove(temp.c_str());
    return status;
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    absl::Status status = ErrnoError("cannot rename into", path);
    std::remove(temp.c_str());
    return status;
  }
  return FsyncDirectory(DirName(path));
}

absl::StatusOr<CheckpointContents> ReadCheckpointFile(const std::string& path) {
  absl::StatusOr<std::string> file = ReadWholeFile(path);
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
    : dir_(std::move(dir)), shard_index_(shard_index), keep_(std::max(1, keep)) {}

std::vector<std::string> CheckpointDirectory::List() const {
  const std::string prefix = absl::StrCat("replay-shard-", shard_index_, "-");
  std::vector<std::pair<int64_t, std::string>> found;
  DIR* dir = opendir(dir_.c_str());
  if (dir == nullptr) return {};
  while (struct dirent* entry = readdir(dir)) {
    absl::string_view name(entry->d_name);
    if (!absl::StartsWith(name, prefix) || !absl::EndsWith(name, ".ckpt")) continue;
    name.remove_prefix(prefix.size());
    name.remove_suffix(5);
    int64_t sequence;
    if (!absl::SimpleAtoi(name, &sequence)) continue;
    found.emplace_back(sequence, absl::StrCat(dir_, "/", entry->d_name));
  }
  closedir(dir);
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> paths;
  for (auto& [sequence, path] : found) paths.push_back(std::move(path));
  return paths;
}

absl::StatusOr<std::string> CheckpointDirectory::Write(const ReplayShard& shard) {
  if (mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoError("cannot create checkpoint directory", dir_);
  }
  int64_t next = 1;
  const std::vector<std::string> existing = List();
  if (!existing.empty()) {
    const std::string& newest = existing.front();
    const size_t dash = newest.rfind('-');
    int64_t sequence = 0;
    if (absl::SimpleAtoi(
            newest.substr(dash + 1, newest.size() - dash - 1 - 5), &sequence)) {
      next = sequence + 1;
    }
  }
  const std::string path = absl::StrFormat("%s/replay-shard-%d-%010d.ckpt", dir_,
                                           shard_index_, next);
  HEM_RETURN_IF_ERROR(WriteCheckpointFile(path, shard.config().shard_index,
                                          shard.config().num_shards,
                                          shard.Snapshot()));
  const std::vector<std::string> all = List();
  for (size_t i = keep_; i < all.size(); ++i) std::remove(all[i].c_str());
  return path;
}

absl::StatusOr<std::string> CheckpointDirectory::RestoreLatest(
    ReplayShard* shard, std::vector<std::string>* problems) {
  for (const std::string& path : List()) {
    absl::StatusOr<CheckpointContents> contents = ReadCheckpointFile(path);
    if (!contents.ok()) {
      problems->push_back(std::string(contents.status().message()));
      continue;
    }
    if (contents->shard_index != shard->config().shard_index) {
      problems->push_back(absl::StrCat(path, ": written by shard ",
                                       contents->shard_index, ", this is shard ",
                                       shard->config().shard_index));
      continue;
    }
    HEM_RETURN_IF_ERROR(RestoreShard(*std::move(contents), shard));
    return path;
  }
  return std::string();
}

}  // namespace hem
