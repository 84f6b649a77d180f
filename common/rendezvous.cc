// Publishing and resolving addresses through a shared directory (see
// rendezvous.h).
#include "common/rendezvous.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/atomic_file.h"
#include "common/logging.h"

namespace hem {
namespace {

// How often a missing file is looked for, and how often the wait is logged.
constexpr absl::Duration kPollInterval = absl::Milliseconds(100);
constexpr absl::Duration kProgressInterval = absl::Seconds(10);

bool IsRoleChar(char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
}

// True when `text` looks like host:port with a port in [1, 65535].
bool IsHostPort(absl::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  int port = 0;
  return absl::SimpleAtoi(text.substr(colon + 1), &port) && port >= 1 && port <= 65535;
}

}  // namespace

bool IsRendezvousAddress(absl::string_view address) {
  return absl::StartsWith(address, kRendezvousPrefix);
}

std::string RendezvousName::FileName() const { return absl::StrCat(role, "-", index); }

absl::StatusOr<RendezvousName> ParseRendezvousAddress(absl::string_view address) {
  absl::string_view rest = address;
  const size_t slash = rest.find('/');
  RendezvousName name;
  bool ok = absl::ConsumePrefix(&rest, kRendezvousPrefix) && slash != absl::string_view::npos;
  if (ok) {
    name.role = std::string(rest.substr(0, rest.find('/')));
    ok = !name.role.empty() &&
         std::all_of(name.role.begin(), name.role.end(), IsRoleChar) &&
         absl::SimpleAtoi(rest.substr(rest.find('/') + 1), &name.index);
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", address, "' is not rdzv:<role>/<index> (e.g. rdzv:replay/0)"));
  }
  return name;
}

absl::Status PublishAddress(const std::string& dir, absl::string_view role, uint64_t index,
                            absl::string_view host_port, absl::string_view suffix) {
  if (dir.empty()) return absl::InvalidArgumentError("rendezvous_dir: empty");
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("rendezvous_dir: cannot create ", dir, ": ", error.message()));
  }
  const RendezvousName name{std::string(role), index};
  const absl::Status written = WriteFileAtomically(absl::StrCat(dir, "/", name.FileName(), suffix),
                                                   absl::StrCat(host_port, "\n"));
  if (written.ok()) return written;
  return absl::Status(written.code(), absl::StrCat("rendezvous_dir: ", written.message()));
}

namespace {

// ResolveAddress with a deadline shared by a whole list; `timeout` is what
// the caller allowed in all, for messages.
absl::StatusOr<std::string> ResolveBefore(const std::string& dir, absl::string_view address,
                                          absl::Time deadline, absl::Duration timeout,
                                          const std::atomic<bool>* stop) {
  absl::StatusOr<RendezvousName> name = ParseRendezvousAddress(address);
  if (!name.ok()) return name.status();
  if (dir.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rendezvous_dir: not set, but '", address, "' is looked up there"));
  }
  const std::string path = absl::StrCat(dir, "/", name->FileName());
  const absl::Time start = absl::Now();
  absl::Time next_log = start + kProgressInterval;
  for (;;) {
    absl::StatusOr<std::string> contents = ReadFileToString(path);
    if (contents.ok()) {
      const std::string host_port(absl::StripAsciiWhitespace(*contents));
      if (!IsHostPort(host_port)) {
        return absl::InvalidArgumentError(absl::StrCat(
            address, ": ", path, " holds '", host_port, "', not host:port"));
      }
      return host_port;
    }
    if (!absl::IsNotFound(contents.status())) return contents.status();
    const absl::Time now = absl::Now();
    if (stop != nullptr && stop->load()) {
      return absl::CancelledError(absl::StrCat("stopped while waiting for ", path));
    }
    if (now >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          address, ": ", path, " did not appear within ", absl::FormatDuration(timeout),
          " (is ", name->role, " ", name->index, " running with this rendezvous_dir?)"));
    }
    if (now >= next_log) {
      HEM_LOG(INFO) << "waiting for " << address << " (" << path << ") for "
                    << absl::FormatDuration(absl::Trunc(now - start, absl::Seconds(1)))
                    << " of " << absl::FormatDuration(timeout);
      next_log += kProgressInterval;
    }
    absl::SleepFor(kPollInterval);
  }
}

}  // namespace

absl::StatusOr<std::string> ResolveAddress(const std::string& dir, absl::string_view address,
                                           absl::Duration timeout,
                                           const std::atomic<bool>* stop) {
  return ResolveBefore(dir, address, absl::Now() + timeout, timeout, stop);
}

absl::StatusOr<std::vector<std::string>> ResolveAddresses(
    const std::string& dir, const std::vector<std::string>& addresses,
    absl::Duration timeout, const std::atomic<bool>* stop) {
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<std::string> resolved;
  resolved.reserve(addresses.size());
  for (const std::string& address : addresses) {
    if (!IsRendezvousAddress(address)) {
      resolved.push_back(address);
      continue;
    }
    absl::StatusOr<std::string> host_port =
        ResolveBefore(dir, address, deadline, timeout, stop);
    if (!host_port.ok()) return host_port.status();
    resolved.push_back(*std::move(host_port));
  }
  return resolved;
}

}  // namespace hem
