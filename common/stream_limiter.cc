// Per-client and total caps on open streams (see stream_limiter.h).
#include "common/stream_limiter.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hem {

absl::Status ValidateStreamLimits(const StreamLimits& limits) {
  if (limits.max_streams < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_streams: must be >= 1, got ", limits.max_streams));
  }
  if (limits.max_streams_per_client < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_streams_per_client: must be >= 1, got ",
                     limits.max_streams_per_client));
  }
  return absl::OkStatus();
}

std::string PeerHost(absl::string_view peer) {
  if (!absl::StartsWith(peer, "ipv4:") && !absl::StartsWith(peer, "ipv6:")) {
    return std::string(peer);
  }
  peer.remove_prefix(5);
  const size_t colon = peer.rfind(':');
  if (colon == absl::string_view::npos) return std::string(peer);
  return std::string(peer.substr(0, colon));
}

StreamLimiter::StreamLimiter(StreamLimits limits) : limits_(limits) {}

StreamLimiter::Slot::Slot(StreamLimiter* limiter, std::string host)
    : limiter_(limiter), host_(std::move(host)) {}

StreamLimiter::Slot::Slot(Slot&& other) noexcept
    : limiter_(other.limiter_), host_(std::move(other.host_)) {
  other.limiter_ = nullptr;
}

StreamLimiter::Slot::~Slot() {
  if (limiter_ != nullptr) limiter_->Release(host_);
}

absl::StatusOr<StreamLimiter::Slot> StreamLimiter::Open(absl::string_view peer) {
  std::string host = PeerHost(peer);
  absl::MutexLock lock(&mu_);
  if (total_ >= limits_.max_streams) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "streams: ", total_, " open, the most this server holds (max_streams = ",
        limits_.max_streams, ")"));
  }
  int& mine = per_host_[host];
  if (mine >= limits_.max_streams_per_client) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "streams: client ", host, " has ", mine,
        " open, the most one client may (max_streams_per_client = ",
        limits_.max_streams_per_client, ")"));
  }
  ++mine;
  ++total_;
  return Slot(this, std::move(host));
}

void StreamLimiter::Release(const std::string& host) {
  absl::MutexLock lock(&mu_);
  --total_;
  auto it = per_host_.find(host);
  if (it != per_host_.end() && --it->second <= 0) per_host_.erase(it);
}

int StreamLimiter::open_streams() const {
  absl::MutexLock lock(&mu_);
  return total_;
}

}  // namespace hem
