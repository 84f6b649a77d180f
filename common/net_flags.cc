// The shared network flags (see net_flags.h).
#include "common/net_flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "common/flag_errors.h"

namespace {
const hem::NetConfig& Defaults() {
  static const hem::NetConfig* const defaults = new hem::NetConfig();
  return *defaults;
}
}  // namespace

ABSL_FLAG(std::string, bind_host, Defaults().bind_host,
          "Address to listen on: 127.0.0.1 = this machine only, 0.0.0.0 = every interface "
          "(then --credentials_dir, or --insecure, is required)");
ABSL_FLAG(std::string, advertise_host, Defaults().advertise_host,
          "Host others should use to reach this process; empty = --bind_host when it is a "
          "specific address, else this machine's hostname");
ABSL_FLAG(std::string, credentials_dir, Defaults().credentials_dir,
          "Directory from deploy/make_credentials.sh (ca.crt, node.crt, node.key, token): "
          "servers use TLS and require the token, clients use TLS and send it; empty = "
          "plaintext");
ABSL_FLAG(bool, insecure, Defaults().insecure,
          "Allow listening beyond loopback without --credentials_dir: anyone who can reach "
          "the port can use every service of this process");
ABSL_FLAG(std::string, rendezvous_dir, Defaults().rendezvous_dir,
          "Shared directory: write <role>-<index> with this process's host:port once ready, "
          "and resolve addresses given as rdzv:<role>/<index>; empty = none");

namespace hem {
namespace {

// NetConfig field (as the member `net` of a role's config) -> flag.
constexpr FieldFlag kFlagOfNetField[] = {
    {"net.bind_host", "bind_host"},
    {"net.advertise_host", "advertise_host"},
    {"net.credentials_dir", "credentials_dir"},
    {"net.insecure", "insecure"},
    {"net.rendezvous_dir", "rendezvous_dir"},
};

}  // namespace

NetConfig NetConfigFromFlags() {
  NetConfig config;
  config.bind_host = absl::GetFlag(FLAGS_bind_host);
  config.advertise_host = absl::GetFlag(FLAGS_advertise_host);
  config.credentials_dir = absl::GetFlag(FLAGS_credentials_dir);
  config.insecure = absl::GetFlag(FLAGS_insecure);
  config.rendezvous_dir = absl::GetFlag(FLAGS_rendezvous_dir);
  return config;
}

absl::Status NetFlagError(const absl::Status& status) {
  return FieldErrorToFlagError(status, kFlagOfNetField);
}

}  // namespace hem
