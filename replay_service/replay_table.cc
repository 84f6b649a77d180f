// One environment's FIFO of episodes on a shard (see replay_table.h).
#include "replay_service/replay_table.h"

#include <algorithm>

namespace hem {

ReplayTable::ReplayTable(hem::v1::EnvSpec spec, ReplayTableOptions options)
    : spec_(std::move(spec)),
      layout_(SpecLayout::FromSpec(spec_)),
      options_(options) {}

ReplayTable::InsertResult ReplayTable::Insert(
    std::shared_ptr<const Episode> episode) {
  const std::pair<uint64_t, uint64_t> key(episode->actor_id,
                                          episode->episode_id);
  const int64_t steps = episode->num_steps;
  const int64_t bytes = episode->MemoryBytes();
  std::vector<std::shared_ptr<const Episode>> evicted;  // Freed unlocked.
  {
    absl::MutexLock lock(&mu_);
    if (!keys_.insert(key).second) {
      ++duplicate_episodes_;
      return InsertResult::kDuplicate;
    }
    entries_.push_back(Entry{end_transition_, std::move(episode)});
    end_transition_ += steps;
    num_transitions_ += steps;
    bytes_ += bytes;
    ++inserted_episodes_;
    inserted_transitions_ += steps;
    while (entries_.size() > 1 &&
           (num_transitions_ > options_.capacity_transitions ||
            (options_.capacity_bytes > 0 && bytes_ > options_.capacity_bytes))) {
      evicted.push_back(entries_.front().episode);
      EvictOldest();
    }
  }
  return InsertResult::kStored;
}

bool ReplayTable::CheckDuplicate(uint64_t actor_id, uint64_t episode_id) {
  absl::MutexLock lock(&mu_);
  if (!keys_.contains(std::make_pair(actor_id, episode_id))) return false;
  ++duplicate_episodes_;
  return true;
}

void ReplayTable::EvictOldest() {
  const Episode& oldest = *entries_.front().episode;
  keys_.erase(std::make_pair(oldest.actor_id, oldest.episode_id));
  num_transitions_ -= oldest.num_steps;
  bytes_ -= oldest.MemoryBytes();
  ++evicted_episodes_;
  entries_.pop_front();
}

std::pair<const Episode*, int> ReplayTable::Reader::Locate(
    int64_t index) const {
  const auto& entries = table_->entries_;
  // Last entry whose first transition is <= index.
  auto it = std::upper_bound(
      entries.begin(), entries.end(), index,
      [](int64_t value, const Entry& entry) { return value < entry.first; });
  --it;
  return {it->episode.get(), static_cast<int>(index - it->first)};
}

std::vector<std::shared_ptr<const Episode>> ReplayTable::Snapshot() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::shared_ptr<const Episode>> episodes;
  episodes.reserve(entries_.size());
  for (const Entry& entry : entries_) episodes.push_back(entry.episode);
  return episodes;
}

ReplayTable::Stats ReplayTable::stats() const {
  absl::ReaderMutexLock lock(&mu_);
  Stats stats;
  stats.transitions = num_transitions_;
  stats.episodes = static_cast<int64_t>(entries_.size());
  stats.bytes = bytes_;
  stats.inserted_episodes = inserted_episodes_;
  stats.inserted_transitions = inserted_transitions_;
  stats.evicted_episodes = evicted_episodes_;
  stats.duplicate_episodes = duplicate_episodes_;
  return stats;
}

}  // namespace hem
