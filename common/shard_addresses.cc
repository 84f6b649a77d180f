#include "common/shard_addresses.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/mix.h"
#include "common/rendezvous.h"

namespace hem {
namespace {

// One entry: host:port (a bare port = 127.0.0.1:port) or rdzv:<role>/<index>.
absl::StatusOr<std::string> ParseAddress(absl::string_view item) {
  if (IsRendezvousAddress(item)) {
    absl::StatusOr<RendezvousName> name = ParseRendezvousAddress(item);
    if (!name.ok()) return name.status();
    return std::string(item);
  }
  const size_t colon = item.rfind(':');
  absl::string_view host =
      colon == absl::string_view::npos ? "127.0.0.1" : item.substr(0, colon);
  absl::string_view port_text =
      colon == absl::string_view::npos ? item : item.substr(colon + 1);
  int port = 0;
  if (host.empty() || !absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", item, "' is not host:port with a port in [1, 65535]"));
  }
  return absl::StrCat(host, ":", port);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseAddressList(
    absl::string_view list, absl::string_view flag_name) {
  std::vector<std::string> addresses;
  std::set<std::string> seen;
  for (absl::string_view raw : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    absl::string_view item = absl::StripAsciiWhitespace(raw);
    absl::StatusOr<std::string> address = ParseAddress(item);
    if (!address.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag_name, ": ", address.status().message()));
    }
    if (!seen.insert(*address).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag_name, ": '", *address, "' is listed twice"));
    }
    addresses.push_back(*std::move(address));
  }
  if (addresses.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag_name, ": no addresses given"));
  }
  return addresses;
}

int ShardForEpisode(uint64_t actor_id, uint64_t episode_id, int num_shards) {
  const uint64_t x = MixBits(actor_id * kGoldenGamma + episode_id);
  return static_cast<int>(x % static_cast<uint64_t>(num_shards));
}

}  // namespace hem
