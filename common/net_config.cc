// NetConfig checks, the advertised host, and loading credentials (see
// net_config.h).
#include "common/net_config.h"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <set>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/atomic_file.h"
#include "common/logging.h"

namespace hem {
namespace {

absl::string_view Unbracketed(absl::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

// What WarnOnce has already said in this process.
ABSL_CONST_INIT absl::Mutex warned_mu(absl::kConstInit);
std::set<std::string>* warned ABSL_GUARDED_BY(warned_mu) = nullptr;

// Logs `message` as a warning the first time `key` is seen in this process.
void WarnOnce(const std::string& key, const std::string& message) {
  {
    absl::MutexLock lock(&warned_mu);
    if (warned == nullptr) warned = new std::set<std::string>();
    if (!warned->insert(key).second) return;
  }
  HEM_LOG(WARNING) << message;
}

// One credentials file, checked for presence, content and permissions.
absl::StatusOr<std::string> ReadCredentialFile(const std::string& dir,
                                               absl::string_view name,
                                               absl::string_view must_contain) {
  const std::string path = absl::StrCat(dir, "/", name);
  absl::StatusOr<std::string> contents = ReadFileToString(path);
  if (absl::IsNotFound(contents.status())) {
    return absl::NotFoundError(absl::StrCat(
        "credentials_dir: ", path, " is missing (make the directory with "
        "deploy/make_credentials.sh ", dir, ")"));
  }
  if (!contents.ok()) {
    return absl::Status(contents.status().code(),
                        absl::StrCat("credentials_dir: cannot read ", path, ": ",
                                     contents.status().message()));
  }
  if (!absl::StrContains(*contents, must_contain)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "credentials_dir: ", path, " does not hold ",
        must_contain.empty() ? "a token" : must_contain));
  }
  struct stat info;
  if (::stat(path.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(info.st_mode & 07777));
    WarnOnce(path, absl::StrCat("credentials: ", path, " is readable by group or others (mode ",
                                mode, "); anyone who can read it can call this run's "
                                "services: chmod 600 ", path));
  }
  return contents;
}

}  // namespace

bool IsLoopbackHost(absl::string_view host) {
  host = Unbracketed(host);
  if (host == "localhost" || host == "::1") return true;
  in_addr v4;
  const std::string text(host);
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  return false;
}

bool IsWildcardHost(absl::string_view host) {
  host = Unbracketed(host);
  return host == "0.0.0.0" || host == "::";
}

absl::Status ValidateNetConfig(const NetConfig& config) {
  if (config.bind_host.empty()) {
    return absl::InvalidArgumentError(
        "bind_host: must not be empty (127.0.0.1 = this machine only, 0.0.0.0 = every "
        "interface)");
  }
  if (config.rendezvous_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("rendezvous_timeout: must be > 0");
  }
  if (IsLoopbackHost(config.bind_host) || !config.credentials_dir.empty()) {
    return absl::OkStatus();
  }
  if (!config.insecure) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bind_host: ", config.bind_host,
        " reaches beyond loopback, but no credentials_dir is set: every service of this "
        "process (replay inserts and samples, policy weights and reports, status) would "
        "take plaintext calls from anyone who can reach its port. Set credentials_dir to a "
        "directory made by deploy/make_credentials.sh (TLS and a token), listen on "
        "127.0.0.1, or set insecure to expose it anyway"));
  }
  WarnOnce("insecure",
           absl::StrCat("INSECURE: listening on ", config.bind_host,
                        " without TLS or token (insecure is set): anyone who can reach "
                        "this machine can insert and sample experience, read policy "
                        "weights, send reports and read status, in plaintext. Use it "
                        "only on a private network you trust; credentials_dir "
                        "(deploy/make_credentials.sh) closes it"));
  return absl::OkStatus();
}

absl::Status NetFieldError(const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat("net.", status.message()));
}

std::string AdvertiseHost(const NetConfig& config) {
  if (!config.advertise_host.empty()) return config.advertise_host;
  if (!IsWildcardHost(config.bind_host)) return config.bind_host;
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return kLoopbackHost;
  return name;
}

std::string HostPort(absl::string_view host, int port) {
  if (absl::StrContains(host, ':') && !absl::StartsWith(host, "[")) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<Credentials> LoadCredentials(const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("credentials_dir: empty");
  Credentials credentials;
  absl::StatusOr<std::string> file = ReadCredentialFile(dir, "ca.crt", "BEGIN CERTIFICATE");
  if (!file.ok()) return file.status();
  credentials.ca_cert = *std::move(file);
  file = ReadCredentialFile(dir, "node.crt", "BEGIN CERTIFICATE");
  if (!file.ok()) return file.status();
  credentials.node_cert = *std::move(file);
  file = ReadCredentialFile(dir, "node.key", "PRIVATE KEY");
  if (!file.ok()) return file.status();
  credentials.node_key = *std::move(file);
  file = ReadCredentialFile(dir, "token", "");
  if (!file.ok()) return file.status();
  credentials.token = std::string(absl::StripAsciiWhitespace(*file));
  // The token travels in an HTTP/2 header: printable ASCII without spaces.
  bool printable = !credentials.token.empty();
  for (unsigned char c : credentials.token) printable &= std::isgraph(c) != 0;
  if (!printable) {
    return absl::InvalidArgumentError(absl::StrCat(
        "credentials_dir: ", dir, "/token must hold one word of printable characters"));
  }
  return credentials;
}

absl::StatusOr<std::shared_ptr<const Credentials>> LoadNetCredentials(
    const NetConfig& config) {
  if (config.credentials_dir.empty()) return std::shared_ptr<const Credentials>();
  absl::StatusOr<Credentials> credentials = LoadCredentials(config.credentials_dir);
  if (!credentials.ok()) return NetFieldError(credentials.status());
  return std::make_shared<const Credentials>(*std::move(credentials));
}

}  // namespace hem
