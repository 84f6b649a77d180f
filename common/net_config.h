// Where a hem process listens, how others reach it, and what protects it:
// the one NetConfig every role's config struct carries as `net`, and the
// Credentials (CA, node certificate and key, bearer token) loaded from a
// directory made by deploy/make_credentials.sh.
//
// The rule it enforces: a process may listen beyond loopback only with
// credentials (then every gRPC server speaks TLS and demands the token;
// common/grpc_util.h), or when the user explicitly passes `insecure`, which
// is logged loudly. Loopback-only runs need no set-up. See "Addresses and
// credentials" in docs/ARCHITECTURE.md.
#ifndef HEM_COMMON_NET_CONFIG_H_
#define HEM_COMMON_NET_CONFIG_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hem {

// The address every process listens on unless told otherwise.
inline constexpr char kLoopbackHost[] = "127.0.0.1";

struct NetConfig {
  // Address to listen on: 127.0.0.1 = this machine only; a specific address
  // of this machine; 0.0.0.0 (or ::) = every interface. Anything but
  // loopback needs credentials_dir or insecure.
  std::string bind_host = kLoopbackHost;
  // Host others should use to reach this process (published through the
  // rendezvous and logged); "" = bind_host when it is a specific address,
  // else this machine's hostname.
  std::string advertise_host;
  // Directory from deploy/make_credentials.sh (ca.crt, node.crt, node.key,
  // token, each mode 0600); "" = plaintext without a token. When set, every
  // gRPC server here uses TLS and requires "authorization: Bearer <token>",
  // and every client uses TLS (verifying the CA) and sends the token.
  std::string credentials_dir;
  // Allow listening beyond loopback without credentials: every service of
  // the process is then open to anyone who can reach the port (warned once).
  bool insecure = false;
  // Shared directory where a process writes "<role>-<index>" (its
  // advertised host:port) once ready, and where "rdzv:<role>/<index>"
  // addresses are looked up (common/rendezvous.h); "" = no rendezvous.
  std::string rendezvous_dir;
  // How long a process waits for the rdzv: addresses it needs at start.
  absl::Duration rendezvous_timeout = absl::Minutes(5);
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(absl::string_view host);
// True for 0.0.0.0 and :: (every interface).
bool IsWildcardHost(absl::string_view host);

// OK, or INVALID_ARGUMENT naming the field: "bind_host: ..." when bind_host
// is empty, or reaches beyond loopback without credentials_dir or insecure
// (the message says what would be exposed and how to fix it). With insecure
// and no credentials beyond loopback, logs a loud warning (once a process).
absl::Status ValidateNetConfig(const NetConfig& config);

// A NetConfig error as one about the member `net` of a role's config:
// "bind_host: x" -> "net.bind_host: x" (what the binaries' flag tables map).
absl::Status NetFieldError(const absl::Status& status);

// The host others should use to reach this process (see advertise_host).
std::string AdvertiseHost(const NetConfig& config);

// "host:port", with brackets around an IPv6 host ("[::1]:7001").
std::string HostPort(absl::string_view host, int port);

// What a client and a server need for TLS and the token. The node
// certificate is shared by every process of a run and names "hem-node"
// (kNodeCertificateName, common/grpc_util.h), so it verifies whatever host a
// process runs on.
struct Credentials {
  std::string ca_cert;    // PEM: the run's CA, which clients verify against.
  std::string node_cert;  // PEM: this node's certificate, signed by the CA.
  std::string node_key;   // PEM: its private key.
  std::string token;      // The bearer token, without surrounding whitespace.
};

// Reads dir/{ca.crt,node.crt,node.key,token}. Errors name the field and the
// file: NOT_FOUND "credentials_dir: <dir>/token is missing (...)",
// INVALID_ARGUMENT for an empty or malformed file, UNAVAILABLE when
// unreadable. Logs a warning (once per file) when a file is readable by
// group or others.
absl::StatusOr<Credentials> LoadCredentials(const std::string& dir);

// The credentials `config` names, or null when credentials_dir is "" (then
// servers and clients speak plaintext). Errors name "net.credentials_dir".
absl::StatusOr<std::shared_ptr<const Credentials>> LoadNetCredentials(
    const NetConfig& config);

}  // namespace hem

#endif  // HEM_COMMON_NET_CONFIG_H_
